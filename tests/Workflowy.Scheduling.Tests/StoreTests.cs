namespace Workflowy.Scheduling.Tests;

/// <summary>The stores' compare-and-swap and the JSON file's refusal of what is not its own.</summary>
public sealed class StoreTests
{
    public static TheoryData<string> Stores => new() { "memory", "json" };

    private static IScheduleStore Make(string kind, TempDirectory dir) => kind == "json" ? new JsonFileScheduleStore(dir.Path) : new InMemoryScheduleStore();

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task ClaimIsACompareAndSwapAndPauseBlocksIt(string kind)
    {
        using var dir = new TempDirectory();
        var store = Make(kind, dir);
        var t0 = Harness.T0;
        var added = await store.GetOrAddAsync(new ScheduleRecord("s", "W", "every", t0));
        Assert.Equal(t0, (await store.GetOrAddAsync(new ScheduleRecord("s", "W", "every", t0.AddDays(1)))).Anchor);
        Assert.Null(added.LastScheduled);

        Assert.NotNull(await store.TryClaimAsync("s", null, t0.AddSeconds(10), t0.AddSeconds(10)));
        Assert.Null(await store.TryClaimAsync("s", null, t0.AddSeconds(10), null));
        await store.SetPausedAsync("s", paused: true, t0);
        Assert.Null(await store.TryClaimAsync("s", t0.AddSeconds(10), t0.AddSeconds(20), null));
        await store.SetPausedAsync("s", paused: false, t0);
        var claimed = await store.TryClaimAsync("s", t0.AddSeconds(10), t0.AddSeconds(20), null);
        Assert.Equal((t0.AddSeconds(20), t0.AddSeconds(10)), (claimed!.LastScheduled, claimed.LastFired));

        await store.AppendOccurrencesAsync([new ScheduleOccurrence("s", t0.AddSeconds(10), t0.AddSeconds(10), OccurrenceOutcome.Fired, OccurrenceReason.None) { RunId = "r" }]);
        var read = Assert.Single(await store.QueryOccurrencesAsync("s"));
        Assert.Equal(("r", OccurrenceOutcome.Fired), (read.RunId, read.Outcome));
        Assert.True(await store.RemoveAsync("s"));
        Assert.Null(await store.GetAsync("s"));
    }

    [Fact]
    public async Task AForeignFileIsRefusedUntouched()
    {
        using var dir = new TempDirectory();
        var path = System.IO.Path.Combine(dir.Path, "schedules.json");
        await System.IO.File.WriteAllTextAsync(path, """{"schema":"something.else","version":1}""");
        var store = new JsonFileScheduleStore(dir.Path);
        var ex = await Assert.ThrowsAsync<ScheduleStoreException>(async () => await store.ListAsync());
        Assert.Contains("not a schedule store's", ex.Message, StringComparison.Ordinal);
        await System.IO.File.WriteAllTextAsync(path, "{ not json");
        await Assert.ThrowsAsync<ScheduleStoreException>(async () => await store.GetOrAddAsync(new ScheduleRecord("s", "W", "x", Harness.T0)));
        Assert.Equal("{ not json", await System.IO.File.ReadAllTextAsync(path));
    }
}
