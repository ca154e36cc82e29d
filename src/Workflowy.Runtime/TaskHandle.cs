using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// One task of one run: its state, attempts, progress and error, awaitable until it is terminal.
/// Tasks with a result get a <see cref="TaskHandle{T}"/>.
/// </summary>
public class TaskHandle
{
    private static readonly object Sealed = new();

    private int _state;
    private int _attempts;
    private Exception? _exception;
    private object? _completionSource;
    private CancellationTokenSource? _attemptCancellation;
    private int _cancelRequested;
    private object? _dynamicDependents;
    private TaskContext? _context;

    private TaskHandleExtras? _extras;
    internal volatile bool HasIncompleteDependency;
    internal int PendingDependencies;
    internal long Sequence;
    internal int AttemptClaim;
    internal int InlineThread;
    internal volatile bool WorkerAbandoned;
    internal TaskHandle[]? DynamicDependencies;
    internal Func<TaskHandle, CancellationToken, ValueTask>? Body;
    internal Delegate? UserBody;
    internal ExecutionContext? CapturedContext;
    internal bool Detached;
    internal ThroughlineFrame? Frame;

    internal TaskHandle(WorkflowRun run, int index, string name, TaskOptions options, Backend backend, bool returnsTask, bool observesCancellation, TaskHandle? parent)
    {
        Run = run;
        Index = index;
        Name = name;
        _key = name;
        Options = options;
        Backend = backend;
        ReturnsTask = returnsTask;
        ObservesCancellation = observesCancellation;
        Parent = parent;
    }

    /// <summary>The run this task belongs to.</summary>
    public WorkflowRun Run { get; }

    /// <summary>The task's index in its run (graph tasks first, then dynamic submissions in order).</summary>
    public int Index { get; }

    /// <summary>The task's name.</summary>
    public string Name { get; }

