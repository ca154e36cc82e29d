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
public partial class TaskHandle
{
    private static readonly object Sealed = new();

    // _state: the TaskState in the low byte and the attempt count above it, so that starting an attempt is one atomic
    // operation. _word: the backend in the low byte (a whole byte: every Backend value reads back as itself) and the
    // flags above it. The hot part of a handle is its run, these two words, its counters, its dependents and the
    // extras pointer; everything else is in the extras.
    private const int BackendMask = 0xFF;
    private const int ReturnsTaskFlag = 1 << 8;
    private const int ObservesCancellationFlag = 1 << 9;
    private const int IncompleteDependencyFlag = 1 << 10;
    private const int DetachedFlag = 1 << 11;
    private const int CancelRequestedFlag = 1 << 13;
    private const int HoldsFlightFlag = 1 << 14;
    private const int GatedFlag = 1 << 15;
    private const int StateMask = 0xFF;
    private const int AttemptShift = 8;

    private int _state;
    private int _word;
    private object? _dependents;
    private TaskHandleExtras? _extras;
    internal int PendingDependencies;
    internal int Sequence;
    private int _index;

    internal TaskHandle(WorkflowRun run, int index, Backend backend, bool returnsTask, bool observesCancellation)
    {
        Run = run;
        _index = index;
        _word = (byte)backend
            | (returnsTask ? ReturnsTaskFlag : 0)
            | (observesCancellation ? ObservesCancellationFlag : 0);
    }

    /// <summary>The run this task belongs to.</summary>
    public WorkflowRun Run { get; }

    /// <summary>The task's index in its run (graph tasks first, then dynamic submissions in order).</summary>
    public int Index => _index;

    /// <summary>The task's name: the graph task's name, a submitted task's <see cref="TaskOptions.Name"/>, else <c>task-</c> and its index.</summary>
    public string Name
    {
        get
        {
            if (ExtrasOrNull?.Name is { } name)
            {
                return name;
            }

            if (_index < Run.StaticCount)
            {
                return Run.Graph.Tasks[_index].Name;
            }

            // A submitted task without a name: the text is built on first use only.
            var built = "task-" + _index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Extras.Name = built;
            return built;
        }
    }

    /// <summary>
    /// The task's identity in its run, stable across processes: the graph task's name, or a submitted task's
    /// explicit <see cref="TaskOptions.Key"/>, else its parent's key and its place among the parent's submissions.
    /// Checkpoints are keyed by it.
    /// </summary>
    public string Key
    {
        get
        {
            var extras = ExtrasOrNull;
            if (extras?.Key is { } key)
            {
                return key;
            }

            if (_index < Run.StaticCount)
            {
                return Name;
            }

            var ordinal = extras?.KeyOrdinal ?? (_index - Run.StaticCount + 1);
            var built = extras?.KeyParent is { } parent
                ? $"{parent.Key}/{ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
                : $"submitted/{ordinal.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
            Extras.Key = built;
            return built;
        }
    }

    /// <summary>How the task runs (attempts, backoff, timeout, dependency-failure policy).</summary>
    public TaskOptions Options =>
        _index < Run.StaticCount ? Run.Graph.Tasks[_index].Options : ExtrasOrNull?.Options ?? TaskOptions.Default;

    /// <summary>The backend the body runs on (<see cref="Backend.Default"/> resolved against the runner).</summary>
    public Backend Backend => (Backend)(Volatile.Read(ref _word) & BackendMask);

    /// <summary>The task that submitted this one from inside its body, if any.</summary>
    public TaskHandle? Parent => ExtrasOrNull?.Parent;

    /// <summary>The current state.</summary>
    public TaskState State => (TaskState)(Volatile.Read(ref _state) & StateMask);

    /// <summary>How many attempts of the body were started.</summary>
    public int Attempts => Volatile.Read(ref _state) >>> AttemptShift;

