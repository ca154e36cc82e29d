using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Workflowy.Tests.Infrastructure;

namespace Workflowy.Tests;

/// <summary>
/// The runtime's seams (executors per runner, the worker limit across runs, custom executors) and the defects found
/// trying it (issue 11): each of these failed before the runtime was split into its parts.
/// </summary>
public class RuntimePartsTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    // ---------------------------------------------------------------- defect 1: Thread bodies and the thread pool

    [Fact]
    public async Task ThreadBackend_RunsMaxWorkersBlockingBodiesAtOnce_WithoutWaitingForThePoolToGrow()
    {
        // Sixteen blocking bodies that can only finish when all sixteen run at the same time: on thread-pool workers
        // they ran 3-4 at a time on this machine kind (the pool grows slowly) and this barrier timed out.
        const int count = 16;
        await using var runner = new WorkflowRunner { MaxWorkers = count };
        using var barrier = new Barrier(count);
        var run = runner.CreateRun("blocking");
        var handles = new List<TaskHandle<bool>>();
        for (var i = 0; i < count; i++)
        {
            handles.Add(run.Submit(new TaskOptions { Backend = Backend.Thread }, () =>
            {
                var together = barrier.SignalAndWait(TimeSpan.FromSeconds(10));
                return together && !Thread.CurrentThread.IsThreadPoolThread;
            }));
        }

        await run.CompleteAsync().WaitAsync(Guard);
        Assert.All(handles, h => Assert.True(h.Result, "every Thread body ran on a dedicated thread, all sixteen at once"));
    }

    // ---------------------------------------------------------------- MaxWorkers is per runner, not per run

    [Fact]
    public async Task MaxWorkers_BoundsEveryRunOfTheRunnerTogether()
    {
        await using var runner = new WorkflowRunner { MaxWorkers = 1 };
        var running = 0;
        var most = 0;
        int Body()
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            Thread.Sleep(2);
            Interlocked.Decrement(ref running);
            return now;
        }

        var runs = new[] { runner.CreateRun("a", startNow: false), runner.CreateRun("b", startNow: false), runner.CreateRun("c", startNow: false) };
        foreach (var run in runs)
        {
            for (var i = 0; i < 20; i++)
            {
                _ = run.Submit(Body);
            }
        }

        await Task.WhenAll(runs.Select(r => Task.Run(r.CompleteAsync))).WaitAsync(Guard);
        Assert.All(runs, r => Assert.All(r.Tasks, t => Assert.Equal(TaskState.Completed, t.State)));
        Assert.Equal(1, most);
    }

    [Fact]
    public async Task MaxWorkers_AlsoBoundsGraphRunsStartedTogether()
    {
        await using var runner = new WorkflowRunner { MaxWorkers = 1 };
        var workflows = Enumerable.Range(0, 4).Select(_ => new Workflows.DiamondWorkflow()).ToArray();
        var started = workflows.Select(w => w.Start(seed: 1, suffix: "x", runner: runner)).ToArray();
        await Task.WhenAll(started.Select(r => r.Completion)).WaitAsync(Guard);
        Assert.All(started, r => Assert.Equal("left:10|right:11|x", r.Join.Result));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    // ---------------------------------------------------------------- the executor seam

    [Fact]
    public async Task ACustomExecutor_RunsTheTasksOfItsBackend_OnItsOwnThread()
    {
        var executor = new OwnThreadExecutor();
        await using var runner = new WorkflowRunner { Executors = new Dictionary<Backend, TaskExecutor> { [Backend.Serial] = executor } };
        Assert.Same(executor, runner.GetExecutor(Backend.Serial));
        Assert.Same(executor, runner.Executors[Backend.Serial]);
        Assert.NotNull(runner.Executors[Backend.Async]);

        var run = runner.CreateRun("custom");
        var first = run.Submit(new TaskOptions { Backend = Backend.Serial }, () => Thread.CurrentThread.Name);
        var second = run.Submit(first, static name => name + "!");
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.Equal("own executor", first.Result);
        Assert.Equal("own executor!", second.Result);
        Assert.Equal(1, executor.Posted);
        executor.Dispose();
    }

    [Fact]
    public async Task ATaskAnExecutorRefuses_EndsCancelled_AndItsDependentsSeeIt()
    {
        await using var runner = new WorkflowRunner
        {
            ErrorPolicy = ErrorPolicy.Continue,
            Executors = new Dictionary<Backend, TaskExecutor> { [Backend.Serial] = new RefusingExecutor() },
        };
        var run = runner.CreateRun("refused");
        var refused = run.Submit(new TaskOptions { Backend = Backend.Serial }, () => 1);
        var dependent = run.Submit(refused, static x => x + 1);
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.Equal(TaskState.Cancelled, refused.State);
        Assert.Equal(0, refused.Attempts);
        Assert.Equal(TaskState.Failed, dependent.State);
        Assert.IsType<DependencyFailedException>(dependent.Exception);
    }

    [Fact]
    public void TheExecutorTable_RefusesDefault_AndAnUnknownBackend()
    {
        var runner = new WorkflowRunner();
        Assert.Throws<ArgumentException>(() => runner.GetExecutor(Backend.Default));
        Assert.Throws<ArgumentException>(() => runner.GetExecutor((Backend)42));
        Assert.Throws<ArgumentException>(() => new WorkflowRunner { Executors = new Dictionary<Backend, TaskExecutor> { [Backend.Default] = new RefusingExecutor() } });
    }

    [Fact]
    public async Task ABackendBeyondTheFirstFour_ReadsBackAsItself()
    {
        // The backend is kept in a whole byte of the handle: a backend added later cannot read back as another one.
        const Backend process = (Backend)9;
        var executor = new OwnThreadExecutor();
        await using var runner = new WorkflowRunner { Executors = new Dictionary<Backend, TaskExecutor> { [process] = executor } };
        var run = runner.CreateRun("ninth");
        var task = run.Submit(new TaskOptions { Backend = process }, () => 9);
        await run.CompleteAsync().WaitAsync(Guard);
        Assert.Equal(process, task.Backend);
        Assert.Equal(9, task.Result);
        Assert.Equal(1, executor.Posted);
        executor.Dispose();
    }

    private sealed class OwnThreadExecutor : TaskExecutor, IDisposable
    {
        private readonly BlockingCollection<ReadyTask> _queue = new();
        private int _posted;

        public OwnThreadExecutor() => new Thread(() =>
        {
            foreach (var task in _queue.GetConsumingEnumerable())
            {
                task.Execute();
            }
        }) { IsBackground = true, Name = "own executor" }.Start();

        public int Posted => Volatile.Read(ref _posted);

        public override void Post(ReadyTask task)
        {
            Interlocked.Increment(ref _posted);
            _queue.Add(task);
        }

        public void Dispose() => _queue.CompleteAdding();
    }

    private sealed class RefusingExecutor : TaskExecutor
    {
        public override void Post(ReadyTask task) => task.Refuse();
    }

    // ---------------------------------------------------------------- defect 2: a result the serializer refuses

    [Fact]
    public async Task AnAsyncResultTheSerializerRefuses_IsCompletedWithoutAStoredResult_AndTheRunGoesOn()
    {
        var store = new InMemoryWorkflowStore();
        var logger = new ListLogger();
        await using var runner = new WorkflowRunner { Store = store, SerializerContext = PartsJson.Default, Logger = logger };
        var run = runner.CreateRun("nan");
        var nan = run.Submit(async () =>
        {
            await Task.Yield();
            return double.NaN;
        });
        var dependent = run.Submit(nan, static x => double.IsNaN(x) ? 1.0 : 0.0);
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.Equal(TaskState.Completed, nan.State);
        Assert.Equal(1.0, dependent.Result);
        var checkpoint = await store.LoadAsync(run.WorkflowKey, run.RunId);
        var record = Assert.Single(checkpoint!.Tasks, t => t.Key == nan.Key);
        Assert.Equal(TaskState.Completed, record.State);
        Assert.Null(record.ResultJson);
        Assert.Contains(logger.Entries, e => e.Id.Id == 7 && e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task ASynchronousResultTheSerializerRefuses_UnderContinue_LeavesTheRunCompleted()
    {
        var store = new InMemoryWorkflowStore();
        await using var runner = new WorkflowRunner { Store = store, SerializerContext = PartsJson.Default, ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun("nan-sync");
        var nan = run.Submit(static () => double.NaN);
        var dependent = run.Submit(nan, static x => x + 1);
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.True(run.Completion.IsCompletedSuccessfully);
        Assert.Equal(TaskState.Completed, nan.State);
        Assert.Equal(TaskState.Completed, dependent.State);
    }

    // ---------------------------------------------------------------- defect 4: runner.Submit under Raise

    [Fact]
    public async Task RunnerSubmit_UnderRaise_RaisesAFailureToItsAwaiter_AndQueuedWorkStillRuns()
    {
        await using var runner = new WorkflowRunner { MaxWorkers = 1, ErrorPolicy = ErrorPolicy.Raise };
        var failing = runner.Submit(new Func<TaskContext, int>(_ => throw new InvalidOperationException("boom")));
        var queued = runner.Submit<int>(_ => 42);
        var later = runner.Submit<int>(_ => 43);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await failing.AsTask().WaitAsync(Guard));
        Assert.Equal("boom", error.Message);
        Assert.Equal(42, await queued.AsTask().WaitAsync(Guard));
        Assert.Equal(43, await later.AsTask().WaitAsync(Guard));
        Assert.Equal(44, await runner.Submit<int>(_ => 44).AsTask().WaitAsync(Guard));
    }

    // ---------------------------------------------------------------- defect 7: when the next attempt is due

    [Fact]
    public async Task ARetryingTask_SaysWhenItsNextAttemptIsDue()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        await using var runner = new WorkflowRunner { TimeProvider = time, ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun("retry");
        var seen = new ConcurrentQueue<TaskStateChangedEventArgs>();
        var retrying = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        run.TaskStateChanged += (_, e) =>
        {
            seen.Enqueue(e);
            if (e.NewState == TaskState.Retrying)
            {
                retrying.TrySetResult();
            }
        };

        var attempts = 0;
        var task = run.Submit(new TaskOptions { MaxAttempts = 2, Backoff = Backoff.Linear, BackoffBase = TimeSpan.FromSeconds(5) }, () =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                throw new InvalidOperationException("first");
            }

            return 2;
        });

        await retrying.Task.WaitAsync(Guard);
        var due = time.GetUtcNow() + TimeSpan.FromSeconds(5);
        Assert.Equal(TaskState.Retrying, task.State);
        Assert.Equal(due, task.NextAttemptAt);
        Assert.Equal(due, Assert.Single(seen, e => e.NewState == TaskState.Retrying).NextAttemptAt);

        time.Advance(TimeSpan.FromSeconds(5));
        await run.CompleteAsync().WaitAsync(Guard);
        Assert.Equal(2, task.Result);
        Assert.Null(task.NextAttemptAt);
        Assert.All(seen.Where(e => e.NewState != TaskState.Retrying), e => Assert.Null(e.NextAttemptAt));
    }

    // ---------------------------------------------------------------- defect 8: progress agrees with itself

    [Fact]
    public async Task Progress_IsOneOnceCompleted_AndTheRunnerSeesAGraphRunsFirstReport()
    {
        await using var runner = new WorkflowRunner();
        var reports = new ConcurrentQueue<(string Task, double Fraction)>();
        runner.ProgressChanged += (sender, e) =>
        {
            Assert.IsAssignableFrom<WorkflowRun>(sender);
            reports.Enqueue((e.Task.Name, e.Fraction));
        };

        var run = await new Workflows.ProgressWorkflow().RunAsync(runner).WaitAsync(Guard);
        Assert.Equal(("Report", 0.25), reports.First());
        Assert.Equal(1.0, run.Report.Progress);
        Assert.Equal(1.0, run.GetProgress().Fraction);
        Assert.All(run.GetProgress().Tasks, t => Assert.Equal(1.0, t.Fraction));
    }

    // ---------------------------------------------------------------- defect 9: no process-wide first-chance handler

    [Fact]
    public async Task ExceptionsThrownOutsideTasks_AreNotTagged_EvenInsideAThroughline()
    {
        // A task runs first, so that the runtime has had every chance to install a first-chance handler.
        await using var runner = new WorkflowRunner();
        await runner.Submit<int>(_ => Throughline.Chain.Count).AsTask().WaitAsync(Guard);

        using (Throughline.Push("host-code"))
        {
            var error = Assert.Throws<InvalidOperationException>(() => ThrowHere());
            Assert.Null(Throughline.ChainOf(error));
        }

        static void ThrowHere() => throw new InvalidOperationException("not a task's");
    }
}

[JsonSerializable(typeof(double))]
internal sealed partial class PartsJson : JsonSerializerContext
{
}
