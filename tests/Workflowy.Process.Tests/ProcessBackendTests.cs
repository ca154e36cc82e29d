using System.Collections.Generic;
using Microsoft.Extensions.Time.Testing;
using Workflowy.Process.App;

namespace Workflowy.Process.Tests;

/// <summary>Backend.Process: tasks in child processes of the same application, crashes, kills, timeouts, the bound.</summary>
public class ProcessBackendTests
{
    /// <summary>A small GC heap limit for the children, so that the out-of-memory child runs out quickly and deterministically.</summary>
    private static readonly Dictionary<string, string?> SmallHeap = new() { ["DOTNET_GCHeapHardLimit"] = "0xC000000" };

    /// <summary>Completes when a Process task reports "pid:N" from its child; gives N.</summary>
    private static Task<int> ChildPid(WorkflowRunner runner)
    {
        var pid = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        runner.ProgressChanged += (_, e) =>
        {
            if (e.Message is { } message && message.StartsWith("pid:", StringComparison.Ordinal))
            {
                pid.TrySetResult(int.Parse(message.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        return pid.Task;
    }

    [Fact]
    public async Task Results_RoundTrip_ThroughAChildProcess_AndTheChildIsReused()
    {
        await using var harness = new ProcessHarness(maxWorkers: 1);

        var run = await new ProcessWorkflow().RunAsync(7, "seven", harness.Runner);

        var square = run.Square.Result;
        Assert.Equal(49, square.Value);
        Assert.NotEqual(Environment.ProcessId, square.Pid);
        Assert.Equal($"seven:49@{square.Pid}", run.Describe.Result);
        Assert.Equal(Environment.ProcessId, run.InParent.Result);
        Assert.Equal([square.Pid], harness.Executor.WorkerProcessIds);
    }

    [Theory]
    [InlineData("failfast", 6)]
    [InlineData("stackoverflow", 6)]
    public async Task AChildThatCrashes_FailsTheAttempt_WithItsSignal_AndTheParentGoesOn(string mode, int signal)
    {
        await using var harness = new ProcessHarness(maxWorkers: 1);

        var run = new CrashAlwaysWorkflow().Start(mode, harness.Runner);
        await Assert.ThrowsAsync<ProcessWorkerCrashedException>(async () => await run.Completion);

        var crash = Assert.IsType<ProcessWorkerCrashedException>(run.Always.Exception);
        Assert.Equal(signal, crash.Signal);
        Assert.Equal(128 + signal, crash.ExitCode);
        Assert.Equal("Always", crash.TaskName);
        Assert.Contains($"worker process {crash.ProcessId}", crash.Message);
        await ProcessHarness.WaitForExitAsync(crash.ProcessId);

        // The parent is fine and the crashed child is replaced.
        var next = await new ProcessWorkflow().RunAsync(3, "three", harness.Runner);
        Assert.Equal(9, next.Square.Result.Value);
        Assert.NotEqual(crash.ProcessId, next.Square.Result.Pid);
    }

    [Fact]
    public async Task AChildThatExits_FailsTheAttempt_WithItsExitCode()
    {
        await using var harness = new ProcessHarness(maxWorkers: 1);

        var run = new CrashAlwaysWorkflow().Start("exit", harness.Runner);
        await Assert.ThrowsAsync<ProcessWorkerCrashedException>(async () => await run.Completion);

        var crash = Assert.IsType<ProcessWorkerCrashedException>(run.Always.Exception);
        Assert.Equal(42, crash.ExitCode);
        Assert.Null(crash.Signal);
    }

    [Fact]
    public async Task AChildThatRunsOutOfMemory_FailsTheAttempt_AndExits()
    {
        await using var harness = new ProcessHarness(maxWorkers: 1, environment: SmallHeap);

        var run = new CrashAlwaysWorkflow().Start("oom", harness.Runner);
        await Assert.ThrowsAsync<ProcessWorkerCrashedException>(async () => await run.Completion);

        var crash = Assert.IsType<ProcessWorkerCrashedException>(run.Always.Exception);
        Assert.Contains("out of memory", crash.Message);
        Assert.Contains("OutOfMemoryException", crash.Message);
        await ProcessHarness.WaitForExitAsync(crash.ProcessId);
    }

    [Theory]
    [InlineData("failfast")]
    [InlineData("stackoverflow")]
    [InlineData("oom")]
    [InlineData("exit")]
    public async Task AfterACrash_TheRetryRunsInANewChild_AndSucceeds(string mode)
    {
        await using var harness = new ProcessHarness(maxWorkers: 1, environment: SmallHeap);
        var failures = new List<Exception>();
        harness.Runner.TaskStateChanged += (_, e) =>
        {
            if (e.NewState == TaskState.Retrying && e.Exception is { } error)
            {
                lock (failures)
                {
                    failures.Add(error);
                }
            }
        };

        var run = await new CrashOnceWorkflow().RunAsync(mode, harness.Runner);

        Assert.Equal(TaskState.Completed, run.OnceThenPid.State);
        Assert.Equal(2, run.OnceThenPid.Attempts);
        var crash = Assert.IsType<ProcessWorkerCrashedException>(Assert.Single(failures));
        Assert.NotEqual(crash.ProcessId, run.OnceThenPid.Result);
        Assert.NotEqual(Environment.ProcessId, run.OnceThenPid.Result);
    }

    [Fact]
    public async Task AChildKilledByItsPid_FailsTheAttempt_WithSigkill_AndTheRetrySucceeds()
    {
        await using var harness = new ProcessHarness(maxWorkers: 1);
        var pid = ChildPid(harness.Runner);

        var run = new CrashOnceWorkflow().Start("block", harness.Runner);
        var victim = await pid;
        await ProcessHarness.KillAsync(victim);
        await run.Completion;

        Assert.Equal(TaskState.Completed, run.OnceThenPid.State);
        Assert.Equal(2, run.OnceThenPid.Attempts);
        Assert.NotEqual(victim, run.OnceThenPid.Result);
    }

    [Fact]
    public async Task AHungChild_IsKilledByTheTasksTimeout_AndTheAttemptFailsWithTheTimeout()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = new ProcessHarness(maxWorkers: 1, time: time);
        var pid = ChildPid(harness.Runner);

        var run = new HungWorkflow().Start(harness.Runner);
        var hung = await pid;
        time.Advance(TimeSpan.FromSeconds(31));
        await Assert.ThrowsAsync<TaskTimeoutException>(async () => await run.Completion);

        Assert.IsType<TaskTimeoutException>(run.Hang.Exception);
        await ProcessHarness.WaitForExitAsync(hung);
        Assert.DoesNotContain(hung, harness.Executor.WorkerProcessIds);
    }

    [Fact]
    public async Task CancellingTheRun_KillsTheChildRunningItsTask()
    {
        await using var harness = new ProcessHarness(maxWorkers: 1);
        var pid = ChildPid(harness.Runner);
        using var cancel = new CancellationTokenSource();

        var run = new CrashAlwaysWorkflow().Start("block", harness.Runner, cancellationToken: cancel.Token);
        var child = await pid;
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await run.Completion);

        Assert.Equal(TaskState.Cancelled, run.Always.State);
        await ProcessHarness.WaitForExitAsync(child);
    }

    [Fact]
    public async Task AtMostMaxWorkers_ChildrenExist_AndAtMostThatManyProcessTasksRun()
    {
        // A child answers one request at a time (the protocol is a request, then its answer), so the bound on children is
        // the bound on Process bodies running at once. The tasks' states cannot show it: a task's Completed event is
        // raised after its worker has handed the child to the next task, whose Running event can come first.
        await using var harness = new ProcessHarness(maxWorkers: 2);
        var peakChildren = 0;
        harness.Runner.TaskStateChanged += (_, _) => InterlockedMax(ref peakChildren, harness.Executor.WorkerProcessIds.Count);

        var run = await new WideWorkflow().RunAsync(harness.Runner);

        var pids = new[] { run.A.Result, run.B.Result, run.C.Result, run.D.Result, run.E.Result, run.F.Result };
        Assert.InRange(pids.Distinct().Count(), 1, 2);
        Assert.DoesNotContain(Environment.ProcessId, pids);
        Assert.InRange(peakChildren, 0, 2);
        Assert.InRange(harness.Executor.WorkerProcessIds.Count, 1, 2);
    }

    [Fact]
    public async Task ABodyThatThrows_FailsWithItsTypeMessageAndStack_AndTheChildStays()
    {
        await using var harness = new ProcessHarness(maxWorkers: 1);

        var run = new CrashAlwaysWorkflow().Start("throw", harness.Runner);
        await Assert.ThrowsAsync<ProcessTaskFailedException>(async () => await run.Completion);

        var failure = Assert.IsType<ProcessTaskFailedException>(run.Always.Exception);
        Assert.Equal("System.InvalidOperationException", failure.RemoteExceptionType);
        Assert.Contains("A deliberate failure in the child.", failure.Message);
        Assert.Contains("Misbehaviour.Act", failure.RemoteStackTrace);
        Assert.Equal([failure.ProcessId], harness.Executor.WorkerProcessIds);
    }

    [Fact]
    public async Task AnApplicationWithoutTheWorkerHook_FailsTheTask_NamingTheLineToAdd()
    {
        await using var harness = new ProcessHarness(1, null, null, "--without-worker-hook");

        var run = new ProcessWorkflow().Start(1, "one", harness.Runner);
        await Assert.ThrowsAsync<ProcessWorkerStartException>(async () => await run.Completion);

        var failure = Assert.IsType<ProcessWorkerStartException>(run.Square.Exception);
        Assert.Contains("if (WorkflowyProcessWorker.IsWorker) return await WorkflowyProcessWorker.RunAsync();", failure.Message);
        Assert.Contains("exited with code 0", failure.Message);
    }

    [Fact]
    public async Task ASubmittedBody_CannotRunOnTheProcessBackend()
    {
        await using var harness = new ProcessHarness(maxWorkers: 1);

        var ex = Assert.Throws<ArgumentException>(() => harness.Runner.Submit(new TaskOptions { Backend = Backend.Process }, (TaskContext _) => 1));
        Assert.Contains("[Task(Backend = Backend.Process)]", ex.Message);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current && Interlocked.CompareExchange(ref target, value, current) is var seen && seen != current)
        {
            current = seen;
        }
    }
}