    /// <summary>Why the task failed, was cancelled or skipped; null while it runs or when it completed.</summary>
    public Exception? Exception => ExtrasOrNull is { } extras ? Volatile.Read(ref extras.Exception) : null;

    /// <summary>The last progress fraction reported by the body, between 0 and 1; 1 once the task completed.</summary>
    public double Progress => State == TaskState.Completed ? 1.0 : ExtrasOrNull is { } extras ? Volatile.Read(ref extras.Progress) : 0;

    /// <summary>
    /// While the task waits to retry (<see cref="TaskState.Retrying"/>): when its next attempt is due, on the runner's
    /// clock (<see cref="WorkflowRunner.TimeProvider"/>); null in every other state.
    /// </summary>
    public DateTimeOffset? NextAttemptAt => State == TaskState.Retrying ? ExtrasOrNull?.NextAttemptAt : null;

    /// <summary>The last progress message reported by the body.</summary>
    public string? ProgressMessage => ExtrasOrNull is { } extras ? Volatile.Read(ref extras.ProgressMessage) : null;

    /// <summary>Fields few tasks use (errors, awaiters, timeouts, serial jobs, telemetry, progress, children), allocated on first use.</summary>
    internal TaskHandleExtras Extras => Volatile.Read(ref _extras) ?? Interlocked.CompareExchange(ref _extras, new TaskHandleExtras(), null) ?? _extras!;

    internal TaskHandleExtras? ExtrasOrNull => Volatile.Read(ref _extras);

    /// <summary>Whether the task reached a terminal state (completed, failed, cancelled or skipped).</summary>
    public bool IsTerminal => IsTerminalState(State);

    internal bool ReturnsTask => (Volatile.Read(ref _word) & ReturnsTaskFlag) != 0;

    internal bool ObservesCancellation => (Volatile.Read(ref _word) & ObservesCancellationFlag) != 0;

    /// <summary>
    /// Gives back one of the task's pending-dependency counts (the registration's, or a dependency's); true when it was
    /// the last. Counts are given back only by their holders and never taken again while any is held, so a count read
    /// as 1 is the caller's own: the last one is given back without an atomic (a task's last dependency, the common
    /// case, then costs a read instead of a locked decrement).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal bool ReleasePending()
    {
        if (Volatile.Read(ref PendingDependencies) == 1)
        {
            Volatile.Write(ref PendingDependencies, 0);
            return true;
        }

        return Interlocked.Decrement(ref PendingDependencies) == 0;
    }

    /// <summary>Set when a dependency ended without completing (written by the threads that end dependencies).</summary>
    internal bool HasIncompleteDependency
    {
        get => (Volatile.Read(ref _word) & IncompleteDependencyFlag) != 0;
        set => SetFlag(IncompleteDependencyFlag, value);
    }

    /// <summary>Whether this task no longer follows its parent's cancellation.</summary>
    internal bool Detached
    {
        get => (Volatile.Read(ref _word) & DetachedFlag) != 0;
        set => SetFlag(DetachedFlag, value);
    }

    internal bool CancelRequested => (Volatile.Read(ref _word) & CancelRequestedFlag) != 0;

    /// <summary>Whether the task passes the admission gate before it runs (it has concurrency keys or a result cache).</summary>
    internal bool IsGated => (Volatile.Read(ref _word) & GatedFlag) != 0;

    internal void MarkGated() => Interlocked.Or(ref _word, GatedFlag);

    /// <summary>
    /// Where a completed task's result came from: its body (<see cref="Workflowy.ResultSource.Executed"/>), the result
    /// cache, or a pending call with the same concurrency key whose outcome it took.
    /// </summary>
    public ResultSource ResultSource => ExtrasOrNull?.Ticket?.ResultSource ?? ResultSource.Executed;

    /// <summary>For a call that took the outcome of a pending call with the same concurrency key (<see cref="ConcurrencyLimit.Reuse"/>): that call's task.</summary>
    public TaskHandle? ReusedFrom => ExtrasOrNull?.Ticket?.ReusedFrom;

