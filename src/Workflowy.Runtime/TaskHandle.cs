using System;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// One task of one run: its state, attempts and error, awaitable until it is terminal.
/// Tasks with a result get a <see cref="TaskHandle{T}"/>.
/// </summary>
public class TaskHandle
{
    private int _state;
    private int _attempts;
    private Exception? _exception;
    private object? _completionSource;
    private CancellationTokenSource? _attemptCancellation;
    private int _cancelRequested;
    internal volatile bool HasIncompleteDependency;

    internal TaskHandle(WorkflowRun run, int index)
    {
        Run = run;
        Index = index;
    }

    /// <summary>The run this task belongs to.</summary>
    public WorkflowRun Run { get; }

    /// <summary>The task's index in its workflow graph.</summary>
    public int Index { get; }

    /// <summary>The task's name.</summary>
    public string Name => Run.Graph.Tasks[Index].Name;

    /// <summary>The current state.</summary>
    public TaskState State => (TaskState)Volatile.Read(ref _state);

    /// <summary>How many times the body was started.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>Why the task failed or was cancelled; null while it runs or when it completed.</summary>
    public Exception? Exception => Volatile.Read(ref _exception);

    /// <summary>Whether the task reached a terminal state (completed, failed, cancelled or skipped).</summary>
    public bool IsTerminal => IsTerminalState(State);

    /// <summary>
    /// Cancels the task. A task that has not started is cancelled at once and never runs (its dependents see a
    /// dependency that did not complete); a running task's cancellation token is signalled, and it ends
    /// <see cref="TaskState.Cancelled"/> if its body observes it. Returns false when the task was already terminal.
    /// </summary>
    public bool Cancel()
    {
        while (true)
        {
            var state = State;
            switch (state)
            {
                case TaskState.Pending:
                case TaskState.Ready:
                    if (TryTransition(state, TaskState.Cancelled))
                    {
                        Run.OnCancelledBeforeStart(this);
                        return true;
                    }

                    continue;
                case TaskState.Running:
                case TaskState.Retrying:
                    Volatile.Write(ref _cancelRequested, 1);
                    try
                    {
                        Volatile.Read(ref _attemptCancellation)?.Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                        // The attempt ended while we were cancelling it.
                    }

                    return true;
                default:
                    return false;
            }
        }
    }

    /// <summary>A task that ends when this task is terminal: completes, faults with its exception, or is cancelled.</summary>
    public Task AsTask() => GetCompletionTask();

    /// <summary>Awaits the task: returns when it completed, throws its exception otherwise.</summary>
    public TaskAwaiter GetAwaiter() => GetCompletionTask().GetAwaiter();

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {State}";

    private protected virtual Task GetCompletionTask() => EnsureCompletionSource<bool>().Task;

    private protected TaskCompletionSource<TResult> EnsureCompletionSource<TResult>()
    {
        var existing = Volatile.Read(ref _completionSource);
        if (existing is null)
        {
            var created = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            existing = Interlocked.CompareExchange(ref _completionSource, created, null) ?? created;
            if (ReferenceEquals(existing, created))
            {
                SignalCompletion();
            }
        }

        return (TaskCompletionSource<TResult>)existing;
    }

    private protected void ThrowIfNotCompleted()
    {
        var state = State;
        if (state == TaskState.Completed)
        {
            return;
        }

        if (Exception is { } ex)
        {
            ExceptionDispatchInfo.Capture(ex).Throw();
        }

        throw new InvalidOperationException($"Task '{Name}' in run {Run.RunId} has no result: it is {state}. Await the handle to wait for it.");
    }

    internal static bool IsTerminalState(TaskState state) => state >= TaskState.Completed;

    internal bool TryTransition(TaskState from, TaskState to) =>
        Interlocked.CompareExchange(ref _state, (int)to, (int)from) == (int)from;

    internal void SetState(TaskState state) => Volatile.Write(ref _state, (int)state);

