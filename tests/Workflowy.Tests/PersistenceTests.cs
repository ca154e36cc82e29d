using System.Collections.Generic;
using System.IO;
using Microsoft.Extensions.Time.Testing;
using Workflowy.Tests.Infrastructure;
using Workflowy.Tests.Workflows;

namespace Workflowy.Tests;

/// <summary>Stores, checkpoints, resume, side effects, run state, events.</summary>
public sealed class PersistenceTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "workflowy-store-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    public static TheoryData<string> Stores => new() { "memory", "json" };

    private IWorkflowStore Store(string kind) => kind == "memory" ? new InMemoryWorkflowStore() : new JsonFileWorkflowStore(_directory);

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task Resume_RestoresInputsAndResults_AndRunsOnlyWhatDidNotComplete(string kind)
    {
        var store = Store(kind);
        var first = new DurableWorkflow();
        var runId = "order-" + Guid.NewGuid().ToString("N");
        var failed = await first.RunAsync(7, "Baker Street", new WorkflowRunner { Store = store, ErrorPolicy = ErrorPolicy.Continue }, runId).WaitAsync(Guard);
        Assert.Equal(TaskState.Failed, failed.Ship.State);
        Assert.Equal(runId, failed.RunId);

        var second = new DurableWorkflow { Repaired = true };
        var resumed = await second.ResumeAsync(runId, new WorkflowRunner { Store = store }).WaitAsync(Guard);

        Assert.Equal(runId, resumed.RunId);
        Assert.Equal((0, 0, 1), (second.LoadCalls, second.ChargeCalls, second.ShipCalls));
        Assert.Equal(new Order(7, 70m), resumed.Load.Result);
        Assert.Equal(70m, resumed.Charge.Result);
        Assert.Equal("paid 70, shipped 70 to Baker Street", resumed.Ship.Result);
        Assert.Equal(1, DurableWorkflow.Payments[runId]);
        var checkpoint = await store.LoadAsync(resumed.WorkflowKey, runId);
        Assert.All(checkpoint!.Tasks, t => Assert.Equal(TaskState.Completed, t.State));
        Assert.Equal("Workflowy.Tests.Workflows.DurableWorkflow", resumed.WorkflowKey);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task AGeneratedWorkflow_RecordsItsStatus_FailedThenResumedToCompleted_KeepingItsFirstStart(string kind)
    {
        var store = Store(kind);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));
        var start = time.GetUtcNow();
        var runId = "status-" + Guid.NewGuid().ToString("N");
        var failed = await new DurableWorkflow().RunAsync(5, "Pine Road", new WorkflowRunner { Store = store, ErrorPolicy = ErrorPolicy.Log, TimeProvider = time }, runId).WaitAsync(Guard);
        var afterFailure = (await store.LoadAsync(failed.WorkflowKey, runId))!;
        Assert.Equal(((RunStatus?)RunStatus.Failed, (DateTimeOffset?)start, (DateTimeOffset?)start), (afterFailure.Status, afterFailure.StartedAt, afterFailure.EndedAt));

        time.Advance(TimeSpan.FromDays(1));
        var resumed = await new DurableWorkflow { Repaired = true }.ResumeAsync(runId, new WorkflowRunner { Store = store, TimeProvider = time }).WaitAsync(Guard);

        var listed = (await store.QueryRunsAsync(new RunQuery { Workflow = resumed.WorkflowKey })).Runs.Single(r => r.RunId == runId);
        Assert.Equal(new RunSummary(resumed.WorkflowKey, runId, RunStatus.Completed, start, start.AddDays(1), new TaskCounts { Completed = 3 }), listed);
    }

    [Fact]
    public async Task ARunWhoseCheckpointCannotBeLoaded_WritesNoStatus()
    {
        var store = new JsonFileWorkflowStore(_directory);
        var path = store.PathOf("Workflowy.Tests.Workflows.DurableWorkflow", "broken");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "{ broken");

        var run = new DurableWorkflow().Start(1, "x", new WorkflowRunner { Store = store }, "broken");
        await Assert.ThrowsAsync<CheckpointException>(() => run.Completion.WaitAsync(Guard));

        Assert.Equal("{ broken", File.ReadAllText(path));
        var listing = await store.QueryRunsAsync(new RunQuery());
        Assert.Empty(listing.Runs);
        Assert.Equal(path, Assert.Single(listing.Unreadable).Location);
    }

    [Fact]
    public async Task RunAsync_WithTheIdOfACheckpointedRun_ContinuesIt()
    {
        var store = new InMemoryWorkflowStore();
        var runId = Guid.NewGuid().ToString("N");
        var first = new DurableWorkflow();
        await first.RunAsync(3, "Elm Street", new WorkflowRunner { Store = store, ErrorPolicy = ErrorPolicy.Continue }, runId).WaitAsync(Guard);

        var second = new DurableWorkflow { Repaired = true };
        var run = await second.RunAsync(3, "Elm Street", new WorkflowRunner { Store = store }, runId).WaitAsync(Guard);

        Assert.Equal((0, 0, 1), (second.LoadCalls, second.ChargeCalls, second.ShipCalls));
        Assert.Equal("paid 30, shipped 30 to Elm Street", run.Ship.Result);
    }

    [Fact]
    public async Task RunAsync_WithTheIdOfARunStartedWithOtherInputs_IsRefused()
    {
        var store = new InMemoryWorkflowStore();
        var runId = Guid.NewGuid().ToString("N");
        await new DurableWorkflow().RunAsync(3, "Elm Street", new WorkflowRunner { Store = store, ErrorPolicy = ErrorPolicy.Continue }, runId).WaitAsync(Guard);

        var other = new DurableWorkflow { Repaired = true };
        var error = await Assert.ThrowsAsync<CheckpointException>(() => other.RunAsync(4, "Elm Street", new WorkflowRunner { Store = store }, runId).WaitAsync(Guard));

        Assert.Contains("other inputs", error.Message);
        Assert.Equal((0, 0, 0), (other.LoadCalls, other.ChargeCalls, other.ShipCalls));
    }

    [Fact]
    public async Task SideEffects_RunOncePerRun_AcrossRetries()
    {
        var runner = new WorkflowRunner { Store = new InMemoryWorkflowStore(), SerializerContext = DurableJson.Default };
        var run = runner.CreateRun();
        var effects = 0;
        var attempts = 0;
        var task = run.Submit(new TaskOptions { Retries = 2, Backoff = Backoff.None }, async ctx =>
        {
            var value = await ctx.SideEffectAsync("mail", _ => ValueTask.FromResult(++effects));
            return ++attempts < 3 ? throw new IOException("flaky after the side effect") : value;
        });
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal(1, task.Result);
        Assert.Equal(1, effects);
        Assert.Equal(3, task.Attempts);
    }

    [Fact]
    public async Task SubmittedTasks_WithKeys_AreRestoredWhenTheRunResumes()
    {
        var store = new JsonFileWorkflowStore(_directory);
        var runId = Guid.NewGuid().ToString("N");
        var calls = 0;
        var runner = new WorkflowRunner { Store = store, SerializerContext = DurableJson.Default, ErrorPolicy = ErrorPolicy.Continue };
        var first = await runner.ResumeRunAsync("batch", runId);
        _ = first.Submit(new TaskOptions { Key = "a" }, _ => { calls++; return "A"; });
        _ = first.Submit(new TaskOptions { Key = "b" }, _ => { calls++; return calls > 100 ? "B" : throw new InvalidOperationException("b fails"); });
        first.Complete();
        await first.Completion.WaitAsync(Guard);
        Assert.Equal(2, calls);

        var again = await new WorkflowRunner { Store = store, SerializerContext = DurableJson.Default }.ResumeRunAsync("batch", runId);
        var a = again.Submit(new TaskOptions { Key = "a" }, _ => { calls += 1000; return "A2"; });
        var b = again.Submit(new TaskOptions { Key = "b" }, _ => "B");
        again.Complete();
        await again.Completion.WaitAsync(Guard);

        Assert.Equal("A", a.Result);
        Assert.Equal(0, a.Attempts > 1 ? -1 : 0);
        Assert.Equal("B", b.Result);
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task RunState_IsSharedByTasks_AndStoredWithTheRun()
    {
        var store = new InMemoryWorkflowStore();
        var runner = new WorkflowRunner { Store = store, SerializerContext = DurableJson.Default };
        var run = runner.CreateRun("stateful");
        var writer = run.Submit(ctx => ctx.SetState("count", 41));
        var reader = run.Submit(ctx => ctx.GetState<int>("count") + 1, writer);
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal(42, reader.Result);
        var checkpoint = await store.LoadAsync(run.WorkflowKey, run.RunId);
        Assert.Equal("41", checkpoint!.Values["state:count"]);
    }

    [Fact]
    public async Task Events_WakeWaitersInProcess_AndAcrossProcessesThroughTheStore()
    {
        var time = new FakeTimeProvider();
        var store = new JsonFileWorkflowStore(_directory);
        var waiting = new WorkflowRunner { Store = store, SerializerContext = DurableJson.Default, TimeProvider = time, EventPollInterval = TimeSpan.FromSeconds(5) };
        var run = waiting.CreateRun("deploy");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var approval = run.Submit(async ctx =>
        {
            started.SetResult();
            return await ctx.WaitForEventAsync<string>($"approved:{ctx.RunId}");
        });
        var local = run.Submit(ctx => ctx.WaitForEventAsync("local").AsTask());
        run.Complete();
        await started.Task.WaitAsync(Guard);

        await waiting.PublishEventAsync("local", "\"here\"");
        Assert.Equal("\"here\"", await local.AsTask().WaitAsync(Guard));

        // Another process: its own runner, the same store.
        var other = new WorkflowRunner { Store = new JsonFileWorkflowStore(_directory) };
        await other.PublishEventAsync($"approved:{run.RunId}", "\"ship it\"");
        Assert.False(approval.IsTerminal);
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("ship it", await approval.AsTask().WaitAsync(Guard));
        await run.Completion.WaitAsync(Guard);
    }

    [Fact]
    public async Task JsonStore_RoundTrip_MergesBatches_AndWritesAtomically()
    {
        var store = new JsonFileWorkflowStore(_directory);
        var now = DateTimeOffset.Parse("2026-11-23T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        await store.SaveAsync(new RunCheckpoint("wf", "r/1", "{\"x\":1}", new[] { new TaskRecord("a", TaskState.Completed, "[1,2]", 1, null, now, now) }, new Dictionary<string, string> { ["state:k"] = "\"v\"" }));
        await store.SaveAsync(new RunCheckpoint("wf", "r/1", null, new[] { new TaskRecord("b", TaskState.Failed, null, 3, "IOException: boom", now, now) }, new Dictionary<string, string>()));

        var loaded = await store.LoadAsync("wf", "r/1");

        Assert.NotNull(loaded);
        Assert.Equal("{\"x\":1}", loaded!.InputsJson);
        Assert.Equal(new[] { "a", "b" }, loaded.Tasks.Select(t => t.Key).OrderBy(k => k));
        Assert.Equal("[1,2]", loaded.Tasks.Single(t => t.Key == "a").ResultJson);
        Assert.Equal(new TaskRecord("b", TaskState.Failed, null, 3, "IOException: boom", now, now), loaded.Tasks.Single(t => t.Key == "b"));
        Assert.Equal("\"v\"", loaded.Values["state:k"]);
        Assert.Null(await store.LoadAsync("wf", "other"));
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp", SearchOption.AllDirectories));
        Assert.Contains("\"schema\":\"workflowy.run\"", File.ReadAllText(store.PathOf("wf", "r/1")));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task AStoredNullResult_ReadsBackAsNull_NotAsNoResult(string kind)
    {
        // A string? task that returned null completed with a result: a resume must restore it, not run the task again.
        var store = Store(kind);
        await store.SaveAsync(new RunCheckpoint("wf", "nulls", "{}", new[] { new TaskRecord("a", TaskState.Completed, "null", 1, null, null, null), new TaskRecord("b", TaskState.Failed, null, 1, "boom", null, null) }, new Dictionary<string, string>()));

        var loaded = await store.LoadAsync("wf", "nulls");

        Assert.Equal("null", loaded!.Tasks.Single(t => t.Key == "a").ResultJson);
        Assert.Null(loaded.Tasks.Single(t => t.Key == "b").ResultJson);
    }

    public static TheoryData<string, string> CorruptFiles => new()
    {
        { "garbage", "this is not json" },
        { "truncated", "{\"schema\": \"workflowy.run\", \"version\": 1, \"workflow\": \"wf\", \"runId\": \"r1\", \"tasks\": {\"a\": {\"state\": \"Compl" },
        { "foreign", "{\"name\": \"some other tool\", \"tasks\": []}" },
        { "newer", "{\"schema\": \"workflowy.run\", \"version\": 99, \"workflow\": \"wf\", \"runId\": \"r1\", \"tasks\": {}, \"values\": {}}" },
        { "another run", "{\"schema\": \"workflowy.run\", \"version\": 1, \"workflow\": \"wf\", \"runId\": \"r2\", \"tasks\": {}, \"values\": {}}" },
        { "bad state", "{\"schema\": \"workflowy.run\", \"version\": 1, \"workflow\": \"wf\", \"runId\": \"r1\", \"tasks\": {\"a\": {\"state\": \"Exploded\", \"attempts\": 1}}, \"values\": {}}" },
    };

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public async Task JsonStore_CorruptTruncatedOrForeignFiles_GiveACheckpointException_AndAreLeftUntouched(string what, string content)
    {
        var store = new JsonFileWorkflowStore(_directory);
        var path = store.PathOf("wf", "r1");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);

        var load = await Assert.ThrowsAsync<CheckpointException>(() => store.LoadAsync("wf", "r1").AsTask());
        var save = await Assert.ThrowsAsync<CheckpointException>(() => store.SaveAsync(new RunCheckpoint("wf", "r1", null, Array.Empty<TaskRecord>(), new Dictionary<string, string>())).AsTask());

        Assert.Equal(path, load.Location);
        Assert.Contains(path, load.Message);
        Assert.Equal(path, save.Location);
        Assert.Equal(content, File.ReadAllText(path));
        Assert.True(what.Length > 0);
    }

    [Fact]
    public async Task ResumingACorruptCheckpoint_FailsTheRun_WithoutRunningAnything()
    {
        var store = new JsonFileWorkflowStore(_directory);
        var runId = "broken";
        var path = store.PathOf("Workflowy.Tests.Workflows.DurableWorkflow", runId);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "{ broken");
        var workflow = new DurableWorkflow();

        await Assert.ThrowsAsync<CheckpointException>(() => workflow.ResumeAsync(runId, new WorkflowRunner { Store = store }).WaitAsync(Guard));
        var run = workflow.Start(1, "x", new WorkflowRunner { Store = store }, runId);
        await Assert.ThrowsAsync<CheckpointException>(() => run.Completion.WaitAsync(Guard));

        Assert.Equal((0, 0, 0), (workflow.LoadCalls, workflow.ChargeCalls, workflow.ShipCalls));
        Assert.Equal("{ broken", File.ReadAllText(path));
        Assert.All(run.Tasks, t => Assert.Equal(TaskState.Pending, t.State));
    }

    [Fact]
    public async Task AStoreFailure_FollowsTheErrorPolicy()
    {
        var raise = new DurableWorkflow { Repaired = true };
        var thrown = await Assert.ThrowsAsync<CheckpointException>(() => raise.RunAsync(1, "x", new WorkflowRunner { Store = new FailingStore() }).WaitAsync(Guard));
        Assert.IsType<IOException>(thrown.InnerException);

        var logger = new ListLogger();
        var log = new DurableWorkflow { Repaired = true };
        var run = await log.RunAsync(1, "x", new WorkflowRunner { Store = new FailingStore(), ErrorPolicy = ErrorPolicy.Log, Logger = logger }).WaitAsync(Guard);
        Assert.Equal(TaskState.Completed, run.Ship.State);
        Assert.Contains(logger.Entries, e => e.Id.Id == 6);
    }

    [Fact]
    public async Task ABatchCarryingTheRunsStatus_ThatCannotBeStored_IsStoredWithTheNextOne_StartTimeIncluded()
    {
        var store = new FlakyStore();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero));
        var start = time.GetUtcNow();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = new WorkflowRunner { Store = store, ErrorPolicy = ErrorPolicy.Continue, TimeProvider = time }.CreateRun("flaky");
        _ = run.Submit(async _ => await gate.Task);
        run.Complete();
        await store.FirstFailure.Task.WaitAsync(Guard);

        time.Advance(TimeSpan.FromSeconds(1));
        gate.SetResult();
        await run.Completion.WaitAsync(Guard);

        var checkpoint = (await store.LoadAsync("flaky", run.RunId))!;
        Assert.Equal(((RunStatus?)RunStatus.Completed, (DateTimeOffset?)start, (DateTimeOffset?)start.AddSeconds(1)), (checkpoint.Status, checkpoint.StartedAt, checkpoint.EndedAt));
        Assert.Equal("{}", checkpoint.InputsJson);
    }

    /// <summary>An in-memory store whose first save fails.</summary>
    private sealed class FlakyStore : IWorkflowStore
    {
        private readonly InMemoryWorkflowStore _inner = new();
        private int _saves;

        public TaskCompletionSource FirstFailure { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask<RunCheckpoint?> LoadAsync(string workflow, string runId, CancellationToken cancellationToken = default) => _inner.LoadAsync(workflow, runId, cancellationToken);

        public ValueTask SaveAsync(RunCheckpoint batch, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _saves) == 1)
            {
                Assert.Equal((RunStatus?)RunStatus.Running, batch.Status);
                FirstFailure.SetResult();
                throw new IOException("not yet");
            }

            return _inner.SaveAsync(batch, cancellationToken);
        }

        public ValueTask<string?> GetEventAsync(string name, CancellationToken cancellationToken = default) => _inner.GetEventAsync(name, cancellationToken);

        public ValueTask PublishEventAsync(string name, string payloadJson, CancellationToken cancellationToken = default) => _inner.PublishEventAsync(name, payloadJson, cancellationToken);

        public ValueTask<RunQueryResult> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken = default) => _inner.QueryRunsAsync(query, cancellationToken);
    }

    private sealed class FailingStore : IWorkflowStore
    {
        public ValueTask<RunCheckpoint?> LoadAsync(string workflow, string runId, CancellationToken cancellationToken = default) => new((RunCheckpoint?)null);

        public ValueTask SaveAsync(RunCheckpoint batch, CancellationToken cancellationToken = default) => throw new IOException("disk full");

        public ValueTask<string?> GetEventAsync(string name, CancellationToken cancellationToken = default) => new((string?)null);

        public ValueTask PublishEventAsync(string name, string payloadJson, CancellationToken cancellationToken = default) => default;

        public ValueTask<RunQueryResult> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken = default) => throw new IOException("disk full");
    }
}
