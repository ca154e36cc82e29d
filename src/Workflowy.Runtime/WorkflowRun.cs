using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// One run of a workflow graph. The generator derives a typed run class from it per workflow
/// (<c>MyWorkflowRun</c>) with one <see cref="TaskHandle{T}"/> property per task.
/// </summary>
/// <remarks>
/// Scheduling: an in-degree counter per task, a <see cref="Channel{T}"/> of ready task indices and
/// <see cref="WorkflowRunner.MaxWorkers"/> worker loops. A worker that finishes a task runs the first dependent
/// it readied inline and queues the others. Bodies that return an incomplete task do not hold a worker: the task
/// finishes from the awaited continuation.
/// </remarks>
public abstract class WorkflowRun
{
    private const int RunActive = 0;
    private const int RunEnded = 1;

    private readonly TaskHandle[] _handles;
    private readonly int[] _pendingDependencies;
    private readonly CancellationTokenSource _cancellation = new();
    private Channel<int>? _ready;
    private CancellationTokenRegistration _callerRegistration;
    private CancellationToken _callerToken;
    private int _terminalCount;
    private int _inFlight;
    private int _ended;
    private int _started;
    private volatile bool _aborting;
    private Exception? _failure;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates a run of <paramref name="graph"/>; called by generated code.</summary>
    protected WorkflowRun(WorkflowGraph graph, WorkflowRunner? runner)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Graph = graph;
        Runner = runner ?? WorkflowRunner.Default;
        RunId = Guid.NewGuid().ToString("N");
        _handles = new TaskHandle[graph.Count];
        _pendingDependencies = new int[graph.Count];
        for (var i = 0; i < _pendingDependencies.Length; i++)
        {
            _pendingDependencies[i] = graph.Tasks[i].DependenciesArray.Length;
        }
    }

    /// <summary>The graph this run executes.</summary>
    public WorkflowGraph Graph { get; }

    /// <summary>The runner whose options this run uses.</summary>
    public WorkflowRunner Runner { get; }

    /// <summary>This run's id.</summary>
    public string RunId { get; }

    /// <summary>Every task handle, by graph index.</summary>
    public IReadOnlyList<TaskHandle> Tasks => _handles;

    /// <summary>
    /// Ends when the run is over: every task terminal, or (under <see cref="ErrorPolicy.Raise"/>) the in-flight
    /// tasks finished after the first failure, which it then throws. Cancelled when the run's token was cancelled.
    /// </summary>
    public Task Completion => _completion.Task;

    /// <summary>The failure that ended the run early, if any.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Whether the run is over (see <see cref="Completion"/>).</summary>
    public bool HasEnded => Volatile.Read(ref _ended) == RunEnded;

    /// <summary>Cancels every task of the run that is not terminal. Tasks not started never run.</summary>
    public void Cancel()
    {
        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run has ended.
        }
    }

    /// <summary>Awaits the run, as <see cref="Completion"/>.</summary>
    public TaskAwaiter GetAwaiter() => Completion.GetAwaiter();

    /// <inheritdoc />
    public override string ToString() => $"{Graph.Name} run {RunId}";

    /// <summary>Runs the task at <paramref name="index"/>; generated per workflow.</summary>
    /// <param name="index">The task's graph index.</param>
    /// <param name="cancellationToken">The task's token (default when the body takes none).</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected abstract ValueTask ExecuteAsync(int index, CancellationToken cancellationToken);

    /// <summary>Whether the body of task <paramref name="index"/> takes a token or a <see cref="TaskContext"/>; generated.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected abstract bool ObservesCancellation(int index);

    /// <summary>Creates the handle of the void task at <paramref name="index"/>; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected TaskHandle CreateHandle(int index) => _handles[index] = new TaskHandle(this, index);

    /// <summary>Creates the handle of the task at <paramref name="index"/>; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected TaskHandle<T> CreateHandle<T>(int index)
    {
        var handle = new TaskHandle<T>(this, index);
        _handles[index] = handle;
        return handle;
    }

    /// <summary>The stored result of a dependency (default if it has none); called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static T ResultOf<T>(TaskHandle<T> handle) => handle.ResultValue;

    /// <summary>Stores a synchronous result; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static ValueTask Store<T>(TaskHandle<T> handle, T value)
    {
        handle.ResultValue = value;
        return default;
    }

    /// <summary>Stores the result of a <see cref="Task{T}"/>; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static ValueTask Store<T>(TaskHandle<T> handle, Task<T> task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.IsCompletedSuccessfully)
        {
            handle.ResultValue = task.Result;
            return default;
        }

        return StoreSlow(handle, task);

        static async ValueTask StoreSlow(TaskHandle<T> handle, Task<T> task) =>
            handle.ResultValue = await task.ConfigureAwait(false);
    }

    /// <summary>Stores the result of a <see cref="ValueTask{T}"/>; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static ValueTask Store<T>(TaskHandle<T> handle, ValueTask<T> task)
    {
        if (task.IsCompletedSuccessfully)
        {
            handle.ResultValue = task.Result;
            return default;
        }

        return StoreSlow(handle, task);

        static async ValueTask StoreSlow(TaskHandle<T> handle, ValueTask<T> task) =>
            handle.ResultValue = await task.ConfigureAwait(false);
    }

    /// <summary>Adapts a body returning <see cref="Task"/>; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static ValueTask Await(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new ValueTask(task);
    }

    /// <summary>Creates the <see cref="TaskContext"/> passed to a task body; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected TaskContext CreateContext(int index, CancellationToken cancellationToken) =>
        new(Graph.Tasks[index].Name, RunId, _handles[index].Attempts, cancellationToken);

    /// <summary>Starts the run; called by generated code once the handles exist.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected void Begin(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException($"{this} has already started.");
        }

        for (var i = 0; i < _handles.Length; i++)
        {
            if (_handles[i] is null)
            {
                throw new InvalidOperationException($"{this}: task '{Graph.Tasks[i].Name}' has no handle.");
            }
        }

        Runner.OnRunStarted(this);
        if (_handles.Length == 0)
        {
            EndRun();
            return;
        }

        _ready = Channel.CreateUnbounded<int>(new UnboundedChannelOptions
        {
            SingleReader = false,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });

        if (cancellationToken.CanBeCanceled)
        {
            _callerToken = cancellationToken;
            _callerRegistration = cancellationToken.UnsafeRegister(static state => ((WorkflowRun)state!).Cancel(), this);
        }

        _cancellation.Token.UnsafeRegister(static state => ((WorkflowRun)state!).CancelNotStarted(), this);

        foreach (var index in Graph.TopologicalOrder)
        {
            if (_pendingDependencies[index] == 0 && _handles[index].TryTransition(TaskState.Pending, TaskState.Ready))
            {
                _ready.Writer.TryWrite(index);
            }
        }

        var workers = Math.Min(Runner.MaxWorkers, _handles.Length);
        for (var i = 0; i < workers; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static run => _ = run.WorkerLoopAsync(), this, preferLocal: false);
        }
    }

    /// <summary>Awaits <paramref name="run"/> and returns it; used by the generated <c>RunAsync</c>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static async Task<TRun> WhenEnded<TRun>(TRun run)
        where TRun : WorkflowRun
    {
        ArgumentNullException.ThrowIfNull(run);
        await run.Completion.ConfigureAwait(false);
        return run;
    }

    internal void OnCancelledBeforeStart(TaskHandle handle)
    {
        handle.SignalCompletion();
        var next = Propagate(handle, TaskState.Cancelled);
        OnTerminal();
        if (next >= 0)
        {
            Enqueue(next);
        }
    }

    private async Task WorkerLoopAsync()
    {
        var reader = _ready!.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var index))
                {
                    Process(index);
                }
            }
        }
        catch (Exception ex)
        {
            // Process never throws; if the engine itself breaks, end the run with the error rather than hang.
            Abort(ex);
        }
    }

    private void Process(int index)
    {
        while (index >= 0)
        {
            var handle = _handles[index];

            // Every step holds an in-flight count while it touches task state, so that an aborted run ends
            // only once no worker is between reading a task and deciding its fate.
            Interlocked.Increment(ref _inFlight);
            if (_aborting)
            {
                // The run ends after a failure: tasks that never started stay Pending.
                handle.TryTransition(TaskState.Ready, TaskState.Pending);
                LeaveInFlight();
                return;
            }

            if (handle.HasIncompleteDependency)
            {
                index = FailForDependencies(handle);
                LeaveInFlight();
                continue;
            }

            if (!handle.TryTransition(TaskState.Ready, TaskState.Running))
            {
                // Cancelled while queued.
                LeaveInFlight();
                return;
            }

            if (_cancellation.IsCancellationRequested)
            {
                handle.SetTerminal(TaskState.Cancelled, new OperationCanceledException(_cancellation.Token));
                index = Propagate(handle, TaskState.Cancelled);
                LeaveInFlight();
                OnTerminal();
                continue;
            }

            handle.BeginAttempt();
            var token = ObservesCancellation(index) ? handle.CreateAttemptToken(_cancellation.Token) : default;
            ValueTask body;
            try
            {
                body = ExecuteAsync(index, token);
            }
            catch (Exception ex)
            {
                body = ValueTask.FromException(ex);
            }

            if (!body.IsCompleted)
            {
                FinishLater(handle, body);
                return;
            }

            index = Finish(handle, body);
        }
    }

    private void FinishLater(TaskHandle handle, ValueTask body)
    {
        var awaiter = body.ConfigureAwait(false).GetAwaiter();
        awaiter.UnsafeOnCompleted(() =>
        {
            var next = Finish(handle, body);
            if (next >= 0)
            {
                Enqueue(next);
            }
        });
    }

    /// <summary>Records the end of an attempt and readies dependents; returns one readied dependent to run inline, or -1.</summary>
    private int Finish(TaskHandle handle, ValueTask body)
    {
        Exception? error = null;
        try
        {
            body.GetAwaiter().GetResult();
        }
        catch (Exception ex)
        {
            error = ex;
        }

        TaskState state;
        if (error is null)
        {
            state = TaskState.Completed;
        }
        else if (error is OperationCanceledException && (handle.AttemptWasCancelled || _cancellation.IsCancellationRequested))
        {
            state = TaskState.Cancelled;
        }
        else
        {
            state = TaskState.Failed;
        }

        handle.EndAttempt();
        handle.SetTerminal(state, error);
        if (state == TaskState.Failed)
        {
            Abort(error!);
        }

        var next = Propagate(handle, state);
        LeaveInFlight();
        OnTerminal();
        return next;
    }

    private int FailForDependencies(TaskHandle handle)
    {
        if (!handle.TryTransition(TaskState.Ready, TaskState.Failed))
        {
            return -1;
        }

        var failed = new List<string>();
        foreach (var d in Graph.Tasks[handle.Index].DependenciesArray)
        {
            if (_handles[d].State != TaskState.Completed)
            {
                failed.Add(Graph.Tasks[d].Name);
            }
        }

        handle.SetTerminal(TaskState.Failed, new DependencyFailedException(handle.Name, RunId, failed));
        var next = Propagate(handle, TaskState.Failed);
        OnTerminal();
        return next;
    }

    /// <summary>Decrements the dependents' counters; queues every readied dependent but the first, which it returns.</summary>
    private int Propagate(TaskHandle handle, TaskState state)
    {
        var inline = -1;
        foreach (var dependent in Graph.Tasks[handle.Index].DependentsArray)
        {
            if (state != TaskState.Completed)
            {
                _handles[dependent].HasIncompleteDependency = true;
            }

            if (Interlocked.Decrement(ref _pendingDependencies[dependent]) != 0 || _aborting)
            {
                continue;
            }

            if (!_handles[dependent].TryTransition(TaskState.Pending, TaskState.Ready))
            {
                continue;
            }

            if (inline < 0)
            {
                inline = dependent;
            }
            else
            {
                Enqueue(dependent);
            }
        }

        return inline;
    }

    private void Enqueue(int index)
    {
        if (!_ready!.Writer.TryWrite(index))
        {
            // The run ended (aborted) before this task could start: it never ran.
            _handles[index].TryTransition(TaskState.Ready, TaskState.Pending);
        }
    }

    private void CancelNotStarted()
    {
        foreach (var handle in _handles)
        {
            while (true)
            {
                var state = handle.State;
                if (state is not (TaskState.Pending or TaskState.Ready))
                {
                    break;
                }

                if (_aborting)
                {
                    // After a failure, tasks that never started stay Pending (queued ones are un-queued).
                    handle.TryTransition(TaskState.Ready, TaskState.Pending);
                    break;
                }

                if (handle.TryTransition(state, TaskState.Cancelled))
                {
                    handle.SetTerminal(TaskState.Cancelled, new OperationCanceledException(_cancellation.Token));
                    OnTerminal();
                    break;
                }
            }
        }
    }

    private void Abort(Exception failure)
    {
        if (Interlocked.CompareExchange(ref _failure, failure, null) is not null)
        {
            return;
        }

        _aborting = true;
        Interlocked.MemoryBarrier();
        Cancel();
        if (Volatile.Read(ref _inFlight) == 0)
        {
            EndRun();
        }
    }

    private void LeaveInFlight()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _aborting)
        {
            EndRun();
        }
    }

    private void OnTerminal()
    {
        if (Interlocked.Increment(ref _terminalCount) == _handles.Length)
        {
            EndRun();
        }
    }

    private void EndRun()
    {
        if (Interlocked.Exchange(ref _ended, RunEnded) == RunEnded)
        {
            return;
        }

        _ready?.Writer.TryComplete();
        _callerRegistration.Dispose();
        foreach (var handle in _handles)
        {
            handle.SignalCompletion();
        }

        Runner.OnRunEnded(this);
        var failure = Failure;
        if (failure is not null)
        {
            _completion.TrySetException(failure);
        }
        else if (_callerToken.IsCancellationRequested && AnyCancelled())
        {
            _completion.TrySetCanceled(_callerToken);
        }
        else if (_cancellation.IsCancellationRequested && AnyCancelled())
        {
            _completion.TrySetCanceled(_cancellation.Token);
        }
        else
        {
            _completion.TrySetResult();
        }
    }

    private bool AnyCancelled()
    {
        foreach (var handle in _handles)
        {
            if (handle.State == TaskState.Cancelled)
            {
                return true;
            }
        }

        return false;
    }
}
