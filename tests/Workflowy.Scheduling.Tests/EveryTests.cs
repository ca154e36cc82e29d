namespace Workflowy.Scheduling.Tests;

/// <summary>Cases 1–3 (every), 12–13 (at) of the spec's §4.</summary>
public sealed class EveryTests
{
    private static readonly DateTimeOffset T0 = Harness.T0;

    [Fact]
    public async Task Case01_FixedRateFirstFireAfterOneInterval()
    {
        await using var h = new Harness();
        await h.Scheduler.AddScheduleAsync("every10", ScheduleSpec.Every(TimeSpan.FromSeconds(10)), nameof(Tick));
        await h.Scheduler.StartAsync();
        await h.AdvanceToAsync(T0.AddSeconds(35));

        Assert.Equal([T0.AddSeconds(10), T0.AddSeconds(20), T0.AddSeconds(30)], await h.FiredAsync("every10"));
        Assert.Equal(T0.AddSeconds(40), h.Scheduler.GetSchedule("every10")!.NextFireTime);
        Assert.All(await h.OutcomesAsync("every10"), o => Assert.False(o.IsLate));
    }

    [Fact]
    public async Task Case02_StallKeepsThePhase()
    {
        await using var h = new Harness();
        await h.Scheduler.AddScheduleAsync("stall", ScheduleSpec.Every(TimeSpan.FromSeconds(10)), nameof(Tick), options: new ScheduleOptions { MisfireThreshold = TimeSpan.FromSeconds(1) });
        await h.Scheduler.StartAsync();
        await h.AdvanceToAsync(T0.AddSeconds(5));
        await h.JumpAsync(TimeSpan.FromSeconds(30));

        var fired = (await h.OutcomesAsync("stall")).Where(o => o.Outcome == OccurrenceOutcome.Fired).ToArray();
        var run = Assert.Single(fired);
        Assert.Equal(T0.AddSeconds(30), run.ScheduledTime);
        Assert.Equal(T0.AddSeconds(35), run.RecordedAt);
        Assert.Equal(3, run.MissedCount);
        Assert.Equal(T0.AddSeconds(40), h.Scheduler.GetSchedule("stall")!.NextFireTime);
    }

    [Fact]
    public async Task Case03_FromCompletionNeverOverlaps()
    {
        await using var h = new Harness();
        var starts = new List<DateTimeOffset>();
        var maxRunning = 0;
        h.Scheduler.OccurrenceRecorded += (_, o) =>
        {
            if (o.Outcome == OccurrenceOutcome.Fired)
            {
                starts.Add(o.RecordedAt);
            }
        };
        await h.Scheduler.AddScheduleAsync("delay", ScheduleSpec.Every(TimeSpan.FromSeconds(10), measure: IntervalMeasure.FromCompletion), nameof(Blocking), """{"key":"case3"}""");
        await h.Scheduler.StartAsync();

        // Each body runs 25 s: the test releases it 25 s after its start.
        for (var i = 0; i < 3; i++)
        {
            var next = h.Scheduler.GetSchedule("delay")!.NextFireTime!.Value;
            await h.AdvanceToAsync(next);
            var running = h.Runner.ActiveRuns.Where(r => r.RunId.StartsWith("delay-", StringComparison.Ordinal)).ToArray();
            maxRunning = Math.Max(maxRunning, h.Scheduler.GetSchedule("delay")!.RunningCount);
            Assert.Null(h.Scheduler.GetSchedule("delay")!.NextFireTime);
            await h.AdvanceToAsync(next.AddSeconds(25));
            Gates.Release("case3");
            foreach (var run in running)
            {
                await run.Completion;
            }

            await h.Scheduler.WhenIdleAsync();
            Gates.Reset("case3");
            Assert.Equal(next.AddSeconds(35), h.Scheduler.GetSchedule("delay")!.NextFireTime);
        }

        Assert.Equal([T0.AddSeconds(10), T0.AddSeconds(45), T0.AddSeconds(80)], starts);
        Assert.Equal(1, maxRunning);
    }

    [Fact]
    public async Task Case12_AtInThePast_FireOnceRunsNow()
    {
        await using var h = new Harness();
        await h.Scheduler.AddScheduleAsync("past", ScheduleSpec.At(T0.AddHours(-1)), nameof(Tick));
        await h.Scheduler.StartAsync();
        await h.Scheduler.WhenIdleAsync();

        var fired = Assert.Single(await h.OutcomesAsync("past"), o => o.Outcome == OccurrenceOutcome.Fired);
        Assert.Equal(T0.AddHours(-1), fired.ScheduledTime);
        Assert.Equal(T0, fired.RecordedAt);
        Assert.Equal(1, fired.MissedCount);
        Assert.Equal(ScheduleState.Completed, h.Scheduler.GetSchedule("past")!.State);
        Assert.Null(h.Scheduler.GetSchedule("past")!.NextFireTime);
    }

    [Fact]
    public async Task Case12_AtInThePast_SkipExpires()
    {
        await using var h = new Harness();
        await h.Scheduler.AddScheduleAsync("past", ScheduleSpec.At(T0.AddHours(-1)), nameof(Tick), options: new ScheduleOptions { Misfire = MisfirePolicy.Skip });
        await h.Scheduler.StartAsync();
        await h.Scheduler.WhenIdleAsync();

        var outcome = Assert.Single(await h.OutcomesAsync("past"));
        Assert.Equal((OccurrenceOutcome.Skipped, OccurrenceReason.Misfire), (outcome.Outcome, outcome.Reason));
        Assert.Equal(ScheduleState.Expired, h.Scheduler.GetSchedule("past")!.State);
        Assert.Null(h.Scheduler.NextWakeUp);
    }

    [Fact]
    public async Task Case13_AtBeyondTheTimerLimitWaitsADayAtATime()
    {
        await using var h = new Harness();
        var at = T0.AddDays(400);
        await h.Scheduler.AddScheduleAsync("far", ScheduleSpec.At(at), nameof(Tick));
        await h.Scheduler.StartAsync();
        await h.Scheduler.WhenIdleAsync();
        Assert.Equal(T0.AddDays(1), h.Scheduler.NextWakeUp);

        await h.AdvanceToAsync(at); // asserts every armed wait is at most a day

        var fired = Assert.Single(await h.OutcomesAsync("far"));
        Assert.Equal((OccurrenceOutcome.Fired, at, at, false), (fired.Outcome, fired.ScheduledTime, fired.RecordedAt, fired.IsLate));
        Assert.Equal(ScheduleState.Completed, h.Scheduler.GetSchedule("far")!.State);
    }
}
