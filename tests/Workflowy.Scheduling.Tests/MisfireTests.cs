namespace Workflowy.Scheduling.Tests;

/// <summary>Cases 14–17 (misfire after downtime, late within the threshold) and 20 (two schedulers, one store).</summary>
public sealed class MisfireTests
{
    private static readonly DateTimeOffset Day = Harness.T0;

    /// <summary>An hourly schedule that fired at 09:00 in a first process; a second one starts at 12:10 on the same durable store.</summary>
    private static async Task<(ScheduleOccurrence[] Outcomes, ScheduleInfo Info)> AfterDowntimeAsync(ScheduleOptions options)
    {
        using var dir = new TempDirectory();
        var store = new JsonFileScheduleStore(dir.Path);
        await using (var first = new Harness(Day.AddHours(8).AddMinutes(30), store))
        {
            await first.Scheduler.AddScheduleAsync("hourly", ScheduleSpec.Cron("0 * * * *"), nameof(Tick), options: options);
            await first.Scheduler.StartAsync();
            await first.AdvanceToAsync(Day.AddHours(9).AddMinutes(1));
            Assert.Equal([Day.AddHours(9)], await first.FiredAsync("hourly"));
        }

        Assert.Equal(Day.AddHours(9), (await store.GetAsync("hourly"))!.LastScheduled);
        await using var second = new Harness(Day.AddHours(12).AddMinutes(10), new JsonFileScheduleStore(dir.Path));
        await second.Scheduler.AddScheduleAsync("hourly", ScheduleSpec.Cron("0 * * * *"), nameof(Tick), options: options);
        await second.Scheduler.StartAsync();
        await second.Scheduler.WhenIdleAsync();
        var outcomes = (await second.OutcomesAsync("hourly")).Where(o => o.ScheduledTime > Day.AddHours(9)).ToArray();
        return (outcomes, second.Scheduler.GetSchedule("hourly")!);
    }

    [Fact]
    public async Task Case14_FireOnceAfterDowntime()
    {
        var (outcomes, info) = await AfterDowntimeAsync(new ScheduleOptions());
        var fired = Assert.Single(outcomes, o => o.Outcome == OccurrenceOutcome.Fired);
        Assert.Equal((Day.AddHours(12), Day.AddHours(12).AddMinutes(10), 3), (fired.ScheduledTime, fired.RecordedAt, fired.MissedCount));
        Assert.Equal(Day.AddHours(13), info.NextFireTime);
    }

    [Fact]
    public async Task Case15_FireAllIsBounded()
    {
        var (outcomes, info) = await AfterDowntimeAsync(new ScheduleOptions { Misfire = MisfirePolicy.FireAll, MaxCatchUp = 2 });
        Assert.Equal([Day.AddHours(11), Day.AddHours(12)], outcomes.Where(o => o.Outcome == OccurrenceOutcome.Fired).Select(o => o.ScheduledTime));
        var dropped = Assert.Single(outcomes, o => o.Outcome == OccurrenceOutcome.Dropped);
        Assert.Equal(Day.AddHours(10), dropped.ScheduledTime);
        Assert.Equal(Day.AddHours(13), info.NextFireTime);
    }

    [Fact]
    public async Task Case16_SkipRecordsEveryMissedOccurrence()
    {
        var (outcomes, info) = await AfterDowntimeAsync(new ScheduleOptions { Misfire = MisfirePolicy.Skip });
        Assert.DoesNotContain(outcomes, o => o.Outcome == OccurrenceOutcome.Fired);
        Assert.Equal([Day.AddHours(10), Day.AddHours(11), Day.AddHours(12)], outcomes.Where(o => o is { Outcome: OccurrenceOutcome.Skipped, Reason: OccurrenceReason.Misfire }).Select(o => o.ScheduledTime));
        Assert.Equal(Day.AddHours(13), info.NextFireTime);
    }

    [Fact]
    public async Task Case17_LateWithinTheThresholdIsANormalFire()
    {
        await using var h = new Harness();
        await h.Scheduler.AddScheduleAsync("late", ScheduleSpec.Every(TimeSpan.FromMinutes(10)), nameof(Tick), options: new ScheduleOptions { Misfire = MisfirePolicy.Skip });
        await h.Scheduler.StartAsync();
        await h.AdvanceToAsync(Day.AddMinutes(9));
        await h.JumpAsync(TimeSpan.FromSeconds(90)); // the loop wakes 30 s late

        var fired = Assert.Single(await h.OutcomesAsync("late"));
        Assert.Equal((OccurrenceOutcome.Fired, OccurrenceReason.None, true, 0), (fired.Outcome, fired.Reason, fired.IsLate, fired.MissedCount));
        Assert.Equal(Day.AddMinutes(10), fired.ScheduledTime);
        Assert.Equal(Day.AddMinutes(10).AddSeconds(30), fired.RecordedAt);
    }

    [Fact]
    public async Task Case20_TwoSchedulersSharingAStoreFireEachOccurrenceOnce()
    {
        using var dir = new TempDirectory();
        await using var a = new Harness(store: new JsonFileScheduleStore(dir.Path));
        await using var b = new Harness(store: new JsonFileScheduleStore(dir.Path));
        foreach (var h in new[] { a, b })
        {
            await h.Scheduler.AddScheduleAsync("five", ScheduleSpec.Cron("*/5 * * * *"), nameof(Tick));
            await h.Scheduler.StartAsync();
        }

        // Both reach each due time; whichever claims first fires it.
        for (var minute = 5; minute <= 15; minute += 5)
        {
            await a.AdvanceToAsync(Day.AddMinutes(minute));
            await b.AdvanceToAsync(Day.AddMinutes(minute));
        }

        var all = await new JsonFileScheduleStore(dir.Path).QueryOccurrencesAsync("five");
        Assert.Equal([Day.AddMinutes(5), Day.AddMinutes(10), Day.AddMinutes(15)], all.Select(o => o.ScheduledTime));
        Assert.All(all, o => Assert.Equal(OccurrenceOutcome.Fired, o.Outcome));
        var runs = a.Runner.ActiveRuns.Count + b.Runner.ActiveRuns.Count;
        Assert.True(runs <= 3);
        Assert.Equal(Day.AddMinutes(20), a.Scheduler.GetSchedule("five")!.NextFireTime);
        Assert.Equal(Day.AddMinutes(20), b.Scheduler.GetSchedule("five")!.NextFireTime);
    }

    [Fact]
    public async Task Case20_TheLosingClaimCreatesNothingEvenWhenBothAreDueAtOnce()
    {
        var store = new InMemoryScheduleStore();
        await using var a = new Harness(store: store);
        await using var b = new Harness(store: store);
        foreach (var h in new[] { a, b })
        {
            await h.Scheduler.AddScheduleAsync("five", ScheduleSpec.Cron("*/5 * * * *"), nameof(Tick));
            await h.Scheduler.StartAsync();
            await h.Scheduler.WhenIdleAsync();
        }

        a.Clock.SetUtcNow(Day.AddMinutes(5));
        b.Clock.SetUtcNow(Day.AddMinutes(5));
        await Task.WhenAll(a.Scheduler.WhenIdleAsync(), b.Scheduler.WhenIdleAsync());

        var fired = Assert.Single(await store.QueryOccurrencesAsync("five"));
        Assert.Equal(Day.AddMinutes(5), fired.ScheduledTime);
    }
}