    /// <summary>The result, boxed (for the result cache and Reuse); null for a task without one.</summary>
    internal virtual object? BoxedResult => null;

    /// <summary>Takes a result given boxed; false if this task's result type does not hold it.</summary>
    internal virtual bool TrySetBoxedResult(object? value) => value is null;

    /// <summary>Marks that the attempt holds one of the run's in-flight counts of its own (it went asynchronous or waits to retry).</summary>
    /// <returns>Whether it held one already.</returns>
    internal bool MarkHoldsFlight() => (Interlocked.Or(ref _word, HoldsFlightFlag) & HoldsFlightFlag) != 0;

    /// <summary>Takes the attempt's own in-flight count away from it; true if it held one (the caller releases it).</summary>
    internal bool TakeFlight() =>
        (Volatile.Read(ref _word) & HoldsFlightFlag) != 0 && (Interlocked.And(ref _word, ~HoldsFlightFlag) & HoldsFlightFlag) != 0;

    private void SetFlag(int flag, bool value)
    {
        if (value)
        {
            Interlocked.Or(ref _word, flag);
        }
        else
        {
            Interlocked.And(ref _word, ~flag);
        }
    }

    internal virtual bool HasResult => false;

    /// <summary>Whether this is a task of the run's graph (else a submitted task).</summary>
    internal bool IsGraphTask => _index < Run.StaticCount;

    /// <summary>How many tasks this one depends on: a graph task's edges, a submitted task's handles.</summary>
    internal virtual int DependencyCount => IsGraphTask ? Run.Graph.Tasks[_index].DependenciesArray.Length : 0;

    /// <summary>The dependency at <paramref name="index"/> (below <see cref="DependencyCount"/>).</summary>
    internal virtual TaskHandle GetDependency(int index) =>
        IsGraphTask ? Run.TaskAt(Run.Graph.Tasks[_index].DependenciesArray[index]) : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>The graph indices of the tasks that depend on this one by the graph's edges (none for a submitted task).</summary>
    internal int[] GraphDependents => IsGraphTask ? Run.Graph.Tasks[_index].DependentsArray : Array.Empty<int>();

    /// <summary>A submitted task lets go of its body (and what it captured) once it completed; it is never invoked again.</summary>
    internal virtual void ReleaseBody()
    {
    }

    /// <summary>Invokes the body once; a graph task's body is the generated <c>ExecuteAsync</c> of its run.</summary>
    internal virtual ValueTask InvokeBody(CancellationToken token) => Run.ExecuteGraphTask(_index, token);

    internal void SetIndex(int index) => _index = index;

    /// <summary>Sets the cold parts of a submitted task (non-default options, parent, key) that it has.</summary>
    internal void SetSubmission(TaskOptions options, TaskHandle? parent)
    {
        if (options.IsGated)
        {
            MarkGated();
        }

        if (!ReferenceEquals(options, TaskOptions.Default) || parent is not null)
        {
            var extras = Extras;
            if (!ReferenceEquals(options, TaskOptions.Default))
            {
                extras.Options = options;
                extras.Name = options.Name;
            }

            extras.Parent = parent;
        }
    }

    /// <summary>Sets a submitted task's identity; the text is built only when it is needed (checkpoints, restores).</summary>
    internal void SetKey(string? explicitKey, TaskHandle? parent, int ordinal)
    {
        if (explicitKey is not null)
        {
            Extras.Key = explicitKey;
        }
        else if (parent is not null)
        {
            var extras = Extras;
            extras.KeyParent = parent;
            extras.KeyOrdinal = ordinal;
        }
        else if (ordinal != _index - Run.StaticCount + 1)
        {
            Extras.KeyOrdinal = ordinal;
        }
    }

    internal int NextChildOrdinal() => Interlocked.Increment(ref Extras.ChildOrdinal);

    internal void RestoreCompleted(int attempts)
    {
        SetAttempts(attempts);
        SetState(TaskState.Completed);

        // Restored, not run: WhenEach does not yield it.
        Sequence = -1;
    }