    /// <summary>
    /// The task's identity in its run, stable across processes: the graph task's name, or a submitted task's
    /// explicit <see cref="TaskOptions.Key"/>, else its parent's key and its place among the parent's submissions.
    /// Checkpoints are keyed by it.
    /// </summary>
    public string Key
    {
        get => _key ??= _keyParent is { } parent
            ? $"{parent.Key}/{_keyOrdinal.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
            : $"submitted/{_keyOrdinal.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    private string? _key;
    private TaskHandle? _keyParent;
    private int _keyOrdinal;

    /// <summary>Sets a submitted task's identity; the text is built only when it is needed (checkpoints, restores).</summary>
    internal void SetKey(string? explicitKey, TaskHandle? parent, int ordinal)
    {
        _key = explicitKey;
        _keyParent = parent;
        _keyOrdinal = ordinal;
    }

    /// <summary>How the task runs (attempts, backoff, timeout, dependency-failure policy).</summary>
    public TaskOptions Options { get; }

    /// <summary>The backend the body runs on (<see cref="Backend.Default"/> resolved against the runner).</summary>
    public Backend Backend { get; }

    /// <summary>The task that submitted this one from inside its body, if any.</summary>
    public TaskHandle? Parent { get; }

    /// <summary>The current state.</summary>
    public TaskState State => (TaskState)Volatile.Read(ref _state);

    /// <summary>How many attempts of the body were started.</summary>
    public int Attempts => Volatile.Read(ref _attempts);

    /// <summary>Why the task failed, was cancelled or skipped; null while it runs or when it completed.</summary>
    public Exception? Exception => Volatile.Read(ref _exception);

    /// <summary>The last progress fraction reported by the body, between 0 and 1.</summary>
    public double Progress => ExtrasOrNull is { } extras ? Volatile.Read(ref extras.Progress) : 0;

    /// <summary>The last progress message reported by the body.</summary>
    public string? ProgressMessage => ExtrasOrNull is { } extras ? Volatile.Read(ref extras.ProgressMessage) : null;

    /// <summary>Fields few tasks use (timeouts, serial jobs, telemetry, progress, children), allocated on first use.</summary>
    internal TaskHandleExtras Extras => Volatile.Read(ref _extras) ?? Interlocked.CompareExchange(ref _extras, new TaskHandleExtras(), null) ?? _extras!;

    internal TaskHandleExtras? ExtrasOrNull => Volatile.Read(ref _extras);

    /// <summary>Whether the task reached a terminal state (completed, failed, cancelled or skipped).</summary>
    public bool IsTerminal => IsTerminalState(State);

    internal bool ReturnsTask { get; }

    internal virtual bool HasResult => false;

    internal int NextChildOrdinal() => Interlocked.Increment(ref Extras.ChildOrdinal);

    internal void RestoreCompleted(int attempts)
    {
        Volatile.Write(ref _attempts, attempts);
        SetState(TaskState.Completed);
        Sequence = 0;
    }

    internal void SetAttempts(int attempts) => Volatile.Write(ref _attempts, attempts);

    internal virtual string? ResultToJson(System.Text.Json.Serialization.JsonSerializerContext? context) => null;

    internal virtual bool RestoreResultJson(string json, System.Text.Json.Serialization.JsonSerializerContext? context) => false;

    internal bool ObservesCancellation { get; }

    /// <summary>
    /// Cancels the task and the tasks it submitted. A task that has not started is cancelled at once and never runs
    /// (its dependents see a dependency that did not complete); a task waiting to retry stops waiting and ends
    /// cancelled; a running task's token is signalled, and it ends <see cref="TaskState.Cancelled"/> unless its body
    /// completes anyway. Returns false when the task was already terminal.
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
                    if (Run.TryCancelNotStarted(this, state))
                    {
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

                    CancelChildren();
                    return true;
                default:
                    return false;
            }
        }
    }

    /// <summary>
    /// Detaches this task from the task that submitted it: it is no longer cancelled when its parent is cancelled
    /// or finishes. Returns false if it has no parent.
    /// </summary>
    public bool Detach()
    {
        if (Parent is null)
        {
            return false;
        }

        Detached = true;
        Parent.RemoveChild(this);
        return true;
    }

    /// <summary>A task that ends when this task is terminal: completes, or faults with its exception.</summary>
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

    internal int BeginAttempt()
    {
        _context = null;
        if (ExtrasOrNull is { } extras)
        {
            // A re-executed body submits the same children again: they get the same keys as the first time.
            extras.ChildOrdinal = 0;
        }

        return Interlocked.Increment(ref _attempts);
    }

    internal void ResetForRerun()
    {
        Volatile.Write(ref _exception, null);
        Volatile.Write(ref _attempts, 0);
        Volatile.Write(ref _cancelRequested, 0);
        Volatile.Write(ref _completionSource, null);
        Volatile.Write(ref _dynamicDependents, null);
        HasIncompleteDependency = false;
        WorkerAbandoned = false;
        Sequence = 0;
        _context = null;
        SetState(TaskState.Pending);
    }

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

    internal CancellationTokenSource? AttemptCancellation => Volatile.Read(ref _attemptCancellation);

    internal void EndAttempt()
    {
        if (ExtrasOrNull is { } extras)
        {
            Interlocked.Exchange(ref extras.TimeoutTimer, null)?.Dispose();
        }

        Interlocked.Exchange(ref _attemptCancellation, null)?.Dispose();
    }

    internal TaskContext GetContext()
    {
        var context = _context;
        var attempts = Attempts;
        if (context is null || context.Attempt != attempts)
        {
            context = new TaskContext(this, attempts);
            _context = context;
        }

        return context;
    }

    /// <summary>
    /// The running attempt's token, created on first use for bodies that did not get one up front (submitted tasks
    /// whose context is asked for it): signalled by <see cref="Cancel"/>, the run, the runner or a timeout.
    /// </summary>
    internal CancellationToken AttemptToken()
    {
        if (Volatile.Read(ref _attemptCancellation) is { } existing)
        {
            return existing.Token;
        }

        if (State != TaskState.Running)
        {
            return Run.RunToken;
        }

        var created = CancellationTokenSource.CreateLinkedTokenSource(Run.RunToken);
        var winner = Interlocked.CompareExchange(ref _attemptCancellation, created, null);
        if (winner is not null)
        {
            created.Dispose();
            return winner.Token;
        }

        if (CancelRequested)
        {
            created.Cancel();
        }

        return created.Token;
    }

    internal void SetException(Exception? exception) => Volatile.Write(ref _exception, exception);

    internal void ReportProgress(double fraction, string? message)
    {
        fraction = double.IsNaN(fraction) ? 0 : Math.Clamp(fraction, 0, 1);
        var extras = Extras;
        Volatile.Write(ref extras.ProgressMessage, message);
        Volatile.Write(ref extras.Progress, fraction);
        Run.OnProgress(this, fraction, message);
    }

    /// <summary>Adds a dynamic dependent; false if this task is already terminal (its outcome must be applied at once).</summary>
    internal bool TryAddDependent(TaskHandle dependent)
    {
        while (true)
        {
            var current = Volatile.Read(ref _dynamicDependents);
            if (ReferenceEquals(current, Sealed))
            {
                return false;
            }

            if (current is null)
            {
                var list = new List<TaskHandle> { dependent };
                if (Interlocked.CompareExchange(ref _dynamicDependents, list, null) is null)
                {
                    return true;
                }

                continue;
            }

            var existing = (List<TaskHandle>)current;
            lock (existing)
            {
                if (!ReferenceEquals(Volatile.Read(ref _dynamicDependents), existing))
                {
                    continue;
                }

                existing.Add(dependent);
                return true;
            }
        }
    }

    /// <summary>Seals the dynamic dependents (no more can be added) and returns them.</summary>
    internal List<TaskHandle>? SealDependents()
    {
        var current = Interlocked.Exchange(ref _dynamicDependents, Sealed);
        if (current is List<TaskHandle> list)
        {
            lock (list)
            {
                return list;
            }
        }

        return null;
    }

    internal void AddChild(object child)
    {
        var extras = Extras;
        var list = Volatile.Read(ref extras.Children);
        if (list is null)
        {
            var created = new List<object>();
            list = Interlocked.CompareExchange(ref extras.Children, created, null) ?? created;
        }

        lock (list)
        {
            list.Add(child);
        }

        if (IsTerminal)
        {
            CancelChildren();
        }
    }

    internal void RemoveChild(object child)
    {
        if (ExtrasOrNull?.Children is { } list)
        {
            lock (list)
            {
                list.Remove(child);
            }
        }
    }

    /// <summary>Cancels the children (submitted tasks, nested runs) that are not detached.</summary>
    internal void CancelChildren()
    {
        if (ExtrasOrNull?.Children is not { } list)
        {
            return;
        }

        object[] children;
        lock (list)
        {
            children = list.ToArray();
        }

        foreach (var child in children)
        {
            switch (child)
            {
                case TaskHandle { Detached: false } task:
                    task.Cancel();
                    break;
                case WorkflowRun { IsDetached: false } run:
                    run.Cancel();
                    break;
            }
        }
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

    private protected void SetFailure<TResult>(TaskCompletionSource<TResult> tcs, Exception? exception) =>
        tcs.TrySetException(exception ?? new WorkflowException($"Task '{Name}' in run {Run.RunId} ended {State}.") { TaskName = Name, RunId = Run.RunId });
}

