using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Workflowy.Tests.Contracts;

/// <summary>
/// The run-listing contract of <see cref="IWorkflowStore"/> (status, times, <see cref="IWorkflowStore.QueryRunsAsync"/>),
/// run against every store: one derived class per store (this file is compiled into tests/Workflowy.Sqlite.Tests too).
/// </summary>
public abstract class RunQueryContract : IAsyncLifetime
{
    protected static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    protected static readonly DateTimeOffset T0 = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    /// <summary>The store under test (new and empty for each test).</summary>
    protected abstract IWorkflowStore Store { get; }

    /// <summary>Another store instance on the same data, as another process would open it.</summary>
    protected abstract IWorkflowStore Reopen();

    public Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    protected static RunCheckpoint Run(string workflow, string runId, RunStatus? status, DateTimeOffset? started, DateTimeOffset? ended = null, params TaskRecord[] tasks) =>
        new(workflow, runId, null, tasks, new Dictionary<string, string>()) { Status = status, StartedAt = started, EndedAt = ended };

    protected static TaskRecord Record(string key, TaskState state) => new(key, state, null, 1, null, T0, T0);

    /// <summary>Every page of a listing; checks that every page but the last is full.</summary>
    protected async Task<List<RunSummary>> ListAllAsync(IWorkflowStore store, RunQuery query)
    {
        var all = new List<RunSummary>();
        for (var pages = 0; pages < 1000; pages++)
        {
            var page = await store.QueryRunsAsync(query);
            all.AddRange(page.Runs);
            if (page.Continuation is null)
            {
                return all;
            }

            Assert.Equal(query.Limit, page.Runs.Count);
            query = query with { Continuation = page.Continuation };
        }

        throw new InvalidOperationException("The listing does not end.");
    }

    private static int Fail(string message) => throw new InvalidOperationException(message);

    private static string[] Ids(IEnumerable<RunSummary> runs) => runs.Select(r => r.Workflow + "/" + r.RunId).ToArray();

    [Fact]
    public async Task SaveAndLoad_CarryTheRunsStatusAndTimes_ABatchWithoutThemLeavesThem()
    {
        var started = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.FromHours(2));
        await Store.SaveAsync(Run("wf", "r1", RunStatus.Running, started));
        var running = (await Store.LoadAsync("wf", "r1"))!;
        Assert.Equal((RunStatus?)RunStatus.Running, running.Status);
        Assert.Equal(started, running.StartedAt);
        Assert.Null(running.EndedAt);

        await Store.SaveAsync(Run("wf", "r1", null, null, T0.AddHours(9), Record("a", TaskState.Completed)));
        var unchanged = (await Store.LoadAsync("wf", "r1"))!;
        Assert.Equal(((RunStatus?)RunStatus.Running, (DateTimeOffset?)started, (DateTimeOffset?)null), (unchanged.Status, unchanged.StartedAt, unchanged.EndedAt));

        await Store.SaveAsync(Run("wf", "r1", RunStatus.Failed, null, T0.AddHours(3)));
        var failed = (await Reopen().LoadAsync("wf", "r1"))!;
        Assert.Equal(((RunStatus?)RunStatus.Failed, (DateTimeOffset?)started, (DateTimeOffset?)T0.AddHours(3)), (failed.Status, failed.StartedAt, failed.EndedAt));
        Assert.Single(failed.Tasks);

        // Resumed: running again (its end cleared), its first start kept.
        await Store.SaveAsync(Run("wf", "r1", RunStatus.Running, null));
        var resumed = (await Store.LoadAsync("wf", "r1"))!;
        Assert.Equal(((RunStatus?)RunStatus.Running, (DateTimeOffset?)started, (DateTimeOffset?)null), (resumed.Status, resumed.StartedAt, resumed.EndedAt));

