using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Workflowy.Tests.Infrastructure;
using Workflowy.Tests.Workflows;

namespace Workflowy.Tests;

/// <summary>Retries, timeouts, dependency policies, error policies, events, dynamic submission, hierarchy, serial, rerun.</summary>
public class SemanticsTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static WorkflowRunner Runner(FakeTimeProvider time, ErrorPolicy policy = ErrorPolicy.Raise, ILogger? logger = null) =>
        new() { TimeProvider = time, ErrorPolicy = policy, Logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance };

    private static Task Reached(WorkflowRun run, TaskHandle task, TaskState state) => Reached(run, task, state, times: 1);

    /// <summary>Completes when <paramref name="task"/> has entered <paramref name="state"/> the given number of times (counted from now, plus now).</summary>
    private static Task Reached(WorkflowRun run, TaskHandle task, TaskState state, int times)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = task.State == state ? 1 : 0;
        run.TaskStateChanged += (_, e) =>
        {
            if (ReferenceEquals(e.Task, task) && e.NewState == state && Interlocked.Increment(ref count) >= times)
            {
                reached.TrySetResult();
            }
        };

        if (Volatile.Read(ref count) >= times)
        {
            reached.TrySetResult();
        }

        return reached.Task.WaitAsync(Guard);
    }

    // ---------------------------------------------------------------- retries and backoff

    [Fact]
    public async Task Retry_ThenSucceed_WaitsTheLinearBackoffOnTheFakeClock()
    {
        var time = new FakeTimeProvider();
        var workflow = new FlakyWorkflow();
        var transitions = new ConcurrentQueue<(TaskState, TaskState)>();
        var runner = Runner(time);
        runner.TaskStateChanged += (_, e) =>
        {
            if (e.Task.Name == "Fetch")
            {
                transitions.Enqueue((e.OldState, e.NewState));
            }
        };
        var run = workflow.Start(runner);

        await Reached(run, run.Fetch, TaskState.Retrying);
        var secondRetry = Reached(run, run.Fetch, TaskState.Retrying, times: 2);
        Assert.Equal(1, run.Fetch.Attempts);
        time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Equal(TaskState.Retrying, run.Fetch.State);
        Assert.Equal(1, workflow.FetchCalls);

        time.Advance(TimeSpan.FromSeconds(0.1)); // 10 s after the first failure (linear: base x 1)
        await secondRetry;
        Assert.Equal(2, run.Fetch.Attempts);
        time.Advance(TimeSpan.FromSeconds(19.9)); // linear: base x 2 = 20 s
        Assert.Equal(2, workflow.FetchCalls);
        time.Advance(TimeSpan.FromSeconds(0.1));

        Assert.Equal(4, await run.Parse.AsTask().WaitAsync(Guard));
        Assert.Equal(3, run.Fetch.Attempts);
        Assert.Equal(3, workflow.FetchCalls);
        Assert.Equal(TaskState.Completed, run.Fetch.State);
        Assert.Null(run.Fetch.Exception);
        await run.Completion.WaitAsync(Guard);
        Assert.Equal(
            new[]
            {
                (TaskState.Pending, TaskState.Ready), (TaskState.Ready, TaskState.Running),
                (TaskState.Running, TaskState.Retrying), (TaskState.Retrying, TaskState.Running),
                (TaskState.Running, TaskState.Retrying), (TaskState.Retrying, TaskState.Running),
                (TaskState.Running, TaskState.Completed),
            },
            transitions);
    }

    [Fact]
    public async Task RetryOn_AnExceptionNotListed_FailsAtOnce_Unwrapped()
    {
        var workflow = new FlakyWorkflow { Failure = new InvalidOperationException("not an I/O error") };

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => workflow.RunAsync(Runner(new FakeTimeProvider())).WaitAsync(Guard));

        Assert.Same(workflow.Failure, thrown);
        Assert.Equal(1, workflow.FetchCalls);
    }

    [Fact]
    public async Task Exhaustion_WrapsTheLastFailure_WithTheAttemptCount()
    {
        var runner = Runner(new FakeTimeProvider());
        var run = runner.CreateRun();
        var calls = 0;
        var last = new IOException("third");
        var task = run.Submit(
            new TaskOptions { Name = "always-fails", MaxAttempts = 3, Backoff = Backoff.None },
            _ => ++calls switch
            {
                1 => throw new IOException("first"),
                2 => throw new IOException("second"),
                _ => throw last,
            });
        run.Complete();

        await Assert.ThrowsAsync<RetriesExhaustedException>(() => run.Completion.WaitAsync(Guard));

        var error = Assert.IsType<RetriesExhaustedException>(task.Exception);
        Assert.Equal(3, error.Attempts);
        Assert.Same(last, error.InnerException);
        Assert.Equal("always-fails", error.TaskName);
        Assert.Equal(run.RunId, error.RunId);
        Assert.Contains("always-fails", error.Message);
        Assert.Contains(run.RunId, error.Message);
        Assert.Equal(3, task.Attempts);
    }

    [Fact]
    public void Backoff_Delays_AreLinearOrExponential_AndCapped()
    {
        var linear = new TaskOptions { Backoff = Backoff.Linear, BackoffBase = TimeSpan.FromSeconds(2), BackoffCap = TimeSpan.FromSeconds(7) };
        var exponential = new TaskOptions { Backoff = Backoff.Exponential, BackoffBase = TimeSpan.FromSeconds(1), BackoffCap = TimeSpan.FromSeconds(30) };

        Assert.Equal(new[] { 2, 4, 6, 7, 7 }, Enumerable.Range(1, 5).Select(k => (int)linear.DelayAfter(k).TotalSeconds));
        Assert.Equal(new[] { 1, 2, 4, 8, 16, 30, 30 }, Enumerable.Range(1, 7).Select(k => (int)exponential.DelayAfter(k).TotalSeconds));
        Assert.Equal(TimeSpan.Zero, new TaskOptions { Backoff = Backoff.None }.DelayAfter(3));
        Assert.Equal(TimeSpan.FromSeconds(30), exponential.DelayAfter(500));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TaskOptions { Retries = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new TaskOptions { MaxAttempts = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new TaskOptions { Timeout = TimeSpan.Zero });
        Assert.Throws<ArgumentOutOfRangeException>(() => new TaskOptions { BackoffJitter = 1.5 });
        Assert.Equal(4, new TaskOptions { Retries = 3 }.MaxAttempts);
    }

    // ---------------------------------------------------------------- timeouts

    [Fact]
    public async Task Timeout_IsTerminal_NotRetried_AndTheBodySeesItsToken()
    {
        var time = new FakeTimeProvider();
        var workflow = new TimeoutWorkflow();
        var run = workflow.Start(Runner(time, ErrorPolicy.Continue));
        await workflow.Started.Task.WaitAsync(Guard); // the body runs only once its timeout is armed

        time.Advance(TimeSpan.FromSeconds(5));
        await run.Completion.WaitAsync(Guard);

        var timeout = Assert.IsType<TaskTimeoutException>(run.Slow.Exception);
        Assert.Equal(TaskState.Failed, run.Slow.State);
        Assert.Equal(1, run.Slow.Attempts);
        Assert.Equal(1, workflow.SlowCalls);
        Assert.Equal(TimeSpan.FromSeconds(5), timeout.Timeout);
        Assert.False(timeout.Abandoned);
        Assert.Contains("Slow", timeout.Message);
        Assert.Equal(TaskState.Failed, run.After.State);
        Assert.IsType<DependencyFailedException>(run.After.Exception);
    }

    [Fact]
    public async Task Timeout_OfASynchronousBody_AbandonsIt_LogsItsThread_AndTheRunGoesOn()
    {
        var time = new FakeTimeProvider();
        var logger = new ListLogger();
        var workflow = new StuckWorkflow();
        var run = workflow.Start(new WorkflowRunner { TimeProvider = time, ErrorPolicy = ErrorPolicy.Continue, Logger = logger, MaxWorkers = 1 });
        await workflow.Entered.Task.WaitAsync(Guard);

        time.Advance(TimeSpan.FromSeconds(1));
        await run.Completion.WaitAsync(Guard); // a replacement worker runs Independent while Stuck still blocks its thread

        var timeout = Assert.IsType<TaskTimeoutException>(run.Stuck.Exception);
        Assert.True(timeout.Abandoned);
        Assert.Equal(7, run.Independent.Result);
        var entry = Assert.Single(logger.Entries, e => e.Id.Id == 3);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("managed thread", entry.Message);

        workflow.Release.Set();
        await workflow.Returned.Task.WaitAsync(Guard);
        Assert.Equal(TaskState.Failed, run.Stuck.State); // its late result is discarded
        Assert.Throws<TaskTimeoutException>(() => run.Stuck.Result);
    }

    // ---------------------------------------------------------------- dependency-failure and error policies

    [Fact]
    public async Task DependencyPolicies_TwoLevelsDeep()
    {
        var workflow = new PolicyWorkflow();

        var run = await workflow.RunAsync(Runner(new FakeTimeProvider(), ErrorPolicy.Continue)).WaitAsync(Guard);

        Assert.Equal(TaskState.Failed, run.Broken.State);
        Assert.IsType<InvalidOperationException>(run.Broken.Exception);

        Assert.Equal(TaskState.Failed, run.FailChild.State);
        Assert.Equal(new[] { "Broken" }, Assert.IsType<DependencyFailedException>(run.FailChild.Exception).FailedDependencies);
        Assert.Equal(TaskState.Failed, run.FailGrandchild.State);
        Assert.Equal(new[] { "FailChild" }, Assert.IsType<DependencyFailedException>(run.FailGrandchild.Exception).FailedDependencies);

        Assert.Equal(TaskState.Skipped, run.SkipChild.State);
        Assert.Equal(TaskState.Skipped, run.SkipGrandchild.State);
        Assert.Equal(new[] { "SkipChild" }, Assert.IsType<DependencyFailedException>(run.SkipGrandchild.Exception).FailedDependencies);

        Assert.Equal("no value", run.RunAnywayChild.Result);
        Assert.Equal("no value!", run.RunAnywayGrandchild.Result);
        Assert.Equal(1, run.Healthy.Result);

        Assert.Equal(new[] { "RunAnywayChild", "RunAnywayGrandchild" }, workflow.Ran.OrderBy(x => x));
        Assert.All(run.Tasks, t => Assert.True(t.IsTerminal));
        Assert.Equal(0, run.FailChild.Attempts);
    }

    [Fact]
    public async Task ErrorPolicyLog_LogsEachFailure_AndReturnsTheRun()
    {
        var logger = new ListLogger();

        var run = await new PolicyWorkflow().RunAsync(Runner(new FakeTimeProvider(), ErrorPolicy.Log, logger)).WaitAsync(Guard);

        Assert.True(run.Completion.IsCompletedSuccessfully);
        var failure = Assert.Single(logger.Entries, e => e.Id.Id == 1);
        Assert.Equal(LogLevel.Error, failure.Level);
        Assert.Contains("'Broken'", failure.Message);
        Assert.Contains(run.RunId, failure.Message);
        Assert.IsType<InvalidOperationException>(failure.Exception);
        Assert.Equal(4, logger.Entries.Count(e => e.Id.Id == 2)); // FailChild, FailGrandchild, SkipChild, SkipGrandchild
    }

    [Fact]
    public async Task ErrorPolicyContinue_IsSilent()
    {
        var logger = new ListLogger();

        var run = await new PolicyWorkflow().RunAsync(Runner(new FakeTimeProvider(), ErrorPolicy.Continue, logger)).WaitAsync(Guard);

        Assert.Empty(logger.Entries);
        Assert.Equal(TaskState.Failed, run.Broken.State);
    }

    [Fact]
    public async Task ErrorPolicyRaise_ThrowsTheFirstFailure()
    {
        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => new PolicyWorkflow().RunAsync(Runner(new FakeTimeProvider())).WaitAsync(Guard));

        Assert.Equal("broken", thrown.Message);
    }

    // ---------------------------------------------------------------- cancellation

    [Fact]
    public async Task CancellingDuringABackoffWait_EndsItAtOnce()
    {
        var time = new FakeTimeProvider();
        var workflow = new FlakyWorkflow { FailuresLeft = 100 };
        var run = workflow.Start(Runner(time, ErrorPolicy.Continue));
        await Reached(run, run.Fetch, TaskState.Retrying);

        Assert.True(run.Fetch.Cancel());
        await run.Completion.WaitAsync(Guard);

        Assert.Equal(TaskState.Cancelled, run.Fetch.State);
        Assert.IsType<TaskCancelledException>(run.Fetch.Exception);
        Assert.Equal(1, workflow.FetchCalls);
        Assert.Equal(TaskState.Failed, run.Parse.State);
    }

    [Fact]
    public async Task CancellingTheRunner_CancelsEveryRun()
    {
        var runner = Runner(new FakeTimeProvider());
        var a = new ControlledWorkflow().Start(runner);
        var b = new ControlledWorkflow().Start(runner);

        runner.CancelAll();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a.Completion.WaitAsync(Guard));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b.Completion.WaitAsync(Guard));
        Assert.All(a.Tasks.Concat(b.Tasks), t => Assert.Equal(TaskState.Cancelled, t.State));
    }

    [Fact]
    public async Task CancellingAParent_CancelsItsChildren()
    {
        var run = Runner(new FakeTimeProvider()).CreateRun();
        var childStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskHandle<int>? child = null;
        var parent = run.Submit(
            new TaskOptions { Name = "parent" },
            async ctx =>
            {
                child = ctx.Run.Submit(new TaskOptions { Name = "child" }, async c =>
                {
                    childStarted.TrySetResult();
                    await Task.Delay(System.Threading.Timeout.Infinite, c.CancellationToken);
                    return 1;
                });
                return await child;
            });
        run.Complete();
        await childStarted.Task.WaitAsync(Guard);

        parent.Cancel();

        await run.Completion.WaitAsync(Guard); // cancelling one task does not fail the run
        Assert.Equal(TaskState.Cancelled, child!.State);
        Assert.Same(parent, child.Parent);
        Assert.Equal(TaskState.Cancelled, parent.State);
    }

    [Fact]
    public async Task AFinishedParent_CancelsRunningChildren_UnlessDetached()
    {
        var run = Runner(new FakeTimeProvider(), ErrorPolicy.Continue).CreateRun();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        TaskHandle<string>? attached = null;
        TaskHandle<string>? detached = null;
        var parent = run.Submit(ctx =>
        {
            attached = ctx.Run.Submit(new TaskOptions { Name = "attached" }, async c =>
            {
                await release.Task.WaitAsync(c.CancellationToken);
                return "attached done";
            });
            detached = ctx.Run.Submit(new TaskOptions { Name = "detached" }, async c =>
            {
                await release.Task.WaitAsync(c.CancellationToken);
                return "detached done";
            });
            detached.Detach();
            return "parent done";
        });

        await parent.AsTask().WaitAsync(Guard);
        await Reached(run, attached!, TaskState.Cancelled);
        release.SetResult();
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal(TaskState.Cancelled, attached!.State);
        Assert.Equal("detached done", detached!.Result);
    }

    [Fact]
    public async Task ANestedRunStartedInsideATask_IsItsChild_CancelledWithIt()
    {
        var run = Runner(new FakeTimeProvider()).CreateRun();
        var nestedStarted = new TaskCompletionSource<ControlledWorkflow.ControlledWorkflowRun>(TaskCreationOptions.RunContinuationsAsynchronously);
        var parent = run.Submit(new TaskOptions { Name = "parent" }, async ctx =>
        {
            var workflow = new ControlledWorkflow();
            var nested = workflow.Start(runner: ctx.Run.Runner);
            nestedStarted.TrySetResult(nested);
            await nested;
        });
        run.Complete();
        var nestedRun = await nestedStarted.Task.WaitAsync(Guard);
        Assert.Same(parent, nestedRun.Parent);

        parent.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => nestedRun.Completion.WaitAsync(Guard));
        await run.Completion.WaitAsync(Guard);
        Assert.Equal(TaskState.Cancelled, parent.State);
        Assert.All(nestedRun.Tasks, t => Assert.Equal(TaskState.Cancelled, t.State));
    }

    [Fact]
    public async Task GetResultAsync_TimesOutOnTheRunnersClock()
    {
        var time = new FakeTimeProvider();
        var workflow = new ControlledWorkflow();
        var run = workflow.Start(Runner(time));
        var waiting = run.Third.GetResultAsync(TimeSpan.FromSeconds(3));

        time.Advance(TimeSpan.FromSeconds(3));

        await Assert.ThrowsAsync<TimeoutException>(() => waiting.WaitAsync(Guard));
        workflow.FirstGate.SetResult();
        workflow.SideGate.SetResult();
        Assert.Equal(3, await run.Third.GetResultAsync(TimeSpan.FromSeconds(3)).WaitAsync(Guard));
    }

    // ---------------------------------------------------------------- dynamic submission

    [Fact]
    public async Task DynamicSubmission_BesideTheGraph_WithDependenciesOnGraphTasks()
    {
        var workflow = new ControlledWorkflow();
        var run = workflow.Start(Runner(new FakeTimeProvider()));
        var extra = run.Submit(new TaskOptions { Name = "extra" }, _ => run.Third.Result * 100, run.Third);
        var last = run.Submit(_ => extra.Result + 1, extra, run.Side);

        workflow.FirstGate.SetResult();
        workflow.SideGate.SetResult();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal(300, extra.Result);
        Assert.Equal(301, last.Result);
        Assert.Equal(6, run.Tasks.Count);
        Assert.Equal("extra", run.Tasks[4].Name);
        Assert.Equal(4, extra.Index);
    }

    [Fact]
    public async Task SubmissionsFromInsideATask_BelongToTheRun_AndAreAwaitedByIt()
    {
        var run = Runner(new FakeTimeProvider()).CreateRun();
        var children = new ConcurrentBag<TaskHandle<int>>();
        _ = run.Submit(ctx =>
        {
            for (var i = 0; i < 10; i++)
            {
                var n = i;
                var child = ctx.Run.Submit(new TaskOptions { Detached = true }, _ => n * n);
                children.Add(child);
            }
        });
        run.Complete();

        await run.Completion.WaitAsync(Guard);

        Assert.Equal(11, run.Tasks.Count);
        Assert.Equal(285, children.Sum(c => c.Result));
    }

    [Fact]
    public async Task ASubmissionThatWouldWaitOnItsOwnParent_IsRefusedAtOnce()
    {
        var run = Runner(new FakeTimeProvider(), ErrorPolicy.Continue).CreateRun();
        WorkflowCycleException? refused = null;
        var parent = run.Submit(new TaskOptions { Name = "parent" }, ctx =>
        {
            refused = Assert.Throws<WorkflowCycleException>(() => ctx.Run.Submit(_ => 1, ctx.Task));
            return ctx.Run.Submit(new TaskOptions { Detached = true }, _ => 2, ctx.Task); // detached: may wait for it
        });
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.NotNull(refused);
        Assert.Contains("parent", refused!.Message);
        Assert.Equal(2, parent.Result.Result);
        Assert.Equal(2, run.Tasks.Count);
    }

    [Fact]
    public async Task Submission_IsValidated()
    {
        var runner = Runner(new FakeTimeProvider());
        var one = runner.CreateRun();
        var other = runner.CreateRun();
        var foreign = other.Submit(_ => 1);

        Assert.Throws<ArgumentException>(() => one.Submit(_ => 2, foreign));
        Assert.Throws<ArgumentException>(() => one.Submit(new TaskOptions { Backend = Backend.Thread }, async _ => { await Task.Yield(); return 1; }));
        one.Complete();
        other.Complete();
        await Task.WhenAll(one.Completion, other.Completion).WaitAsync(Guard);
        Assert.Throws<InvalidOperationException>(() => one.Submit(_ => 3));
    }

    [Fact]
    public async Task RunnerSubmit_OutsideTasks_UsesTheRunnersOwnRun_InsideTasks_TheTasksRun()
    {
        await using var runner = Runner(new FakeTimeProvider());
        var outside = runner.Submit(_ => 1);
        var run = runner.CreateRun("mine");
        var inner = run.Submit(_ => runner.Submit(new TaskOptions { Detached = true }, _ => 2));
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal(1, await outside.AsTask().WaitAsync(Guard));
        Assert.Equal("runner", outside.Run.Graph.Name);
        Assert.Same(run, inner.Result.Run);
        Assert.Equal(2, await inner.Result.AsTask().WaitAsync(Guard));
    }

    [Fact]
    public async Task ManyDynamicTasks_Chain_AndFanOutFanIn()
    {
        var run = Runner(new FakeTimeProvider()).CreateRun();
        var previous = run.Submit(_ => 0);
        for (var i = 0; i < 1000; i++)
        {
            var dependency = previous;
            previous = run.Submit(_ => dependency.Result + 1, dependency);
        }

        var source = run.Submit(_ => 1);
        var fan = Enumerable.Range(0, 500).Select(i => run.Submit(_ => source.Result + i, source)).ToArray();
        var join = run.Submit(_ => fan.Sum(f => f.Result), fan);
        run.Complete();

        await run.Completion.WaitAsync(Guard);

        Assert.Equal(1000, previous.Result);
        Assert.Equal(500 + (499 * 500 / 2), join.Result);
    }

    // ---------------------------------------------------------------- observation

    [Fact]
    public async Task WhenEach_YieldsTasksInCompletionOrder()
    {
        var run = Runner(new FakeTimeProvider()).CreateRun();
        var gates = Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var tasks = gates.Select((g, i) => run.Submit(new TaskOptions { Name = $"t{i}" }, _ => g.Task)).ToArray();
        run.Complete();
        var order = new List<string>();
        var reading = Task.Run(async () =>
        {
            await foreach (var task in run.WhenEach())
            {
                order.Add(task.Name);
            }
        });

        foreach (var i in new[] { 2, 0, 1 })
        {
            gates[i].SetResult(i);
            await tasks[i].AsTask().WaitAsync(Guard);
        }

        await reading.WaitAsync(Guard);
        Assert.Equal(new[] { "t2", "t0", "t1" }, order);

        var replayed = new List<string>();
        await foreach (var task in run.WhenEach())
        {
            replayed.Add(task.Name);
        }

        Assert.Equal(order, replayed);
    }

    [Fact]
    public async Task TaskContext_Current_AndProgress()
    {
        var run = Runner(new FakeTimeProvider()).CreateRun();
        var progress = new ConcurrentQueue<(string, double, string?)>();
        run.ProgressChanged += (_, e) => progress.Enqueue((e.Task.Name, e.Fraction, e.Message));
        var sync = run.Submit(new TaskOptions { Name = "sync" }, ctx =>
        {
            TaskContext.Current!.ReportProgress(0.5, "half");
            TaskContext.Current.ReportProgress(7, "clamped");
            return (TaskContext.Current.TaskName, TaskContext.Current.Attempt, ctx.RunId);
        });
        var async = run.Submit(new TaskOptions { Name = "async" }, async ctx =>
        {
            await Task.Yield();
            ctx.ReportProgress(-1);
            return TaskContext.Current?.TaskName;
        });
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal(("sync", 1, run.RunId), sync.Result);
        Assert.Equal("async", async.Result);
        Assert.Equal(1.0, sync.Progress);
        Assert.Equal("clamped", sync.ProgressMessage);
        Assert.Equal(1.0, async.Progress); // a completed task is done, whatever it last reported
        Assert.Contains(("sync", 0.5, "half"), progress);
        Assert.Null(TaskContext.Current);
    }

    [Fact]
    public async Task AThrowingEventHandler_DoesNotBreakTheRun()
    {
        var logger = new ListLogger();
        var runner = new WorkflowRunner { Logger = logger };
        var workflow = new ChainWorkflow();
        var run = workflow.Start(2, runner);
        run.TaskStateChanged += (_, _) => throw new InvalidOperationException("bad handler");

        await run.Completion.WaitAsync(Guard);

        Assert.Equal("=" + ((((2 + 1) * 2) + 3) * 4), run.Step5.Result);
    }

    // ---------------------------------------------------------------- serial backend

    [Fact]
    public async Task SerialBackend_RunsOneAtATime_InOrder_WithTheSubmittersContext()
    {
        await using var runner = new WorkflowRunner { MaxWorkers = 4 };
        var run = runner.CreateRun();
        var local = new AsyncLocal<string>();
        var running = 0;
        var maxRunning = 0;
        var order = new ConcurrentQueue<int>();
        var contexts = new ConcurrentQueue<string?>();
        var threads = new ConcurrentBag<int>();
        for (var i = 0; i < 20; i++)
        {
            local.Value = $"submitter-{i}";
            var n = i;
            _ = run.Submit(new TaskOptions { Backend = Backend.Serial }, async _ =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref maxRunning, now);
                threads.Add(Environment.CurrentManagedThreadId);
                order.Enqueue(n);
                contexts.Enqueue(local.Value);
                await Task.Yield();
                Interlocked.Decrement(ref running);
                return n;
            });
        }

        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal(1, maxRunning);
        Assert.Equal(Enumerable.Range(0, 20), order);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"submitter-{i}"), contexts);
        Assert.Single(threads.Distinct());
    }

    // ---------------------------------------------------------------- rerun

    [Fact]
    public async Task Rerun_OfARunThatHasNotEnded_IsRefused()
    {
        var workflow = new ControlledWorkflow();
        var run = workflow.Start(Runner(new FakeTimeProvider()));

        Assert.Throws<InvalidOperationException>(() => { _ = run.RerunAsync(); });

        workflow.FirstGate.SetResult();
        workflow.SideGate.SetResult();
        await run.Completion.WaitAsync(Guard);
    }

    [Fact]
    public async Task Rerun_AfterRepair_RunsOnlyWhatDidNotComplete()
    {
        var workflow = new RepairableWorkflow();
        var run = workflow.Start(Runner(new FakeTimeProvider(), ErrorPolicy.Continue));
        await run.Completion.WaitAsync(Guard);
        Assert.Equal(TaskState.Failed, run.Transform.State);
        Assert.Equal(TaskState.Failed, run.Save.State);

        workflow.Repaired = true;
        await run.RerunAsync().WaitAsync(Guard);

        Assert.Equal("saved 21", run.Save.Result);
        Assert.Equal(1, workflow.LoadCalls);
        Assert.Equal(2, workflow.TransformCalls);
        Assert.Equal(1, workflow.SaveCalls);
        Assert.All(run.Tasks, t => Assert.Equal(TaskState.Completed, t.State));
        Assert.Equal(1, run.Transform.Attempts);
    }

    [Fact]
    public async Task Rerun_AfterRaise_RunsTheTasksThatNeverStarted()
    {
        var workflow = new RepairableWorkflow();
        var run = workflow.Start(Runner(new FakeTimeProvider()));
        await Assert.ThrowsAsync<InvalidDataException>(() => run.Completion.WaitAsync(Guard));
        Assert.Equal(TaskState.Pending, run.Save.State);

        workflow.Repaired = true;
        await run.RerunAsync().WaitAsync(Guard);

        Assert.Equal("saved 21", run.Save.Result);
        Assert.Equal(1, workflow.LoadCalls);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