/// <summary>One task with a result of type <typeparamref name="T"/>: awaiting it gives the result.</summary>
/// <typeparam name="T">The task's result type.</typeparam>
public sealed class TaskHandle<T> : TaskHandle
{
    internal T ResultValue = default!;

    internal TaskHandle(WorkflowRun run, int index, string name, TaskOptions options, Backend backend, bool returnsTask, bool observesCancellation, TaskHandle? parent)
        : base(run, index, name, options, backend, returnsTask, observesCancellation, parent)
    {
    }

    /// <summary>
    /// The result. Throws the task's exception if it failed (or was cancelled or skipped), and
    /// <see cref="InvalidOperationException"/> if it has not completed (await the handle to wait for it).
    /// </summary>
    public T Result
    {
        get
        {
            ThrowIfNotCompleted();
            return ResultValue;
        }
    }

    internal override bool HasResult => true;

    internal override string? ResultToJson(System.Text.Json.Serialization.JsonSerializerContext? context) =>
        TypeInfo(context) is { } typeInfo ? System.Text.Json.JsonSerializer.Serialize(ResultValue, typeInfo) : null;

    internal override bool RestoreResultJson(string json, System.Text.Json.Serialization.JsonSerializerContext? context)
    {
        if (TypeInfo(context) is not { } typeInfo)
        {
            return false;
        }

        ResultValue = System.Text.Json.JsonSerializer.Deserialize(json, typeInfo)!;
        return true;
    }

    private System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>? TypeInfo(System.Text.Json.Serialization.JsonSerializerContext? context) =>
        Options.ResultTypeInfo as System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>
        ?? context?.GetTypeInfo(typeof(T)) as System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>;

    /// <summary>A task that ends with this task's result, or its exception.</summary>
    public new Task<T> AsTask() => EnsureCompletionSource<T>().Task;

    /// <summary>Awaits the task: gives its result, or throws its exception.</summary>
    public new TaskAwaiter<T> GetAwaiter() => EnsureCompletionSource<T>().Task.GetAwaiter();

    /// <summary>Waits up to <paramref name="timeout"/> for the result (throws <see cref="TimeoutException"/> if the task is not terminal by then).</summary>
    public async Task<T> GetResultAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        await AsTask().WaitAsync(timeout, Run.Runner.TimeProvider, cancellationToken).ConfigureAwait(false);

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

/// <summary>The cold part of a <see cref="TaskHandle"/>: fields few tasks use, allocated on first use.</summary>
internal sealed class TaskHandleExtras
{
    public ITimer? TimeoutTimer;
    public SerialWorker? SerialOwner;
    public volatile bool SerialPending;
    public System.Diagnostics.Activity? AttemptActivity;
    public System.Diagnostics.ActivityContext? ParentActivity;
    public long ReadyTimestamp;
    public long StartTimestamp;
    public DateTimeOffset? StartedAt;
    public int ChildOrdinal;
    public List<object>? Children;
    public double Progress;
    public string? ProgressMessage;
}
