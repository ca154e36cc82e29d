namespace Workflowy.Scheduling.Tests;

/// <summary>Cases 18–19 (overlap), 21 (jitter) and 22 (pause/resume).</summary>
public sealed class OverlapPauseJitterTests
{
    private static readonly DateTimeOffset T0 = Harness.T0;

    private static async Task ReleaseAsync(Harness h, string key, string prefix)
    {
        var running = h.Runner.ActiveRuns.Where(r => r.RunId.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
        Gates.Release(key);
        foreach (var run in running)
        {
            await run.Completion;
        }

        await h.Scheduler.WhenIdleAsync();
    }

    [Fact]
    public async Task Case18_OverlapSkip()
    {
        await using var h = new Harness();
        var maxRunning = 0;
        h.Scheduler.OccurrenceRecorded += (_, _) => maxRunning = Math.Max(maxRunning, h.Runner.ActiveRuns.Count);
        await h.Scheduler.AddScheduleAsync("skip", ScheduleSpec.Every(TimeSpan.FromSeconds(10)), nameof(Blocking), """{"key":"case18"}""");
        await h.Scheduler.StartAsync();
        await h.AdvanceToAsync(T0.AddSeconds(35));
        await ReleaseAsync(h, "case18", "skip-");
        await h.AdvanceToAsync(T0.AddSeconds(45));

        var outcomes = await h.OutcomesAsync("skip");
        Assert.Equal([T0.AddSeconds(10), T0.AddSeconds(40)], outcomes.Where(o => o.Outcome == OccurrenceOutcome.Fired).Select(o => o.ScheduledTime));
        Assert.Equal([T0.AddSeconds(20), T0.AddSeconds(30)], outcomes.Where(o => o is { Outcome: OccurrenceOutcome.Skipped, Reason: OccurrenceReason.Overlap }).Select(o => o.ScheduledTime));
        Assert.Equal(1, maxRunning);
        Gates.Release("case18");
    }

    [Fact]
    public async Task Case19_BufferOneKeepsTheNewest()
    {
        await using var h = new Harness();
        await h.Scheduler.AddScheduleAsync("buffer", ScheduleSpec.Every(TimeSpan.FromSeconds(10)), nameof(Blocking), """{"key":"case19"}""",
            new ScheduleOptions { Overlap = OverlapPolicy.BufferOne, MisfireThreshold = TimeSpan.FromHours(1) });
        await h.Scheduler.StartAsync();
        await h.AdvanceToAsync(T0.AddSeconds(35));
        await ReleaseAsync(h, "case19", "buffer-");

        var outcomes = await h.OutcomesAsync("buffer");
        var fired = outcomes.Where(o => o.Outcome == OccurrenceOutcome.Fired).ToArray();
        Assert.Equal([T0.AddSeconds(10), T0.AddSeconds(30)], fired.Select(o => o.ScheduledTime));
        Assert.Equal(T0.AddSeconds(35), fired[1].RecordedAt);
        var superseded = Assert.Single(outcomes, o => o.Outcome == OccurrenceOutcome.Skipped);
        Assert.Equal((T0.AddSeconds(20), OccurrenceReason.Superseded), (superseded.ScheduledTime, superseded.Reason));
        Assert.Equal(T0.AddSeconds(40), h.Scheduler.GetSchedule("buffer")!.NextFireTime);
        Gates.Release("case19");
    }

    [Fact]
    public async Task Case21_JitterIsDeterministicAndBounded()
    {
        async Task<DateTimeOffset[]> FireTimesAsync()
        {
            await using var h = new Harness();
            await h.Scheduler.AddScheduleAsync("reports#0", ScheduleSpec.Every(TimeSpan.FromHours(1)), nameof(Tick), options: new ScheduleOptions { Jitter = TimeSpan.FromMinutes(10) });
            await h.Scheduler.StartAsync();
            await h.AdvanceToAsync(T0.AddHours(5).AddMinutes(30));
            var outcomes = await h.OutcomesAsync("reports#0");
            Assert.All(outcomes, o => Assert.False(o.IsLate));
            Assert.Equal([T0.AddHours(1), T0.AddHours(2), T0.AddHours(3), T0.AddHours(4), T0.AddHours(5)], outcomes.Select(o => o.ScheduledTime));
            return [.. outcomes.Select(o => o.RecordedAt)];
        }

        var first = await FireTimesAsync();
        var second = await FireTimesAsync();
        Assert.Equal(first, second);
        for (var i = 0; i < first.Length; i++)
        {
            var offset = first[i] - T0.AddHours(i + 1);
            Assert.InRange(offset, TimeSpan.Zero, TimeSpan.FromMinutes(10) - TimeSpan.FromTicks(1));
        }

        Assert.True(first.Select((f, i) => f - T0.AddHours(i + 1)).Distinct().Count() > 1, "the offsets vary with the occurrence");
    }

    [Fact]
    public async Task Case21_HashMinuteIsStablePerScheduleId()
    {
        async Task<int> MinuteAsync(string id)
        {
            await using var h = new Harness();
            var info = await h.Scheduler.AddScheduleAsync(id, ScheduleSpec.Cron("H * * * *"), nameof(Tick));
            return info.NextFireTime!.Value.Minute;
        }

        var a = await MinuteAsync("reports#0");
        Assert.Equal(a, await MinuteAsync("reports#0"));
        Assert.NotEqual(a, await MinuteAsync("invoices#0"));
    }

    [Fact]
    public void Case21_TheSeedIsAFixedFunctionOfTheIdNotStringGetHashCode()
    {
        // FNV-1a: the same in every process (string.GetHashCode is randomised per process).
        // FNV-1a's published test vectors: the same in every process (string.GetHashCode is randomised per process).
        Assert.Equal(unchecked((int)0x811C9DC5), StableHash.Hash32(""));
        Assert.Equal(unchecked((int)0xBF9CF968), StableHash.Hash32("foobar"));
        Assert.Equal(unchecked((int)0xE40C292C), StableHash.Hash32("a"));
        Assert.Equal(StableHash.JitterOf("reports#0", T0, TimeSpan.FromMinutes(10)), StableHash.JitterOf("reports#0", T0, TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public async Task Case22_PauseThenResumeSkipsWhatWasMissed()
    {
        using var dir = new TempDirectory();
        await using var h = new Harness(store: new JsonFileScheduleStore(dir.Path));
        await h.Scheduler.AddScheduleAsync("p", ScheduleSpec.Every(TimeSpan.FromSeconds(10)), nameof(Tick));
        await h.Scheduler.StartAsync();
        await h.AdvanceToAsync(T0.AddSeconds(15));
        Assert.True(await h.Scheduler.PauseAsync("p"));
        Assert.Null(h.Scheduler.NextWakeUp);
        await h.AdvanceToAsync(T0.AddSeconds(47));

        // The pause survives a restart: a new scheduler on the same store sees it.
        await using (var restarted = new Harness(T0.AddSeconds(47), new JsonFileScheduleStore(dir.Path)))
        {
            var info = await restarted.Scheduler.AddScheduleAsync("p", ScheduleSpec.Every(TimeSpan.FromSeconds(10)), nameof(Tick));
            Assert.True(info.Paused);
            await restarted.Scheduler.StartAsync();
            await restarted.Scheduler.WhenIdleAsync();
            Assert.Null(restarted.Scheduler.NextWakeUp);
        }

        Assert.True(await h.Scheduler.ResumeAsync("p"));
        await h.Scheduler.WhenIdleAsync();
        var outcomes = await h.OutcomesAsync("p");
        Assert.Equal([T0.AddSeconds(10)], outcomes.Where(o => o.Outcome == OccurrenceOutcome.Fired).Select(o => o.ScheduledTime));
        Assert.Equal([T0.AddSeconds(20), T0.AddSeconds(30), T0.AddSeconds(40)], outcomes.Where(o => o is { Outcome: OccurrenceOutcome.Skipped, Reason: OccurrenceReason.Paused }).Select(o => o.ScheduledTime));
        Assert.Equal(T0.AddSeconds(50), h.Scheduler.GetSchedule("p")!.NextFireTime);
    }

    [Fact]
    public async Task Case22_ResumeApplyingTheMisfirePolicyFiresOnce()
    {
        await using var h = new Harness();
        await h.Scheduler.AddScheduleAsync("p", ScheduleSpec.Every(TimeSpan.FromSeconds(10)), nameof(Tick));
        await h.Scheduler.StartAsync();
        await h.AdvanceToAsync(T0.AddSeconds(15));
        await h.Scheduler.PauseAsync("p");
        await h.AdvanceToAsync(T0.AddSeconds(47));
        await h.Scheduler.ResumeAsync("p", ResumeMissed.ApplyMisfirePolicy);
        await h.Scheduler.WhenIdleAsync();

        var fired = (await h.OutcomesAsync("p")).Where(o => o.Outcome == OccurrenceOutcome.Fired).ToArray();
        Assert.Equal(2, fired.Length);
        Assert.Equal((T0.AddSeconds(40), T0.AddSeconds(47), 3), (fired[1].ScheduledTime, fired[1].RecordedAt, fired[1].MissedCount));
        Assert.Equal(T0.AddSeconds(50), h.Scheduler.GetSchedule("p")!.NextFireTime);
    }
}
