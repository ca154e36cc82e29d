using System.Collections.Generic;
using System.IO;
using Microsoft.Extensions.Time.Testing;
using Workflowy.Tests.Contracts;
using Workflowy.Tests.Workflows;

namespace Workflowy.Tests;

/// <summary>A run is executed by one runner (one process) at a time: run leases in the store (issue 17, item 6).</summary>
public sealed class RunLeaseTests : IDisposable
{
    private const string Workflow = "Workflowy.Tests.Workflows.LeasedWorkflow";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "workflowy-lease-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>memory: one store shared by both runners; json: one store instance each, on one directory; json-shared: one instance.</summary>
    public static TheoryData<string> Stores => new() { "memory", "json", "json-shared" };

    private (IWorkflowStore First, IWorkflowStore Second) TwoStores(string kind)
    {
        switch (kind)
        {
            case "memory":
                var memory = new InMemoryWorkflowStore();
                return (memory, memory);
            case "json-shared":
                var json = new JsonFileWorkflowStore(_directory);
                return (json, json);
            default:
                return (new JsonFileWorkflowStore(_directory), new JsonFileWorkflowStore(_directory));
        }
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task ASecondRunnerStartingARunThatIsRunning_IsRefused_AndRunsNothing(string kind)
    {
        var (store1, store2) = TwoStores(kind);
        var runId = "lease-" + Guid.NewGuid().ToString("N");
        var runner1 = new WorkflowRunner { Store = store1 };
        var first = new LeasedWorkflow();
        var before = DateTimeOffset.UtcNow;
        var run = first.Start(5, runner1, runId);
        await first.Started.Task.WaitAsync(Guard);

        var second = LeasedWorkflow.Open();
        var runner2 = new WorkflowRunner { Store = store2 };
        var refused = await Assert.ThrowsAsync<RunLeasedException>(() => second.RunAsync(5, runner2, runId).WaitAsync(Guard));

        Assert.Equal((0, 0), (second.WorkCalls, second.ShipCalls));
        Assert.Equal((Workflow, runId, runner1.RunLeaseOwner, false), (refused.Workflow, refused.RunId, refused.Owner, refused.IsLost));
        Assert.InRange(refused.ExpiresAt, before + runner1.RunLeaseDuration, DateTimeOffset.UtcNow + runner1.RunLeaseDuration);
        Assert.Contains($"Run {runId} of {Workflow} is being executed by '{runner1.RunLeaseOwner}'", refused.Message);
        Assert.Contains("RunLeaseWait", refused.Message);

        // ResumeAsync is refused the same way (the run's checkpoint exists once its first batch is stored).
        await WaitForCheckpointAsync(store2, runId);
        await Assert.ThrowsAsync<RunLeasedException>(() => second.ResumeAsync(runId, runner2).WaitAsync(Guard));
        Assert.Equal((0, 0), (second.WorkCalls, second.ShipCalls));

        first.Gate.SetResult();
        await run.Completion.WaitAsync(Guard);
        Assert.Equal("shipment-10", run.Ship.Result);
        Assert.Equal(1, LeasedWorkflow.Shipments[runId]);

        // Once the first has ended (its lease released), the second resumes it at once: everything is restored.
        var resumed = await second.ResumeAsync(runId, runner2).WaitAsync(Guard);
        Assert.Equal("shipment-10", resumed.Ship.Result);
        Assert.Equal((0, 0), (second.WorkCalls, second.ShipCalls));
        Assert.Equal(1, LeasedWorkflow.Shipments[runId]);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task WithRunLeaseWait_TheSecondRunnerWaits_AndContinuesTheRunOnceTheFirstHasEnded(string kind)
    {
        var (store1, store2) = TwoStores(kind);
        var runId = "lease-" + Guid.NewGuid().ToString("N");
        var first = new LeasedWorkflow();
        var run = first.Start(6, new WorkflowRunner { Store = store1 }, runId);
        await first.Started.Task.WaitAsync(Guard);

        var second = LeasedWorkflow.Open();
        var waiting = second.RunAsync(6, new WorkflowRunner { Store = store2, RunLeaseWait = TimeSpan.FromSeconds(30) }, runId);
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(0, second.WorkCalls);

        first.Gate.SetResult();
        await run.Completion.WaitAsync(Guard);
        var continued = await waiting.WaitAsync(Guard);

        Assert.Equal("shipment-12", continued.Ship.Result);
        Assert.Equal((0, 0), (second.WorkCalls, second.ShipCalls));
        Assert.Equal(1, LeasedWorkflow.Shipments[runId]);
    }

    [Fact]
    public async Task AWaitThatEndsBeforeTheLeaseIsFree_GivesTheError()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));
        var start = time.GetUtcNow();
        var store = new InMemoryWorkflowStore();
        await store.TryAcquireRunLeaseAsync(Workflow, "busy", "elsewhere", start, TimeSpan.FromMinutes(5));
        var workflow = LeasedWorkflow.Open();

