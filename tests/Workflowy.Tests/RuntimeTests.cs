using Workflowy.Tests.Workflows;

namespace Workflowy.Tests;

public class RuntimeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Diamond_RunsEachBodyOnce_AndFlowsTypedResults()
    {
        var workflow = new DiamondWorkflow();

        var run = await workflow.RunAsync(seed: 4, suffix: "end");

        Assert.Equal(40, run.Source.Result);
        Assert.Equal("left:40", run.Left.Result);
        Assert.Equal(41L, run.Right.Result);
        Assert.Equal("left:40|right:41|end", await run.Join);
        Assert.All(run.Tasks, t => Assert.Equal(TaskState.Completed, t.State));
        Assert.All(run.Tasks, t => Assert.Equal(1, t.Attempts));
        Assert.All(run.Tasks, t => Assert.Null(t.Exception));
        Assert.Equal((1, 1, 1, 1), (workflow.SourceCalls, workflow.LeftCalls, workflow.RightCalls, workflow.JoinCalls));
        Assert.True(workflow.RightRanOnDedicatedThread); // Backend.Thread: blocking bodies never wait for the thread pool to grow
        Assert.True(workflow.JoinRanOnDedicatedThread);
        Assert.True(run.Completion.IsCompletedSuccessfully);
        Assert.True(run.HasEnded);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public async Task Diamond_ManyRuns_EachBodyExactlyOncePerRun(int workers)
    {
        var runner = new WorkflowRunner { MaxWorkers = workers };
        var workflow = new DiamondWorkflow();
        const int runs = 300;

        var results = await Task.WhenAll(Enumerable.Range(0, runs).Select(i => workflow.RunAsync(i, "x", runner)));

        Assert.Equal((runs, runs, runs, runs), (workflow.SourceCalls, workflow.LeftCalls, workflow.RightCalls, workflow.JoinCalls));
        for (var i = 0; i < runs; i++)
        {
            Assert.Equal($"left:{i * 10}|right:{(i * 10) + 1}|x", results[i].Join.Result);
        }

        Assert.Empty(runner.ActiveRuns);
    }

    [Fact]
    public async Task EveryReturnShape_StaticAndInstance_InjectedContextAndToken()
    {
        var workflow = new ShapesWorkflow();

        var run = await workflow.RunAsync();

        Assert.Equal(7, run.Value.Result);
        Assert.Equal(14, run.TaskOfT.Result);
        Assert.Equal("ValueTaskOfT:14", run.ValueTaskOfT.Result);
        Assert.Equal("VALUETASKOFT:14", run.Final.Result);
        Assert.Equal((1, 1, 1), (workflow.VoidCalls, workflow.TaskCalls, workflow.ValueTaskCalls));
        Assert.Equal(TaskState.Completed, run.Void.State);
        await run.Void;
        await run.PlainTask;
        Assert.Equal("final-step", run.Final.Name);
        Assert.NotNull(workflow.SeenContext);
        Assert.Equal(("ValueTaskOfT", run.RunId, 1), (workflow.SeenContext!.TaskName, workflow.SeenContext.RunId, workflow.SeenContext.Attempt));
        Assert.True(workflow.SawCancellableToken);
    }

    [Fact]
    public async Task Chain_ResultsFlowThroughEveryStep()
    {
        var run = await new ChainWorkflow().RunAsync(start: 1);

        Assert.Equal("=" + ((((((1 + 1) * 2) + 3) * 4))).ToString(), run.Step5.Result);
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, run.Graph.TopologicalOrder);
    }

    [Fact]
    public async Task Raise_FirstFailureEndsRun_CancelsInFlight_LeavesNeverStartedPending()
    {
        var workflow = new ControlledWorkflow { SecondFailure = new InvalidOperationException("boom") };
        var run = workflow.Start();
        await workflow.SideStarted.Task.WaitAsync(Timeout);
        workflow.FirstGate.SetResult();

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => run.Completion.WaitAsync(Timeout));

        Assert.Same(workflow.SecondFailure, thrown);
        Assert.Same(workflow.SecondFailure, run.Failure);
        Assert.Equal(TaskState.Completed, run.First.State);
        Assert.Equal(TaskState.Failed, run.Second.State);
        Assert.Same(workflow.SecondFailure, run.Second.Exception);
        Assert.Equal(TaskState.Pending, run.Third.State);
        Assert.Equal(0, run.Third.Attempts);
        Assert.Equal(TaskState.Cancelled, run.Side.State);
        Assert.DoesNotContain(nameof(ControlledWorkflow.Third), workflow.Ran);

        var notStarted = await Assert.ThrowsAsync<TaskNotStartedException>(async () => await run.Third);
        Assert.Contains("Third", notStarted.Message);
        Assert.Contains(run.RunId, notStarted.Message);
        Assert.Same(workflow.SecondFailure, Assert.Throws<InvalidOperationException>(() => run.Second.Result));
        await Assert.ThrowsAsync<TaskCancelledException>(async () => await run.Side);
    }

    [Fact]
    public async Task RunAsync_ThrowsTheTasksOwnException()
    {
        var workflow = new ControlledWorkflow { SecondFailure = new FormatException("bad format") };
        workflow.FirstGate.SetResult();
        workflow.SideGate.SetResult();

        var thrown = await Assert.ThrowsAsync<FormatException>(() => workflow.RunAsync().WaitAsync(Timeout));

        Assert.Same(workflow.SecondFailure, thrown);
    }

    [Fact]
    public async Task CancellingTheRunToken_CancelsRunningAndNotStartedTasks()
    {
        var workflow = new ControlledWorkflow();
        using var cts = new CancellationTokenSource();
        var run = workflow.Start(cancellationToken: cts.Token);
        await Task.WhenAll(workflow.FirstStarted.Task, workflow.SideStarted.Task).WaitAsync(Timeout);

        cts.Cancel();

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.Completion.WaitAsync(Timeout));
        Assert.Equal(cts.Token, thrown.CancellationToken);
        Assert.All(run.Tasks, t => Assert.Equal(TaskState.Cancelled, t.State));
        Assert.Equal(new[] { "First", "Side" }, workflow.Ran.OrderBy(x => x));
        Assert.True(run.Completion.IsCanceled);
    }

    [Fact]
    public async Task RunAsync_WithCancelledToken_RunsNothing()
    {
        var workflow = new ControlledWorkflow();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => workflow.RunAsync(cancellationToken: new CancellationToken(true)).WaitAsync(Timeout));

        Assert.Empty(workflow.Ran);
    }

    [Fact]
    public async Task CancellingAHandleBeforeItStarts_ItNeverRuns_AndDependentsFailWithDependencyError()
    {
        var workflow = new ControlledWorkflow();
        workflow.SideGate.SetResult();
        var run = workflow.Start();
        await workflow.FirstStarted.Task.WaitAsync(Timeout);

        Assert.True(run.Second.Cancel());
        Assert.False(run.Second.Cancel());
        workflow.FirstGate.SetResult();
        await run.Completion.WaitAsync(Timeout);

        Assert.Equal(TaskState.Completed, run.First.State);
        Assert.Equal(TaskState.Cancelled, run.Second.State);
        Assert.Equal(TaskState.Failed, run.Third.State);
        var error = Assert.IsType<DependencyFailedException>(run.Third.Exception);
        Assert.Equal(new[] { "Second" }, error.FailedDependencies);
        Assert.Equal("Third", error.TaskName);
        Assert.Equal(run.RunId, error.RunId);
        Assert.Equal(TaskState.Completed, run.Side.State);
        Assert.DoesNotContain("Second", workflow.Ran);
        Assert.DoesNotContain("Third", workflow.Ran);
        var cancelled = await Assert.ThrowsAsync<TaskCancelledException>(async () => await run.Second);
        Assert.Equal("Second", cancelled.TaskName);
        await Assert.ThrowsAsync<DependencyFailedException>(async () => await run.Third);
    }

    [Fact]
    public async Task CancellingARunningHandle_SignalsItsToken_OnlyThatTaskIsCancelled()
    {
        var workflow = new ControlledWorkflow();
        var run = workflow.Start();
        await Task.WhenAll(workflow.FirstStarted.Task, workflow.SideStarted.Task).WaitAsync(Timeout);

        Assert.True(run.Side.Cancel());
        await Assert.ThrowsAsync<TaskCancelledException>(async () => await run.Side.AsTask().WaitAsync(Timeout));
        workflow.FirstGate.SetResult();
        await run.Completion.WaitAsync(Timeout);

        Assert.Equal(TaskState.Cancelled, run.Side.State);
        Assert.Equal(3, run.Third.Result);
        Assert.False(run.Side.Cancel());
    }

    [Fact]
    public async Task Start_ReturnsAtOnce_AndHandlesReportProgress()
    {
        var workflow = new ControlledWorkflow();
        var run = workflow.Start();

        Assert.False(run.Completion.IsCompleted);
        Assert.Equal(TaskState.Pending, run.Third.State);
        Assert.Throws<InvalidOperationException>(() => run.Third.Result);
        await workflow.FirstStarted.Task.WaitAsync(Timeout);
        Assert.Equal(TaskState.Running, run.First.State);

        workflow.FirstGate.SetResult();
        workflow.SideGate.SetResult();
        Assert.Equal(3, await run.Third.AsTask().WaitAsync(Timeout));
        await run;
        Assert.All(run.Tasks, t => Assert.Equal(TaskState.Completed, t.State));
    }

    [Fact]
    public async Task MaxWorkers_BoundsHowManySynchronousBodiesRunAtOnce()
    {
        var workflow = new WideWorkflow();

        await workflow.RunAsync(new WorkflowRunner { MaxWorkers = 1 });

        Assert.Equal(1, workflow.MaxConcurrent);
    }

    [Fact]
    public void RunnerOptions_AreValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkflowRunner { MaxWorkers = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkflowRunner { DefaultBackend = Backend.Default });
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkflowRunner { ErrorPolicy = (ErrorPolicy)42 });
        var runner = new WorkflowRunner();
        Assert.Equal(Environment.ProcessorCount, runner.MaxWorkers);
        Assert.Equal(Backend.Async, runner.DefaultBackend);
        Assert.Equal(ErrorPolicy.Raise, runner.ErrorPolicy);
    }

    [Fact]
    public async Task DisposingTheRunner_CancelsItsRuns_AndRefusesNewOnes()
    {
        var workflow = new ControlledWorkflow();
        var runner = new WorkflowRunner();
        var run = workflow.Start(runner);
        await workflow.FirstStarted.Task.WaitAsync(Timeout);
        Assert.Contains(run, runner.ActiveRuns);

        await runner.DisposeAsync().AsTask().WaitAsync(Timeout);

        Assert.True(run.HasEnded);
        Assert.Equal(TaskState.Cancelled, run.First.State);
        Assert.Empty(runner.ActiveRuns);
        Assert.Throws<ObjectDisposedException>(() => new ControlledWorkflow().Start(runner));
    }

    [Fact]
    public async Task DisposingTheRunner_EndsARunOfDynamicTasksNeverCompleted_CancellingWhatDidNotStart()
    {
        var runner = new WorkflowRunner();
        var run = runner.CreateRun("left-open");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = run.Submit(async context =>
        {
            started.SetResult();
            await Task.Delay(Timeout, context.CancellationToken);
        });
        var waiting = run.Submit(static () => 1, running);
        await started.Task.WaitAsync(Timeout);

        await runner.DisposeAsync().AsTask().WaitAsync(Timeout);

        Assert.True(run.HasEnded);
        Assert.Equal(TaskState.Cancelled, running.State);
        Assert.Equal(TaskState.Cancelled, waiting.State);
        Assert.Throws<InvalidOperationException>(() => run.Submit(static () => 2));
    }

    [Fact]
    public void GeneratedGraph_DescribesTheWorkflow()
    {
        var graph = DiamondWorkflow.DiamondWorkflowRun.Definition;

        Assert.Equal("DiamondWorkflow", graph.Name);
        Assert.Equal(new[] { "Source", "Left", "Right", "Join" }, graph.Tasks.Select(t => t.Name));
        Assert.Equal(
            new[] { new WorkflowGraphEdge("Source", "Left"), new WorkflowGraphEdge("Source", "Right"), new WorkflowGraphEdge("Left", "Join"), new WorkflowGraphEdge("Right", "Join") },
            graph.Edges);
        Assert.Equal(new[] { 0, 1, 2, 3 }, graph.TopologicalOrder);
        Assert.Equal(new[] { 1, 2 }, graph.Tasks[0].Dependents);
        Assert.Equal(new[] { 1, 2 }, graph.Tasks[3].Dependencies);
        Assert.Equal(Backend.Thread, graph.Tasks[3].Backend);
        Assert.True(graph.Tasks[1].ReturnsTask);
        Assert.Equal(3, graph.IndexOf("Join"));
        Assert.Equal(-1, graph.IndexOf("Nope"));
        Assert.Equal(
            "flowchart TD\n    t0[\"Source\"]\n    t1[\"Left\"]\n    t2[\"Right\"]\n    t3[\"Join\"]\n    t0 --> t1\n    t0 --> t2\n    t1 --> t3\n    t2 --> t3\n",
            DiamondWorkflow.DiamondWorkflowRun.Mermaid);
        Assert.Same(graph.Mermaid, DiamondWorkflow.DiamondWorkflowRun.Mermaid);
    }

    [Fact]
    public async Task DeclaredEntryPoints_AreImplementedByTheGenerator()
    {
        var workflow = new EntryWorkflow();

        var run = await workflow.ComputeAsync("x", 21, CancellationToken.None);
        var started = workflow.Launch(new WorkflowRunner { MaxWorkers = 1 }, 5, "y");
        await started.Completion.WaitAsync(Timeout);

        Assert.Equal("x=42", run.Show.Result);
        Assert.Equal("y=10", started.Show.Result);
        Assert.Equal(1, started.Runner.MaxWorkers);
    }

    [Fact]
    public async Task EveryRunHasItsOwnIdAndHandles()
    {
        var workflow = new DiamondWorkflow();
        var a = await workflow.RunAsync(1, "a");
        var b = await workflow.RunAsync(2, "b");

        Assert.NotEqual(a.RunId, b.RunId);
        Assert.NotSame(a.Join, b.Join);
        Assert.Equal("left:10|right:11|a", a.Join.Result);
        Assert.Equal("left:20|right:21|b", b.Join.Result);
        Assert.Same(a, a.Join.Run);
        Assert.Equal(3, a.Join.Index);
    }
}