    internal void SetAttempts(int attempts)
    {
        while (true)
        {
            var word = Volatile.Read(ref _state);
            if (Interlocked.CompareExchange(ref _state, (word & StateMask) | (attempts << AttemptShift), word) == word)
            {
                return;
            }
        }
    }

    internal virtual string? ResultToJson(System.Text.Json.Serialization.JsonSerializerContext? context) => null;

    internal virtual bool RestoreResultJson(string json, System.Text.Json.Serialization.JsonSerializerContext? context) => false;

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
                    Interlocked.Or(ref _word, CancelRequestedFlag);

                    // The attempt may end meanwhile (its source is then disposed); a callback the body registered on
                    // its token that throws is logged.
                    Logging.CancelSafely(AttemptCancellation, Run);

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
        if (Parent is not { } parent)
        {
            return false;
        }

        Detached = true;
        parent.RemoveChild(this);
        return true;
    }

    internal static bool IsTerminalState(TaskState state) => state >= TaskState.Completed;

    internal bool TryTransition(TaskState from, TaskState to)
    {
        while (true)
        {
            var word = Volatile.Read(ref _state);
            if ((word & StateMask) != (int)from)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _state, (word & ~StateMask) | (int)to, word) == word)
            {
                return true;
            }
        }
    }

    internal void SetState(TaskState state)
    {
        while (true)
        {
            var word = Volatile.Read(ref _state);
            if (Interlocked.CompareExchange(ref _state, (word & ~StateMask) | (int)state, word) == word)
            {
                return;
            }
        }
    }

    /// <summary>Moves the task from <paramref name="from"/> to Running and counts the attempt; its number, or 0 if the state was not <paramref name="from"/>.</summary>
    internal int TryStartAttempt(TaskState from)
    {
        while (true)
        {
            var word = Volatile.Read(ref _state);
            if ((word & StateMask) != (int)from)
            {
                return 0;
            }

            var started = ((word >>> AttemptShift) + 1 << AttemptShift) | (int)TaskState.Running;
            if (Interlocked.CompareExchange(ref _state, started, word) == word)
            {
                if (ExtrasOrNull is { } extras)
                {
                    // A re-executed body submits the same children again: they get the same keys as the first time.
                    extras.ChildOrdinal = 0;
                }

                return started >>> AttemptShift;
            }
        }
    }

    internal void ResetForRerun()
    {
        if (ExtrasOrNull is { } extras)
        {
            Volatile.Write(ref extras.Exception, null);
            Volatile.Write(ref extras.CompletionSource, null);
        }

        while (true)
        {
            var word = Volatile.Read(ref _word);
            var reset = word & BackendMask | word & (ReturnsTaskFlag | ObservesCancellationFlag | DetachedFlag);
            if (Interlocked.CompareExchange(ref _word, reset, word) == word)
            {
                break;
            }
        }

        Volatile.Write(ref _dependents, null);
        Sequence = 0;
        Volatile.Write(ref _state, (int)TaskState.Pending);
    }

    internal CancellationToken CreateAttemptToken(CancellationToken runToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(runToken);
        Volatile.Write(ref Extras.AttemptCancellation, cts);
        if (CancelRequested)
        {
            cts.Cancel();
        }

        return cts.Token;
    }

    internal CancellationTokenSource? AttemptCancellation => ExtrasOrNull is { } extras ? Volatile.Read(ref extras.AttemptCancellation) : null;

    internal void EndAttempt()
    {
        if (ExtrasOrNull is { } extras)
        {
            Interlocked.Exchange(ref extras.TimeoutTimer, null)?.Dispose();
            Interlocked.Exchange(ref extras.AttemptCancellation, null)?.Dispose();
        }
    }

    /// <summary>A context for the running attempt (a new one per call: it holds the handle and the attempt number).</summary>
    internal TaskContext GetContext() => new(this, Attempts);

    /// <summary>The context passed to a body that takes one: asking for it enters a synchronous body's frame (see <see cref="Throughline"/>).</summary>
    internal TaskContext GetBodyContext(CancellationToken attemptToken = default)
    {
        Throughline.EnterIfPending(this);
        return new(this, Attempts, attemptToken);
    }

    /// <summary>
    /// The running attempt's token, created on first use for bodies that did not get one up front (submitted tasks
    /// whose context is asked for it): signalled by <see cref="Cancel"/>, the run, the runner or a timeout.
    /// </summary>
    internal CancellationToken AttemptToken()
    {
        if (AttemptCancellation is { } existing)
        {
            return existing.Token;
        }

        if (State != TaskState.Running)
        {
            return Run.RunToken;
        }

        var extras = Extras;
        var created = CancellationTokenSource.CreateLinkedTokenSource(Run.RunToken);
        var winner = Interlocked.CompareExchange(ref extras.AttemptCancellation, created, null);
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

    /// <summary>
    /// Lets go of what a terminal task no longer needs: its throughline frame, attempt telemetry and timestamps; once
    /// completed (it never runs again, not even on a rerun) also a submitted body's delegate (and what it captured), its
    /// captured execution context and parent span, and
    /// the extras object itself when nothing in it is still visible (exception, awaiter, options (and so a given name or
    /// key), parent, key parent, children, progress message). A completed task then costs its handle alone. Called by the thread that ended it.
    /// </summary>
    internal void ReleaseAfterEnd(TaskState state)
    {
        if (state == TaskState.Completed)
        {
            // A submitted body never runs again once it completed: what its closure captured can go.
            ReleaseBody();
        }

        var extras = ExtrasOrNull;
        if (extras is null)
        {
            return;
        }

        extras.Frame = null;
        extras.AttemptActivity = null;
        extras.SerialOwner = null;
        extras.NextAttemptAt = null;
        extras.StartedAt = null;
        extras.ReadyTimestamp = 0;
        extras.StartTimestamp = 0;
        if (state != TaskState.Completed)
        {
            // A rerun runs it again, in the context it was submitted from, under the same parent span.
            return;
        }

        extras.CapturedContext = null;
        extras.ParentActivity = null;
        if (Volatile.Read(ref extras.Exception) is null
            && Volatile.Read(ref extras.CompletionSource) is null
            && Volatile.Read(ref extras.AttemptCancellation) is null
            && Volatile.Read(ref extras.TimeoutTimer) is null
            && extras.Options is null
            && extras.Parent is null
            && extras.KeyParent is null
            && extras.KeyOrdinal is null
            && Volatile.Read(ref extras.ChildOrdinal) == 0
            && Volatile.Read(ref extras.Children) is null
            && Volatile.Read(ref extras.ProgressMessage) is null
            && Volatile.Read(ref extras.InlineThread) == 0
            && extras.Ticket is null or { ResultSource: ResultSource.Executed })
        {
            // What is left is recomputed on demand: without options, a name or key in the extras was built from the
            // index (a throughline frame asks for the name of every task it stands for).
            // An awaiter arriving meanwhile completes the source it made itself (EnsureCompletionSource); the serial
            // thread, finding no extras, does not wait for an attempt that has ended.
            Interlocked.CompareExchange(ref _extras, null, extras);
        }
    }

    internal void SetException(Exception? exception)
    {
        if (exception is not null)
        {
            Volatile.Write(ref Extras.Exception, exception);
        }
        else if (ExtrasOrNull is { } extras)
        {
            Volatile.Write(ref extras.Exception, null);
        }
    }

    internal void ReportProgress(double fraction, string? message)
    {
        fraction = double.IsNaN(fraction) ? 0 : Math.Clamp(fraction, 0, 1);
        var extras = Extras;
        Volatile.Write(ref extras.ProgressMessage, message);
        Volatile.Write(ref extras.Progress, fraction);
        Run.OnProgress(this, fraction, message);
    }

}
