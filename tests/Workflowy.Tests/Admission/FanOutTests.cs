using System.Collections.Generic;
using Workflowy.Tests.Workflows;

namespace Workflowy.Tests;

/// <summary>[FanOut] compiled by the generator: the spec's case 30(b), chunks, a parallel bound, CollectAll.</summary>
public class FanOutTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Case30b_ResultsArriveInInputOrder_WhateverOrderTheCallsFinishIn()
    {
        await using var runner = new WorkflowRunner { MaxWorkers = 4 };
        var workflow = new FanOutOrder();
        var run = workflow.Start(runner);
        foreach (var item in new[] { 3, 1, 2 })
        {
            await workflow.StartedSignal(item).Task.WaitAsync(Guard);
        }

        // Finish 2, then 1, then 3, each once the previous call's task completed.
        foreach (var item in new[] { 2, 1, 3 })
        {
            workflow.Gate(item).SetResult("r" + item);
            var child = run.Tasks.Single(t => t.Name == "Process[" + Array.IndexOf(new[] { 3, 1, 2 }, item) + "]");
            await child.AsTask().WaitAsync(Guard);
        }

        await run.Completion.WaitAsync(Guard);
        Assert.Equal(new[] { "r3", "r1", "r2" }, workflow.Aggregated);
        IReadOnlyList<string> typed = run.Process.Result; // the fan-out's handle is typed as the list of results
        Assert.Equal(new[] { "r3", "r1", "r2" }, typed);
        Assert.Equal("r3,r1,r2", run.Aggregate.Result);
        Assert.All(run.Tasks.Where(t => t.Name.StartsWith("Process[", StringComparison.Ordinal)), t => Assert.Same(run.Process, t.Parent));
    }

    [Fact]
    public async Task Case30b_FailFast_AggregateNotCalled_ParentFailsWithTheIndex_RemainingCallsCancelled()
    {
        await using var runner = new WorkflowRunner { MaxWorkers = 4 };
        var workflow = new FanOutOrder { FailAt = 1 };
        var run = workflow.Start(runner);
        foreach (var item in new[] { 3, 1, 2 })
        {
            await workflow.StartedSignal(item).Task.WaitAsync(Guard);
        }

        workflow.Gate(1).SetResult("r1"); // element 1 is at index 1; it throws
        var failure = await Assert.ThrowsAsync<FanOutFailedException>(() => run.Completion.WaitAsync(Guard));

        Assert.Equal(1, failure.Index);
        Assert.IsType<InvalidOperationException>(failure.InnerException);
        Assert.Equal(TaskState.Failed, run.Process.State);
        Assert.Null(workflow.Aggregated);
        Assert.NotEqual(TaskState.Completed, run.Aggregate.State);
        var others = run.Tasks.Where(t => t.Name is "Process[0]" or "Process[2]").ToList();
        Assert.Equal(2, others.Count);
        Assert.All(others, t => Assert.Equal(TaskState.Cancelled, t.State));
    }

    [Fact]
    public async Task Chunks_BoundedParallelism_AndCollectAll()
    {
        await using var runner = new WorkflowRunner { MaxWorkers = 4 };
        var workflow = new FanOutBatches();
        var run = await workflow.RunAsync(5, runner);

        Assert.Equal(new[] { 3, 7, 5 }, run.SumChunk.Result); // [1,2] [3,4] [5]
        Assert.Equal("3+7+5", run.Sums.Result);
        Assert.InRange(workflow.MaxRunning, 1, 2);
        Assert.Equal(3, run.Tasks.Count(t => t.Name.StartsWith("SumChunk[", StringComparison.Ordinal)));

        Assert.Equal("100 x 33 25 20", run.Report.Result);
        var failed = run.Invert.Result[1];
        Assert.False(failed.Succeeded);
        Assert.Equal(1, failed.Index);
        Assert.IsType<ArgumentException>(failed.Exception);
    }

    [Fact]
    public async Task AnEmptySource_CallsTheAggregateWithAnEmptyList()
    {
        await using var runner = new WorkflowRunner();
        var run = await new FanOutBatches().RunAsync(0, runner);
        Assert.Empty(run.SumChunk.Result);
        Assert.Equal(string.Empty, run.Sums.Result);
        Assert.Equal(string.Empty, run.Report.Result);
    }

    [Fact]
    public async Task ARunEndingEarly_WhileCallsWaitToStart_DoesNotHangTheFanOut()
    {
        // Not disposed with 'await using': were the fan-out to hang, disposal would hang the test run too.
        var runner = new WorkflowRunner { MaxWorkers = 2 };
        var workflow = new FanOutAbort();
        var run = workflow.Start(runner);
        await workflow.FirstStarted.Task.WaitAsync(Guard); // call 0 holds the serial thread; calls 1 and 2 wait behind it
        workflow.SideGate.SetException(new TimeoutException("side failed"));
        workflow.FirstGate.Set();

        var failure = await Assert.ThrowsAsync<TimeoutException>(() => run.Completion.WaitAsync(Guard));
        Assert.Equal("side failed", failure.Message);
        Assert.NotEqual(TaskState.Completed, run.Total.State);
        Assert.NotEqual(TaskState.Running, run.Slow.State);
        await runner.DisposeAsync();
    }
}