        var run = workflow.RunAsync(1, new WorkflowRunner { Store = store, TimeProvider = time, RunLeaseWait = TimeSpan.FromSeconds(10) }, "busy");
        await AdvanceUntilAsync(time, run, TimeSpan.FromSeconds(1));

        var refused = await Assert.ThrowsAsync<RunLeasedException>(() => run.WaitAsync(Guard));
        Assert.Equal(("elsewhere", start + TimeSpan.FromMinutes(5)), (refused.Owner, refused.ExpiresAt));
        Assert.InRange(time.GetUtcNow(), start.AddSeconds(10), start.AddSeconds(12));
        Assert.Equal(0, workflow.WorkCalls);
    }

    [Fact]
    public async Task ACrashedOwnersLease_IsTakenOver_OnceItHasExpired()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));
        var store = new InMemoryWorkflowStore();
        var runId = "crashed-" + Guid.NewGuid().ToString("N");
        // A process took the lease and died: nothing renews it.
        await store.TryAcquireRunLeaseAsync(Workflow, runId, "dead-process", time.GetUtcNow(), TimeSpan.FromSeconds(30));
        var runner = new WorkflowRunner { Store = store, TimeProvider = time };

        var early = LeasedWorkflow.Open();
        var refused = await Assert.ThrowsAsync<RunLeasedException>(() => early.RunAsync(2, runner, runId).WaitAsync(Guard));
        Assert.Equal(("dead-process", time.GetUtcNow().AddSeconds(30)), (refused.Owner, refused.ExpiresAt));
        Assert.Equal(0, early.WorkCalls);

        time.Advance(TimeSpan.FromSeconds(30));
        var later = LeasedWorkflow.Open();
        var run = await later.RunAsync(2, runner, runId).WaitAsync(Guard);

        Assert.Equal("shipment-4", run.Ship.Result);
        Assert.Equal(1, later.WorkCalls);
    }

    [Fact]
    public async Task AWaitingRunner_TakesOverACrashedOwnersLease_WhenItExpires()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));
        var store = new InMemoryWorkflowStore();
        await store.TryAcquireRunLeaseAsync(Workflow, "crashed", "dead-process", time.GetUtcNow(), TimeSpan.FromSeconds(30));
        var workflow = LeasedWorkflow.Open();

        var run = workflow.RunAsync(3, new WorkflowRunner { Store = store, TimeProvider = time, RunLeaseWait = Timeout.InfiniteTimeSpan }, "crashed");
        await AdvanceUntilAsync(time, run, TimeSpan.FromSeconds(5));

        Assert.Equal("shipment-6", (await run.WaitAsync(Guard)).Ship.Result);
        Assert.InRange(time.GetUtcNow(), new DateTimeOffset(2026, 11, 23, 8, 0, 30, TimeSpan.Zero), new DateTimeOffset(2026, 11, 23, 8, 0, 40, TimeSpan.Zero));
    }

    [Fact]
    public async Task TheLease_IsRenewedWhileTheRunIsActive_AndReleasedWhenItEnds()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));
        var store = new InMemoryWorkflowStore();
        var runner = new WorkflowRunner { Store = store, TimeProvider = time, RunLeaseDuration = TimeSpan.FromSeconds(30) };
        var workflow = new LeasedWorkflow();
        var run = workflow.Start(4, runner, "renewed");
        await workflow.Started.Task.WaitAsync(Guard);

        for (var i = 0; i < 24; i++)
        {
            time.Advance(TimeSpan.FromSeconds(5)); // two minutes: four leases long
            await Task.Yield();
        }

        var refused = await store.TryAcquireRunLeaseAsync(Workflow, "renewed", "other", time.GetUtcNow(), TimeSpan.FromSeconds(30));
        Assert.Equal(runner.RunLeaseOwner, refused.Owner);
        Assert.True(refused.ExpiresAt > time.GetUtcNow().AddSeconds(15), $"renewed until {refused.ExpiresAt:O} at {time.GetUtcNow():O}");

        workflow.Gate.SetResult();
        await run.Completion.WaitAsync(Guard);
        Assert.True((await store.TryAcquireRunLeaseAsync(Workflow, "renewed", "other", time.GetUtcNow(), TimeSpan.FromSeconds(30))).Acquired);
    }

    [Fact]
    public async Task ARunThatLosesItsLease_Stops_AndStoresNothingMore()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));
        var store = new LeaseFaultStore();
        var runner = new WorkflowRunner { Store = store, TimeProvider = time, ErrorPolicy = ErrorPolicy.Continue };
        var workflow = new LeasedWorkflow();
        var run = workflow.Start(7, runner, "lost");
        await workflow.Started.Task.WaitAsync(Guard);
        await WaitForCheckpointAsync(store, "lost");

        // The store cannot be reached for renewals (the process hangs, the network is down) until the lease expires,
        // and another runner takes the run over.
        store.FailRenewals = true;
        time.Advance(TimeSpan.FromSeconds(35));
        Assert.True((await store.TryAcquireRunLeaseAsync(Workflow, "lost", "successor", time.GetUtcNow(), TimeSpan.FromSeconds(30))).Acquired);
        var saves = store.Saves;
        store.FailRenewals = false;
        time.Advance(TimeSpan.FromSeconds(10));

        var lost = await Assert.ThrowsAsync<RunLeasedException>(() => run.Completion.WaitAsync(Guard));
        Assert.True(lost.IsLost);
        Assert.Equal("successor", lost.Owner);
        Assert.Contains("lost its lease to 'successor'", lost.Message);
        Assert.Equal(TaskState.Cancelled, run.Work.State);
        Assert.Equal(saves, store.Saves); // neither the cancelled task nor the run's end was stored
        var checkpoint = (await store.LoadAsync(Workflow, "lost"))!;
        Assert.Empty(checkpoint.Tasks);
        Assert.Equal((RunStatus?)RunStatus.Running, checkpoint.Status);
        Assert.Equal("successor", (await store.TryAcquireRunLeaseAsync(Workflow, "lost", "third", time.GetUtcNow(), TimeSpan.FromSeconds(30))).Owner);
    }

    [Fact]
    public async Task OneRunner_ExecutesARunOnceAtATime_ThoughItsOwnerNameHoldsTheLease()
    {
        var runner = new WorkflowRunner { Store = new InMemoryWorkflowStore(), RunLeaseOwner = "service-a" };
        var first = new LeasedWorkflow();
        var run = first.Start(1, runner, "twice");
        await first.Started.Task.WaitAsync(Guard);

        var second = LeasedWorkflow.Open();
        var refused = await Assert.ThrowsAsync<RunLeasedException>(() => second.RunAsync(1, runner, "twice").WaitAsync(Guard));
        Assert.Equal("service-a", refused.Owner);
        Assert.Equal(0, second.WorkCalls);

        // Another runner under the same owner name (the same service, restarted) would get it: the name is the identity.
        first.Gate.SetResult();
        await run.Completion.WaitAsync(Guard);
        Assert.Equal("shipment-2", (await second.RunAsync(1, runner, "twice").WaitAsync(Guard)).Ship.Result);
        Assert.Equal(0, second.WorkCalls);
    }

    [Fact]
    public async Task ANewRunWithAFreshId_HoldsItsLeaseWhileItRuns()
    {
        var store = new InMemoryWorkflowStore();
        var workflow = new LeasedWorkflow();
        var run = workflow.Start(8, new WorkflowRunner { Store = store });
        await workflow.Started.Task.WaitAsync(Guard);

        Assert.False((await store.TryAcquireRunLeaseAsync(Workflow, run.RunId, "other", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1))).Acquired);
        workflow.Gate.SetResult();
        await run.Completion.WaitAsync(Guard);
        Assert.True((await store.TryAcquireRunLeaseAsync(Workflow, run.RunId, "other", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1))).Acquired);
    }

    [Fact]
    public async Task ResumeRunAsync_OfADynamicRunThatIsRunning_ThrowsTheLeaseError()
    {
        var store = new InMemoryWorkflowStore();
        var runner1 = new WorkflowRunner { Store = store, SerializerContext = DurableJson.Default };
        var first = await runner1.ResumeRunAsync("batch", "shared-batch");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = first.Submit(new TaskOptions { Key = "slow" }, async _ => { await gate.Task; return 1; });

        var calls = 0;
        var refused = await Assert.ThrowsAsync<RunLeasedException>(() => new WorkflowRunner { Store = store, SerializerContext = DurableJson.Default }.ResumeRunAsync("batch", "shared-batch").WaitAsync(Guard));
        Assert.Equal((runner1.RunLeaseOwner, "shared-batch", "batch"), (refused.Owner, refused.RunId, refused.Workflow));

        gate.SetResult();
        await first.CompleteAsync().WaitAsync(Guard);
        var again = await new WorkflowRunner { Store = store, SerializerContext = DurableJson.Default }.ResumeRunAsync("batch", "shared-batch");
        var slow = again.Submit(new TaskOptions { Key = "slow" }, _ => ++calls);
        await again.CompleteAsync().WaitAsync(Guard);
        Assert.Equal((1, 0), (slow.Result, calls));
    }

    [Fact]
    public async Task JsonStore_KeepsTheLeaseInAFileBesideTheCheckpoint_WhileTheRunIsActive()
    {
        var store = new JsonFileWorkflowStore(_directory);
        var workflow = new LeasedWorkflow();
        var run = workflow.Start(9, new WorkflowRunner { Store = store, RunLeaseOwner = "worker-1" }, "filed");
        await workflow.Started.Task.WaitAsync(Guard);

        var path = store.LeasePathOf(Workflow, "filed");
        Assert.Equal(Path.ChangeExtension(store.PathOf(Workflow, "filed"), ".lease"), path);
        Assert.Contains("\"owner\":\"worker-1\"", File.ReadAllText(path));
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(path)!, ".leases.lock")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(Path.GetDirectoryName(path)!, ".leases.lock")));
        }

        workflow.Gate.SetResult();
        await run.Completion.WaitAsync(Guard);
        Assert.False(File.Exists(path));
        var listing = await store.QueryRunsAsync(new RunQuery());
        Assert.Equal("filed", Assert.Single(listing.Runs).RunId);
        Assert.Empty(listing.Unreadable);
    }

    [Fact]
    public async Task JsonStore_ALeaseFileThatIsNotALease_FailsTheRun_BeforeAnythingRuns_AndIsLeftUntouched()
    {
        var store = new JsonFileWorkflowStore(_directory);
        var path = store.LeasePathOf(Workflow, "odd");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "{\"something\": \"else\"}");
        var workflow = LeasedWorkflow.Open();

        var error = await Assert.ThrowsAsync<CheckpointException>(() => workflow.RunAsync(1, new WorkflowRunner { Store = store }, "odd").WaitAsync(Guard));

        Assert.Equal(path, error.Location);
        Assert.Contains("not the lease of run 'odd'", error.Message);
        Assert.Equal(0, workflow.WorkCalls);
        Assert.Equal("{\"something\": \"else\"}", File.ReadAllText(path));
    }

    [Fact]
    public void RunnerOptions_AreChecked_AndEveryRunnerHasItsOwnOwnerName()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkflowRunner { RunLeaseDuration = TimeSpan.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkflowRunner { RunLeaseDuration = TimeSpan.FromDays(2) });
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkflowRunner { RunLeaseWait = TimeSpan.FromSeconds(-2) });
        Assert.Throws<ArgumentException>(() => new WorkflowRunner { RunLeaseOwner = " " });

        var (a, b) = (new WorkflowRunner(), new WorkflowRunner());
        Assert.NotEqual(a.RunLeaseOwner, b.RunLeaseOwner);
        Assert.Contains($":{Environment.ProcessId}:", a.RunLeaseOwner);
        Assert.Equal(a.RunLeaseOwner, a.RunLeaseOwner);
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.Zero), (a.RunLeaseDuration, a.RunLeaseWait));
        Assert.Equal(Timeout.InfiniteTimeSpan, new WorkflowRunner { RunLeaseWait = Timeout.InfiniteTimeSpan }.RunLeaseWait);
    }

    [Fact]
    public async Task AStoreWithoutLeases_GrantsThemAll_ByItsDefaultMembers()
    {
        IWorkflowStore store = new LeaselessStore();
        var now = DateTimeOffset.UtcNow;

        Assert.Equal(new RunLease(true, "a", now.AddSeconds(5)), await store.TryAcquireRunLeaseAsync("wf", "r", "a", now, TimeSpan.FromSeconds(5)));
        Assert.True((await store.TryAcquireRunLeaseAsync("wf", "r", "b", now, TimeSpan.FromSeconds(5))).Acquired);
        Assert.True((await store.RenewRunLeaseAsync("wf", "r", "a", now, TimeSpan.FromSeconds(5))).Acquired);
        await store.ReleaseRunLeaseAsync("wf", "r", "a");

        var run = await LeasedWorkflow.Open().RunAsync(1, new WorkflowRunner { Store = store });
        Assert.Equal("shipment-2", run.Ship.Result);
    }

    private static async Task WaitForCheckpointAsync(IWorkflowStore store, string runId)
    {
        for (var i = 0; i < 300 && await store.LoadAsync(Workflow, runId) is null; i++)
        {
            await Task.Delay(10);
        }
    }

    private static async Task AdvanceUntilAsync(FakeTimeProvider time, Task task, TimeSpan step)
    {
        for (var i = 0; i < 200 && !task.IsCompleted; i++)
        {
            time.Advance(step);
            await Task.Delay(5);
        }
    }

    /// <summary>An in-memory store whose lease renewals can be made to fail, and which counts its saves.</summary>
    private sealed class LeaseFaultStore : IWorkflowStore
    {
        private readonly InMemoryWorkflowStore _inner = new();
        private int _saves;

        public volatile bool FailRenewals;

        public int Saves => Volatile.Read(ref _saves);

        public ValueTask<RunCheckpoint?> LoadAsync(string workflow, string runId, CancellationToken cancellationToken = default) => _inner.LoadAsync(workflow, runId, cancellationToken);

        public ValueTask SaveAsync(RunCheckpoint batch, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _saves);
            return _inner.SaveAsync(batch, cancellationToken);
        }

        public ValueTask<RunQueryResult> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken = default) => _inner.QueryRunsAsync(query, cancellationToken);

        public ValueTask<string?> GetEventAsync(string name, CancellationToken cancellationToken = default) => _inner.GetEventAsync(name, cancellationToken);

        public ValueTask PublishEventAsync(string name, string payloadJson, CancellationToken cancellationToken = default) => _inner.PublishEventAsync(name, payloadJson, cancellationToken);

        public ValueTask<RunLease> TryAcquireRunLeaseAsync(string workflow, string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken = default) =>
            _inner.TryAcquireRunLeaseAsync(workflow, runId, owner, now, duration, cancellationToken);

        public ValueTask<RunLease> RenewRunLeaseAsync(string workflow, string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken = default) =>
            FailRenewals ? throw new IOException("the store cannot be reached") : _inner.RenewRunLeaseAsync(workflow, runId, owner, now, duration, cancellationToken);

        public ValueTask ReleaseRunLeaseAsync(string workflow, string runId, string owner, CancellationToken cancellationToken = default) => _inner.ReleaseRunLeaseAsync(workflow, runId, owner, cancellationToken);
    }

    /// <summary>A store that implements only the members it had before leases: the interface's defaults grant every lease.</summary>
    private sealed class LeaselessStore : IWorkflowStore
    {
        private readonly InMemoryWorkflowStore _inner = new();

        public ValueTask<RunCheckpoint?> LoadAsync(string workflow, string runId, CancellationToken cancellationToken = default) => _inner.LoadAsync(workflow, runId, cancellationToken);

        public ValueTask SaveAsync(RunCheckpoint batch, CancellationToken cancellationToken = default) => _inner.SaveAsync(batch, cancellationToken);

        public ValueTask<RunQueryResult> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken = default) => _inner.QueryRunsAsync(query, cancellationToken);

        public ValueTask<string?> GetEventAsync(string name, CancellationToken cancellationToken = default) => _inner.GetEventAsync(name, cancellationToken);

        public ValueTask PublishEventAsync(string name, string payloadJson, CancellationToken cancellationToken = default) => _inner.PublishEventAsync(name, payloadJson, cancellationToken);
    }
}

/// <summary>The run-lease contract on the in-memory store (leases are per store instance).</summary>
public sealed class InMemoryRunLeaseTests : RunLeaseContract
{
    private readonly InMemoryWorkflowStore _store = new();

    protected override IWorkflowStore Store => _store;

    protected override IWorkflowStore Other() => _store;
}

/// <summary>The run-lease contract on the JSON file store: lease files, two store instances on one directory.</summary>
public sealed class JsonFileRunLeaseTests : RunLeaseContract, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "workflowy-leases-" + Guid.NewGuid().ToString("N"));
    private readonly JsonFileWorkflowStore _store;

    public JsonFileRunLeaseTests() => _store = new JsonFileWorkflowStore(_directory);

    protected override IWorkflowStore Store => _store;

    protected override IWorkflowStore Other() => new JsonFileWorkflowStore(_directory);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