    internal int BeginAttempt() => Interlocked.Increment(ref _attempts);

    internal bool CancelRequested => Volatile.Read(ref _cancelRequested) != 0;

    internal CancellationToken CreateAttemptToken(CancellationToken runToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(runToken);
        Volatile.Write(ref _attemptCancellation, cts);
        if (CancelRequested)
        {
            cts.Cancel();
        }

        return cts.Token;
    }

    internal bool AttemptWasCancelled => Volatile.Read(ref _attemptCancellation)?.IsCancellationRequested == true;

    internal void EndAttempt()
    {
        var cts = Interlocked.Exchange(ref _attemptCancellation, null);
        cts?.Dispose();
    }

    internal void SetTerminal(TaskState state, Exception? exception)
    {
        Volatile.Write(ref _exception, exception);
        SetState(state);
        SignalCompletion();
    }

    /// <summary>Completes any awaiter once the task is terminal or its run has ended without it.</summary>
    internal void SignalCompletion()
    {
        var source = Volatile.Read(ref _completionSource);
        if (source is null)
        {
            return;
        }

        var state = State;
        if (IsTerminalState(state))
        {
            CompleteSource(source, state);
        }
        else if (Run.HasEnded)
        {
            FailSource(source, new TaskNotStartedException(Name, Run.RunId, Run.Failure));
        }
    }

    private protected virtual void CompleteSource(object source, TaskState state)
    {
        var tcs = (TaskCompletionSource<bool>)source;
        if (state == TaskState.Completed)
        {
            tcs.TrySetResult(true);
        }
        else
        {
            FailSource(source, Exception);
        }
    }

    private protected virtual void FailSource(object source, Exception? exception) =>
        SetFailure((TaskCompletionSource<bool>)source, exception);

    private protected void SetFailure<TResult>(TaskCompletionSource<TResult> tcs, Exception? exception)
    {
        if (State == TaskState.Cancelled)
        {
            if (exception is OperationCanceledException oce)
            {
                tcs.TrySetCanceled(oce.CancellationToken);
            }
            else
            {
                tcs.TrySetCanceled();
            }
        }
        else
        {
            tcs.TrySetException(exception ?? new WorkflowException($"Task '{Name}' in run {Run.RunId} ended {State}.") { TaskName = Name, RunId = Run.RunId });
        }
    }
}

/// <summary>One task with a result of type <typeparamref name="T"/>: awaiting it gives the result.</summary>
/// <typeparam name="T">The task's result type.</typeparam>
public sealed class TaskHandle<T> : TaskHandle
{
    internal T ResultValue = default!;

    internal TaskHandle(WorkflowRun run, int index)
        : base(run, index)
    {
    }

    /// <summary>
    /// The result. Throws the task's exception if it failed, and <see cref="InvalidOperationException"/> if it has
    /// not completed (await the handle to wait for it).
    /// </summary>
    public T Result
    {
        get
        {
            ThrowIfNotCompleted();
            return ResultValue;
        }
    }

    /// <summary>A task that ends with this task's result, or its exception.</summary>
    public new Task<T> AsTask() => EnsureCompletionSource<T>().Task;

    /// <summary>Awaits the task: gives its result, or throws its exception.</summary>
    public new TaskAwaiter<T> GetAwaiter() => EnsureCompletionSource<T>().Task.GetAwaiter();

    private protected override Task GetCompletionTask() => EnsureCompletionSource<T>().Task;

    private protected override void CompleteSource(object source, TaskState state)
    {
        var tcs = (TaskCompletionSource<T>)source;
        if (state == TaskState.Completed)
        {
            tcs.TrySetResult(ResultValue);
        }
        else
        {
            SetFailure(tcs, Exception);
        }
    }

    private protected override void FailSource(object source, Exception? exception) =>
        SetFailure((TaskCompletionSource<T>)source, exception);
}
