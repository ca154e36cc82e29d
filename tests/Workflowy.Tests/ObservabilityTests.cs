using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Workflowy.Tests.Workflows;

namespace Workflowy.Tests;

/// <summary>The throughline, log scopes, exceptions that carry the chain, activities, metrics, progress.</summary>
public class ObservabilityTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Throughline_FlowsIntoEveryBackend_AcrossAwaits_ThreadPoolWork_AndChildTasks()
    {
        var workflow = new ThroughlineWorkflow();
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue };

        ThroughlineWorkflow.ThroughlineWorkflowRun run;
        using (Throughline.Push("order-run"))
        {
            run = await workflow.RunAsync(runner).WaitAsync(Guard);
            Assert.Equal(new[] { "order-run" }, Throughline.Chain);
        }

        Assert.Empty(Throughline.Chain);
        Assert.Equal("order-run > Fetch", workflow.Chains["Fetch"]);
        Assert.Equal("order-run > Crunch", workflow.Chains["Crunch"]);
        Assert.Equal("order-run > Crunch", workflow.Chains["Crunch/Task.Run"]);
        Assert.Equal("order-run > Write", workflow.Chains["Write"]);
        Assert.Equal("order-run > Spawn > child > inner-step", workflow.Chains["child"]);
        Assert.Equal("sum 5", run.Spawn.Result);
    }

    [Fact]
    public async Task ExceptionsThrownOutOfATask_CarryTheChainOfWhereTheyWereThrown()
    {
        var workflow = new ThroughlineWorkflow();
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue };

        ThroughlineWorkflow.ThroughlineWorkflowRun run;
        using (Throughline.Push("order-run"))
        {
            run = await workflow.RunAsync(runner).WaitAsync(Guard);
        }

        var error = Assert.IsType<InvalidOperationException>(run.Explode.Exception);
        Assert.Equal("order-run > Explode > fetch-prices", error.Data[Throughline.ExceptionDataKey]);
        Assert.Equal(new[] { "order-run", "Explode", "fetch-prices" }, Throughline.ChainOf(error));
    }

    // ---------------------------------------------------------------- synchronous bodies: the frame made on first use

    [Theory]
    [InlineData(Backend.Default, "Throughline.Chain")]
    [InlineData(Backend.Thread, "Throughline.Chain")]
    [InlineData(Backend.Serial, "Throughline.Chain")]
    [InlineData(Backend.Default, "Throughline.Current")]
    [InlineData(Backend.Default, "Submit")]
    [InlineData(Backend.Default, "TaskContext.Current")]
    public async Task SyncBody_ThatAsksForItsFrameFirst_FlowsItIntoTaskRun(Backend backend, string ask)
    {
        await using var runner = new WorkflowRunner();
        var run = runner.CreateRun();

        TaskHandle<(string? Own, string Chain, string? Task)> reader;
        using (Throughline.Push("outer"))
        {
            reader = run.Submit(new TaskOptions { Name = "reader", Backend = backend }, () =>
            {
                var own = ask switch
                {
                    "Throughline.Chain" => string.Join(" > ", Throughline.Chain),
                    "Throughline.Current" => Throughline.Current?.ToString(),
                    "Submit" => run.Submit(new TaskOptions { Detached = true }, static () => 0).Parent?.Name,
                    _ => TaskContext.Current?.TaskName,
                };
                var work = Task.Run(static () => (string.Join(" > ", Throughline.Chain), TaskContext.Current?.TaskName));
                Assert.True(work.Wait(Guard)); // a finite wait never runs the work inline on this thread
                return (own, work.Result.Item1, work.Result.TaskName);
            });
        }

        run.Complete();
        await run.Completion.WaitAsync(Guard);

        var expectedOwn = ask switch
        {
            "Throughline.Chain" or "Throughline.Current" => "outer > reader",
            _ => "reader",
        };
        Assert.Equal((expectedOwn, "outer > reader", "reader"), reader.Result);
    }

    [Theory]
    [InlineData(Backend.Default)]
    [InlineData(Backend.Thread)]
    [InlineData(Backend.Serial)]
    public async Task AlwaysFlowThroughline_SyncBodyThatNeverReadsIt_StillFlowsItsFrameIntoTaskRun(Backend backend)
    {
        await using var runner = new WorkflowRunner { AlwaysFlowThroughline = true };

        var (task, chain) = await TaskRunFromAnUnreadSyncBody(runner, backend);

        Assert.Equal("unread", task);
        Assert.Equal(new[] { "outer", "unread" }, chain);
    }

    /// <summary>
    /// The trade-off of the default (no logger, no listener on the activity source): the frame enters the execution
    /// context only when the body asks for it.
    /// </summary>
    [Theory]
    [InlineData(Backend.Default)]
    [InlineData(Backend.Thread)]
    [InlineData(Backend.Serial)]
    public async Task ByDefault_SyncBodyThatNeverReadsIt_StartsTaskRunWorkWithoutItsFrame(Backend backend)
    {
        await using var runner = new WorkflowRunner();
        Assert.False(runner.AlwaysFlowThroughline);

        var (task, chain) = await TaskRunFromAnUnreadSyncBody(runner, backend);

        Assert.Null(task);
        Assert.Equal(new[] { "outer" }, chain); // the submitter's frames flow; the task's own frame does not
    }

    [Fact]
    public async Task ChildSubmittedFromASyncBody_ThatNeverReadTheThroughline_ContinuesTheParentsChain()
    {
        await using var runner = new WorkflowRunner { MaxWorkers = 4 };
        var run = runner.CreateRun();

        TaskHandle<(TaskHandle<string> Child, TaskHandle<string> ViaRunner)> parent;
        using (Throughline.Push("outer"))
        {
            parent = run.Submit(new TaskOptions { Name = "parent" }, () =>
            {
                var child = run.Submit(new TaskOptions { Name = "child" }, static () => string.Join(" > ", Throughline.Chain));
                var viaRunner = runner.Submit(new TaskOptions { Name = "via-runner", Detached = true }, static _ => string.Join(" > ", Throughline.Chain));
                Assert.True(child.AsTask().Wait(Guard)); // an attached child is cancelled when its parent finishes
                return (child, viaRunner);
            });
        }

        var (child, viaRunner) = await parent.AsTask().WaitAsync(Guard);
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal("outer > parent > child", child.Result);
        Assert.Equal("outer > parent > via-runner", viaRunner.Result);
        Assert.All(new[] { child, viaRunner }, c => Assert.Same(parent, c.Parent));
        Assert.Equal(new[] { parent.Key + "/1", parent.Key + "/2" }, new[] { child.Key, viaRunner.Key });
    }

    [Fact]
    public async Task ExceptionFromASyncBody_ThatNeverReadTheThroughline_CarriesItsChain()
    {
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun();

        var one = run.Submit(static () => 1);
        TaskHandle<int> thrower, onThread, typed, retried;
        using (Throughline.Push("outer"))
        {
            thrower = run.Submit(new TaskOptions { Name = "thrower" }, static () => ThrowDeep<int>("deep"));
            onThread = run.Submit(new TaskOptions { Name = "on-thread", Backend = Backend.Thread }, static () => ThrowDeep<int>("thread"));
            typed = run.Submit(new TaskOptions { Name = "typed" }, one, static x => ThrowDeep<int>("typed " + x));
            retried = run.Submit(new TaskOptions { Name = "retried", MaxAttempts = 2, Backoff = Backoff.None }, static () => ThrowDeep<int>("again"));
        }

        run.Complete();
        await run.Completion.WaitAsync(Guard);

        var error = Assert.IsType<InvalidOperationException>(thrower.Exception);
        Assert.Equal(new[] { "outer", "thrower" }, Throughline.ChainOf(error));
        Assert.Equal("outer > thrower", error.Data[Throughline.ExceptionDataKey]);
        Assert.Equal(new[] { "outer", "on-thread" }, Throughline.ChainOf(onThread.Exception!));
        Assert.Equal(new[] { "outer", "typed" }, Throughline.ChainOf(typed.Exception!));
        var exhausted = Assert.IsType<RetriesExhaustedException>(retried.Exception);
        Assert.Equal(new[] { "outer", "retried" }, Throughline.ChainOf(exhausted));
        Assert.Empty(Throughline.Chain);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SyncBody_KeepsItsFrame_AfterAnAsyncHelperReadIt(bool alwaysFlow)
    {
        await using var runner = new WorkflowRunner { AlwaysFlowThroughline = alwaysFlow };
        var run = runner.CreateRun();

        var body = run.Submit(new TaskOptions { Name = "body" }, () =>
        {
            var inHelper = ChainAsync().GetAwaiter().GetResult();
            var after = string.Join(" > ", Throughline.Chain);
            var child = run.Submit(new TaskOptions { Name = "child", Detached = true }, static () => 0);
            return (inHelper, after, TaskContext.Current?.TaskName, child.Parent?.Name);
        });
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal(("body", "body", (string?)"body", (string?)"body"), body.Result);

        static async Task<string> ChainAsync()
        {
            var chain = string.Join(" > ", Throughline.Chain); // the synchronous part runs in its own scope
            await Task.Yield();
            return chain;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ContinuationRunningInlineOnASyncBodysThread_SeesItsOwnTask(bool alwaysFlow)
    {
        await using var runner = new WorkflowRunner { AlwaysFlowThroughline = alwaysFlow };
        var run = runner.CreateRun();
        var signal = new TaskCompletionSource(); // continuations run inline on the thread that completes it
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var waiter = run.Submit(new TaskOptions { Name = "waiter" }, async () =>
        {
            waiting.SetResult();
            await signal.Task;
            return (TaskContext.Current?.TaskName, string.Join(" > ", Throughline.Chain));
        });
        await waiting.Task.WaitAsync(Guard);
        await Task.Delay(50); // let the waiter reach its await
        var completer = run.Submit(new TaskOptions { Name = "completer" }, () =>
        {
            signal.SetResult();
            return (TaskContext.Current?.TaskName, string.Join(" > ", Throughline.Chain));
        });
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal(((string?)"waiter", "waiter"), waiter.Result);
        Assert.Equal(((string?)"completer", "completer"), completer.Result);
    }

    /// <summary>Runs a synchronous body that starts <c>Task.Run</c> without reading the throughline; returns what the work saw.</summary>
    private static async Task<(string? Task, IReadOnlyList<string> Chain)> TaskRunFromAnUnreadSyncBody(WorkflowRunner runner, Backend backend)
    {
        var run = runner.CreateRun();
        TaskHandle<(string?, IReadOnlyList<string>)> unread;
        using (Throughline.Push("outer"))
        {
            unread = run.Submit(new TaskOptions { Name = "unread", Backend = backend }, static () =>
            {
                var work = Task.Run(static () => (TaskContext.Current?.TaskName, Throughline.Chain));
                Assert.True(work.Wait(Guard)); // a finite wait never runs the work inline on this thread
                return work.Result;
            });
        }

        run.Complete();
        await run.Completion.WaitAsync(Guard);
        return unread.Result;
    }

    private static T ThrowDeep<T>(string message) => throw new InvalidOperationException(message);

    [Fact]
    public async Task TaskBodies_RunInALoggerScope_WithRunTaskAttemptAndThroughline()
    {
        var logger = new ScopeCapturingLogger();
        var workflow = new ThroughlineWorkflow { Logger = logger };
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue, Logger = logger };

        var run = await workflow.RunAsync(runner).WaitAsync(Guard);

        var entry = Assert.Single(logger.Entries, e => e.Message == "fetching");
        var scope = Assert.Single(entry.Scopes.OfType<IReadOnlyList<KeyValuePair<string, object?>>>());
        var values = scope.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal(run.RunId, values["RunId"]);
        Assert.Equal("Fetch", values["Task"]);
        Assert.Equal(1, values["Attempt"]);
        Assert.Equal("Fetch", values["Throughline"]);
        Assert.Contains($"Run {run.RunId} Task Fetch Attempt 1", scope.ToString());
    }

    [Fact]
    public async Task Activities_OnePerRun_AChildPerAttempt_WithTags_AndContextFlowingIntoBodies()
    {
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == WorkflowyDiagnostics.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun("traced");
        string? currentInBody = null;
        var calls = 0;
        var flaky = run.Submit(new TaskOptions { Name = "flaky", Retries = 1, Backoff = Backoff.None }, _ =>
        {
            currentInBody = Activity.Current?.DisplayName;
            return ++calls == 1 ? throw new TimeoutException("first try") : 1;
        });
        var after = run.Submit(new TaskOptions { Name = "after" }, _ => flaky.Result + 1, flaky);
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        var mine = activities.Where(a => (string?)a.GetTagItem(WorkflowyDiagnostics.RunTag) == run.RunId).ToList();
        var runActivity = Assert.Single(mine, a => a.DisplayName == "run traced");
        var attempts = mine.Where(a => a != runActivity).ToList();
        Assert.Equal(3, attempts.Count);
        Assert.All(attempts, a => Assert.Equal(runActivity.SpanId, a.ParentSpanId));
        Assert.All(attempts, a => Assert.Equal(runActivity.TraceId, a.TraceId));
        var flakyAttempts = attempts.Where(a => a.DisplayName == "flaky").OrderBy(a => (int)a.GetTagItem(WorkflowyDiagnostics.AttemptTag)!).ToList();
        Assert.Equal(new object?[] { "retrying", "completed" }, flakyAttempts.Select(a => a.GetTagItem(WorkflowyDiagnostics.OutcomeTag)));
        Assert.Equal(ActivityStatusCode.Error, flakyAttempts[0].Status);
        Assert.Equal("async", flakyAttempts[0].GetTagItem(WorkflowyDiagnostics.BackendTag));
        Assert.Equal("traced", flakyAttempts[0].GetTagItem(WorkflowyDiagnostics.WorkflowTag));
        Assert.Equal("completed", runActivity.GetTagItem(WorkflowyDiagnostics.OutcomeTag));
        Assert.Equal("flaky", currentInBody);
        Assert.Equal(2, after.Result);
    }

    [Fact]
    public async Task Metrics_HaveTheDocumentedNames_AndCountWhatHappened()
    {
        var measurements = new ConcurrentQueue<(string Instrument, double Value, string? Workflow)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == WorkflowyDiagnostics.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? workflow = null;
            foreach (var tag in tags)
            {
                if (tag.Key == WorkflowyDiagnostics.WorkflowTag)
                {
                    workflow = tag.Value as string;
                }
            }

            measurements.Enqueue((instrument.Name, value, workflow));
        }

        listener.SetMeasurementEventCallback<long>((i, v, t, _) => Record(i, v, t));
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => Record(i, v, t));
        listener.Start();

        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue };
        var name = "metered-" + Guid.NewGuid().ToString("N");
        var run = runner.CreateRun(name);
        var calls = 0;
        var flaky = run.Submit(new TaskOptions { Name = "flaky", Retries = 1, Backoff = Backoff.None }, _ => ++calls == 1 ? throw new TimeoutException() : 1);
        var broken = run.Submit(new TaskOptions { Name = "broken" }, _ => throw new InvalidOperationException());
        var cancelled = run.Submit(new TaskOptions { Name = "cancelled" }, _ => 1, broken);
        cancelled.Cancel();
        run.Complete();
        await run.Completion.WaitAsync(Guard);
        listener.RecordObservableInstruments();

        var mine = measurements.Where(m => m.Workflow == name).ToList();
        double Sum(string instrument) => mine.Where(m => m.Instrument == instrument).Sum(m => m.Value);
        Assert.Equal(3, Sum("workflowy.tasks.started")); // flaky twice, broken once
        Assert.Equal(1, Sum("workflowy.tasks.completed"));
        Assert.Equal(1, Sum("workflowy.tasks.failed"));
        Assert.Equal(1, Sum("workflowy.tasks.retried"));
        Assert.Equal(1, Sum("workflowy.tasks.cancelled"));
        Assert.Equal(3, mine.Count(m => m.Instrument == "workflowy.task.duration"));
        Assert.Contains(mine, m => m.Instrument == "workflowy.task.queue_wait");
        Assert.Contains(measurements, m => m.Instrument == "workflowy.ready_queue.depth");
        Assert.Equal(1, flaky.Result);
    }

    [Fact]
    public async Task Progress_Aggregates_DoneOverTotal_AndPerTaskFractions()
    {
        await using var runner = new WorkflowRunner();
        var run = runner.CreateRun();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var done = run.Submit(_ => 1);
        await done.AsTask().WaitAsync(Guard);
        var busy = run.Submit(new TaskOptions { Name = "busy" }, async ctx =>
        {
            ctx.ReportProgress(0.5, "halfway");
            reported.SetResult();
            await gate.Task;
            return 2;
        });
        await reported.Task.WaitAsync(Guard);

        var progress = run.GetProgress();

        Assert.Equal(1, progress.Done);
        Assert.Equal(2, progress.Total);
        Assert.Equal(0.75, progress.Fraction, 3);
        Assert.Equal(new RunProgress.TaskProgress("busy", TaskState.Running, 0.5, "halfway"), progress.Tasks[1]);
        gate.SetResult();
        run.Complete();
        await run.Completion.WaitAsync(Guard);
        Assert.Equal(1.0, run.GetProgress().Fraction);
        Assert.Equal(2, busy.Result);
    }

    [Fact]
    public void GeneratedDot_IsTheGraphAsGraphviz()
    {
        Assert.Equal(
            "digraph \"DiamondWorkflow\" {\n    node [shape=box];\n    t0 [label=\"Source\"];\n    t1 [label=\"Left\"];\n    t2 [label=\"Right\"];\n    t3 [label=\"Join\"];\n    t0 -> t1;\n    t0 -> t2;\n    t1 -> t3;\n    t2 -> t3;\n}\n",
            DiamondWorkflow.DiamondWorkflowRun.Dot);
    }

    [Fact]
    public void GeneratedDot_IsWhatTheRendererWritesForTheGraph()
    {
        Assert.Equal(DiamondWorkflow.DiamondWorkflowRun.Dot, WorkflowRenderer.ToDot(DiamondWorkflow.DiamondWorkflowRun.Definition));
        Assert.Equal(ShapesWorkflow.ShapesWorkflowRun.Dot, WorkflowRenderer.ToDot(ShapesWorkflow.ShapesWorkflowRun.Definition));
        Assert.Equal(PolicyWorkflow.PolicyWorkflowRun.Dot, WorkflowRenderer.ToDot(PolicyWorkflow.PolicyWorkflowRun.Definition));
    }

    /// <summary>A logger that records the scopes active at each entry, as a scope-aware provider would.</summary>
    private sealed class ScopeCapturingLogger : ILogger
    {
        private readonly LoggerExternalScopeProvider _scopes = new();

        public ConcurrentQueue<(string Message, List<object?> Scopes)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => _scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scopes = new List<object?>();
            _scopes.ForEachScope((scope, list) => list.Add(scope), scopes);
            Entries.Enqueue((formatter(state, exception), scopes));
        }
    }
}