        await Store.SaveAsync(Run("wf", "plain", null, null));
        var plain = (await Store.LoadAsync("wf", "plain"))!;
        Assert.Equal(((RunStatus?)null, (DateTimeOffset?)null, (DateTimeOffset?)null), (plain.Status, plain.StartedAt, plain.EndedAt));
    }

    [Fact]
    public async Task Filters_ByWorkflowStatusAndStartTime()
    {
        await Store.SaveAsync(Run("A", "a1", RunStatus.Completed, T0.AddHours(1), T0.AddHours(1.5)));
        await Store.SaveAsync(Run("A", "a2", RunStatus.Failed, T0.AddHours(2), T0.AddHours(2.1)));
        await Store.SaveAsync(Run("A", "a3", RunStatus.Running, T0.AddHours(3)));
        await Store.SaveAsync(Run("B", "b1", RunStatus.Completed, T0.AddHours(2.5), T0.AddHours(5)));
        await Store.SaveAsync(Run("B", "b2", RunStatus.Cancelled, T0.AddHours(4), T0.AddHours(4.2)));
        await Store.SaveAsync(Run("A", "old", null, null, null, Record("x", TaskState.Completed)));

        async Task<string[]> ListAsync(RunQuery query) => Ids(await ListAllAsync(Store, query));

        Assert.Equal(new[] { "B/b2", "A/a3", "B/b1", "A/a2", "A/a1", "A/old" }, await ListAsync(new RunQuery()));
        Assert.Equal(new[] { "A/a3", "A/a2", "A/a1", "A/old" }, await ListAsync(new RunQuery { Workflow = "A" }));
        Assert.Equal(new[] { "B/b1", "A/a1" }, await ListAsync(new RunQuery { Status = RunStatus.Completed }));
        Assert.Equal(new[] { "A/a3" }, await ListAsync(new RunQuery { Status = RunStatus.Running }));
        Assert.Equal(new[] { "B/b2" }, await ListAsync(new RunQuery { Status = RunStatus.Cancelled }));
        Assert.Equal(new[] { "A/a2" }, await ListAsync(new RunQuery { Status = RunStatus.Failed, Workflow = "A" }));
        Assert.Empty(await ListAsync(new RunQuery { Status = RunStatus.Running, Workflow = "B" }));
        Assert.Empty(await ListAsync(new RunQuery { Workflow = "C" }));

        // Strictly after, strictly before; runs without a start time match no time filter.
        Assert.Equal(new[] { "B/b2", "A/a3", "B/b1" }, await ListAsync(new RunQuery { StartedAfter = T0.AddHours(2) }));
        Assert.Equal(new[] { "A/a1" }, await ListAsync(new RunQuery { StartedBefore = T0.AddHours(2) }));
        Assert.Equal(new[] { "A/a3", "A/a2" }, await ListAsync(new RunQuery { Workflow = "A", StartedAfter = T0.AddHours(1), StartedBefore = T0.AddHours(4) }));
        Assert.Equal(new[] { "B/b1" }, await ListAsync(new RunQuery { Status = RunStatus.Completed, StartedAfter = T0.AddHours(1) }));

        // Times in another offset are the same instants.
        Assert.Equal(new[] { "A/a1" }, await ListAsync(new RunQuery { StartedBefore = new DateTimeOffset(2026, 11, 23, 13, 0, 0, TimeSpan.FromHours(1)) }));

        var summary = (await Store.QueryRunsAsync(new RunQuery { Workflow = "B", Status = RunStatus.Completed })).Runs.Single();
        Assert.Equal(new RunSummary("B", "b1", RunStatus.Completed, T0.AddHours(2.5), T0.AddHours(5), default), summary);
    }

    [Fact]
    public async Task Order_IsNewestFirst_InstantsNotOffsets_TiesByRunIdThenWorkflow()
    {
        await Store.SaveAsync(Run("A", "x", RunStatus.Completed, T0));
        await Store.SaveAsync(Run("A", "y", RunStatus.Completed, T0));
        await Store.SaveAsync(Run("B", "x", RunStatus.Completed, T0));
        await Store.SaveAsync(Run("A", "east", RunStatus.Completed, new DateTimeOffset(2026, 11, 23, 15, 1, 0, TimeSpan.FromHours(5)))); // 10:01Z
        await Store.SaveAsync(Run("A", "west", RunStatus.Completed, new DateTimeOffset(2026, 11, 23, 4, 59, 0, TimeSpan.FromHours(-5)))); // 09:59Z
        await Store.SaveAsync(Run("A", "unknown", null, null));

        Assert.Equal(new[] { "A/east", "A/y", "B/x", "A/x", "A/west", "A/unknown" }, Ids(await ListAllAsync(Store, new RunQuery { Limit = 2 })));
        Assert.Equal(new[] { "A/east", "A/y", "B/x", "A/x", "A/west", "A/unknown" }, Ids((await Store.QueryRunsAsync(new RunQuery())).Runs));
    }

    [Fact]
    public async Task Pages_CoverEveryRunOnce_InOrder_WhileRunsAreAddedAndEnd()
    {
        var expected = new List<string>();
        for (var i = 0; i < 23; i++)
        {
            // Some runs share a start time; two workflows.
            var workflow = i % 3 == 0 ? "B" : "A";
            var started = T0.AddMinutes(i / 2);
            await Store.SaveAsync(Run(workflow, $"r{i:D2}", i % 4 == 0 ? RunStatus.Running : RunStatus.Completed, started, i % 4 == 0 ? null : started.AddSeconds(30)));
        }

        for (var i = 0; i < 3; i++)
        {
            await Store.SaveAsync(Run("A", $"legacy{i}", null, null));
        }

        var all = Ids((await Store.QueryRunsAsync(new RunQuery { Limit = 1000 })).Runs);
        Assert.Equal(26, all.Length);
        Assert.Equal(new[] { "A/legacy2", "A/legacy1", "A/legacy0" }, all[^3..]);

        var query = new RunQuery { Limit = 5 };
        var listed = new List<string>();
        var pages = 0;
        while (true)
        {
            var page = await Store.QueryRunsAsync(query);
            listed.AddRange(Ids(page.Runs));
            pages++;
            if (pages == 1)
            {
                // Meanwhile: new runs start (later than every listed one), and a listed run and an unlisted one end.
                await Store.SaveAsync(Run("A", "new1", RunStatus.Running, T0.AddHours(1)));
                await Store.SaveAsync(Run("B", "new2", RunStatus.Running, T0.AddHours(2)));
                await Store.SaveAsync(Run("B", "r21", RunStatus.Completed, null, T0.AddHours(3)));
                await Store.SaveAsync(Run("A", "r01", RunStatus.Failed, null, T0.AddHours(3)));
            }

            if (page.Continuation is null)
            {
                break;
            }

            Assert.Equal(5, page.Runs.Count);
            query = query with { Continuation = page.Continuation };
        }

        Assert.Equal(6, pages);
        Assert.Equal(all, listed);

        // With a filter, across the boundary between runs with and without a start time.
        var filtered = Ids(await ListAllAsync(Store, new RunQuery { Workflow = "A", Limit = 2 }));
        Assert.Equal(Ids((await Store.QueryRunsAsync(new RunQuery { Workflow = "A", Limit = 1000 })).Runs), filtered);
        Assert.Equal(new[] { "A/new1" }, filtered[..1]);
        Assert.Equal(all.Count(id => id.StartsWith("A/", StringComparison.Ordinal)) + 1, filtered.Length);

        var running = await ListAllAsync(Store, new RunQuery { Status = RunStatus.Running, Limit = 3 });
        Assert.Equal(new[] { "B/new2", "A/new1" }, Ids(running.Take(2)));
        Assert.All(running, r => Assert.Equal(RunStatus.Running, r.Status));
        Assert.DoesNotContain("B/r21", Ids(running));
    }

    [Fact]
    public async Task Summaries_CountTheStoredTaskRecordsByState()
    {
        await Store.SaveAsync(Run("wf", "r1", RunStatus.Running, T0, null,
            Record("c1", TaskState.Completed), Record("c2", TaskState.Completed), Record("c3", TaskState.Completed),
            Record("f", TaskState.Failed), Record("x1", TaskState.Cancelled), Record("x2", TaskState.Cancelled),
            Record("s", TaskState.Skipped), Record("p", TaskState.Pending)));
        await Store.SaveAsync(Run("wf", "empty", RunStatus.Running, T0.AddSeconds(-1)));

        var runs = (await Store.QueryRunsAsync(new RunQuery())).Runs;

        var counts = runs[0].Tasks;
        Assert.Equal((3, 1, 2, 1, 1, 8), (counts.Completed, counts.Failed, counts.Cancelled, counts.Skipped, counts.NotTerminal, counts.Total));
        Assert.Equal(2, counts[TaskState.Cancelled]);
        Assert.Equal(1, counts[TaskState.Pending]);
        Assert.Equal(default, runs[1].Tasks);

        // A later record of a task replaces the earlier one: counted once, in its new state.
        await Store.SaveAsync(Run("wf", "r1", null, null, null, Record("f", TaskState.Completed)));
        counts = (await Store.QueryRunsAsync(new RunQuery { Limit = 1 })).Runs[0].Tasks;
        Assert.Equal((4, 0, 8), (counts.Completed, counts.Failed, counts.Total));
    }

    [Fact]
    public async Task AContinuationThatIsNotOne_IsRefused()
    {
        await Store.SaveAsync(Run("wf", "r1", RunStatus.Running, T0));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.QueryRunsAsync(new RunQuery { Continuation = "not a continuation!" }).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.QueryRunsAsync(new RunQuery { Continuation = "bm9wZQ" }).AsTask());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RunQuery { Limit = 0 });
        Assert.Empty((await Store.QueryRunsAsync(new RunQuery { Workflow = "none" })).Runs);
    }

    // ---------------------------------------------------------------- through the runtime

    private WorkflowRunner Runner(FakeTimeProvider time, IWorkflowStore? store = null, ErrorPolicy policy = ErrorPolicy.Raise) =>
        new() { Store = store ?? Store, TimeProvider = time, ErrorPolicy = policy };

    /// <summary>Waits until the store lists the run with <paramref name="status"/> (the runtime writes batches in the background).</summary>
    private async Task<RunSummary> WaitForAsync(string workflow, string runId, RunStatus status)
    {
        var deadline = DateTime.UtcNow + Guard;
        while (true)
        {
            var run = (await Store.QueryRunsAsync(new RunQuery { Workflow = workflow })).Runs.SingleOrDefault(r => r.RunId == runId);
            if (run?.Status == status)
            {
                return run;
            }

            Assert.True(DateTime.UtcNow < deadline, $"The run is {run?.Status.ToString() ?? "not listed"}, not {status}");
            await Task.Delay(10);
        }
    }

    private async Task<RunSummary> SummaryAsync(WorkflowRun run) =>
        (await Store.QueryRunsAsync(new RunQuery { Workflow = run.WorkflowKey })).Runs.Single(r => r.RunId == run.RunId);

    [Fact]
    public async Task ARun_IsRunningWhileItRuns_ThenCompleted_WithItsTimes()
    {
        var time = new FakeTimeProvider(T0);
        var run = Runner(time).CreateRun("contract.running");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = run.Submit(async _ =>
        {
            started.SetResult();
            await gate.Task;
            return 1;
        });
        run.Complete();
        await started.Task.WaitAsync(Guard);

        var running = await WaitForAsync(run.WorkflowKey, run.RunId, RunStatus.Running);
        Assert.Equal(new RunSummary("contract.running", run.RunId, RunStatus.Running, T0, null, default), running);

        time.Advance(TimeSpan.FromSeconds(5));
        gate.SetResult();
        await run.Completion.WaitAsync(Guard);

        var completed = await SummaryAsync(run);
        Assert.Equal((RunStatus?)RunStatus.Completed, completed.Status);
        Assert.Equal((DateTimeOffset?)T0, completed.StartedAt);
        Assert.Equal((DateTimeOffset?)T0.AddSeconds(5), completed.EndedAt);
        Assert.Equal((1, 1), (completed.Tasks.Completed, completed.Tasks.Total));
        var checkpoint = (await Reopen().LoadAsync(run.WorkflowKey, run.RunId))!;
        Assert.Equal(((RunStatus?)RunStatus.Completed, (DateTimeOffset?)T0, (DateTimeOffset?)T0.AddSeconds(5)), (checkpoint.Status, checkpoint.StartedAt, checkpoint.EndedAt));
    }

    [Theory]
    [InlineData(ErrorPolicy.Raise)]
    [InlineData(ErrorPolicy.Log)]
    [InlineData(ErrorPolicy.Continue)]
    public async Task ARunWithAFailedTask_IsFailed_UnderEveryErrorPolicy(ErrorPolicy policy)
    {
        var time = new FakeTimeProvider(T0);
        var run = Runner(time, policy: policy).CreateRun("contract.failing");
        var ok = run.Submit(_ => 1);
        _ = run.Submit(_ => Fail("boom"), ok);
        run.Complete();
        if (policy == ErrorPolicy.Raise)
        {
            await Assert.ThrowsAnyAsync<Exception>(() => run.Completion.WaitAsync(Guard));
        }
        else
        {
            await run.Completion.WaitAsync(Guard);
        }

        var failed = await SummaryAsync(run);
        Assert.Equal((RunStatus?)RunStatus.Failed, failed.Status);
        Assert.Equal((DateTimeOffset?)T0, failed.EndedAt);
        Assert.Equal((1, 1), (failed.Tasks.Completed, failed.Tasks.Failed));
    }

    [Fact]
    public async Task ACancelledRun_IsCancelled()
    {
        var time = new FakeTimeProvider(T0);
        var run = Runner(time, policy: ErrorPolicy.Continue).CreateRun("contract.cancelled");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = run.Submit(async ctx =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
        });
        run.Complete();
        await started.Task.WaitAsync(Guard);
        await WaitForAsync(run.WorkflowKey, run.RunId, RunStatus.Running);

        run.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.Completion.WaitAsync(Guard));

        var cancelled = await SummaryAsync(run);
        Assert.Equal((RunStatus?)RunStatus.Cancelled, cancelled.Status);
        Assert.NotNull(cancelled.EndedAt);
        Assert.Equal((1, 1), (cancelled.Tasks.Cancelled, cancelled.Tasks.Total));
    }

    [Fact]
    public async Task ACancelledRun_IsCancelled_EvenWithAFailedTask()
    {
        var time = new FakeTimeProvider(T0);
        var run = Runner(time, policy: ErrorPolicy.Log).CreateRun("contract.cancelled-after-failure");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failing = run.Submit(_ => Fail("boom"));
        _ = run.Submit(async ctx =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
        });
        run.Complete();
        await started.Task.WaitAsync(Guard);
        await failing.AsTask().ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(Guard);

        run.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.Completion.WaitAsync(Guard));

        var cancelled = await SummaryAsync(run);
        Assert.Equal((RunStatus?)RunStatus.Cancelled, cancelled.Status);
        Assert.Equal((1, 1), (cancelled.Tasks.Failed, cancelled.Tasks.Cancelled));
    }

    [Fact]
    public async Task AResumedRun_IsRunningAgain_KeepsItsFirstStart_ThenEndsWithItsNewStatus()
    {
        var time = new FakeTimeProvider(T0);
        var runId = "resumed-" + Guid.NewGuid().ToString("N");
        var first = await Runner(time, policy: ErrorPolicy.Continue).ResumeRunAsync("contract.resume", runId).WaitAsync(Guard);
        _ = first.Submit(new TaskOptions { Key = "a" }, _ => { });
        _ = first.Submit(new TaskOptions { Key = "b" }, _ => Fail("b fails"));
        first.Complete();
        time.Advance(TimeSpan.FromMinutes(1));
        await first.Completion.WaitAsync(Guard);
        var failed = await SummaryAsync(first);
        Assert.Equal(((RunStatus?)RunStatus.Failed, (DateTimeOffset?)T0), (failed.Status, failed.StartedAt));

        time.Advance(TimeSpan.FromHours(1));
        var other = Reopen();
        var again = await Runner(time, other).ResumeRunAsync("contract.resume", runId).WaitAsync(Guard);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var restored = again.Submit(new TaskOptions { Key = "a" }, (Action<TaskContext>)(_ => throw new InvalidOperationException("a completed before: it is restored, not run")));
        _ = again.Submit(new TaskOptions { Key = "b" }, async _ =>
        {
            await gate.Task;
            return 3;
        });
        again.Complete();

        var running = await WaitForAsync("contract.resume", runId, RunStatus.Running);
        Assert.Equal((DateTimeOffset?)T0, running.StartedAt);
        Assert.Null(running.EndedAt);
        Assert.Equal((1, 1), (running.Tasks.Completed, running.Tasks.Failed));

        time.Advance(TimeSpan.FromMinutes(2));
        gate.SetResult();
        await again.Completion.WaitAsync(Guard);

        Assert.Equal(TaskState.Completed, restored.State);
        var completed = await SummaryAsync(again);
        Assert.Equal(new RunSummary("contract.resume", runId, RunStatus.Completed, T0, T0.AddMinutes(63), default(TaskCounts).Add(TaskState.Completed, 2)), completed);
    }
}
