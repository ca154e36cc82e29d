using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Workflowy;

/// <summary>
/// One run of a workflow: the tasks of its generated graph plus any task submitted to it. The generator derives a
/// typed run class from it per workflow (<c>MyWorkflowRun</c>) with one <see cref="TaskHandle{T}"/> property per
/// task; <see cref="WorkflowRunner.CreateRun(string)"/> makes a run of dynamic tasks only.
/// </summary>
/// <remarks>
/// This file holds the public API and the protocol the generated code calls. How a ready task runs is in
/// <c>Execution/</c> (the run's scheduling and the one task lifecycle; the runner's <see cref="TaskExecutor"/>s run the
/// bodies), telemetry and the completion feed in <c>Observation/</c>, checkpoints in <c>Persistence/</c>. See
/// docs/design.md for the path of a task through them.
/// </remarks>
public abstract partial class WorkflowRun
{
    private const int RunNotStarted = 0;
    private const int RunActive = 1;
    private const int RunEnded = 2;

    private readonly Lock _tasksLock = new();
    private readonly int _staticCount;
    private readonly bool _open;
    private readonly HandleList _tasks;
    private int _taskCount;
    private long _counts;
    private int _inFlight;
    private int _phase;
    private volatile bool _aborting;
    private bool _holdReleased;
    private int _sequenceBase;
    private Exception? _failure;
    private TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource _cancellation = new();
    private CancellationTokenRegistration _callerRegistration;
    private CancellationToken _callerToken;
    private ExecutionContext? _context;
    private int _detached;
    private bool _gauged;
    private Activity? _activity;
    private int _ambient;
    private CompletionFeed? _feed;

    /// <summary>Creates a run of <paramref name="graph"/>; called by generated code.</summary>
    protected WorkflowRun(WorkflowGraph graph, WorkflowRunner? runner)
        : this(graph, runner, open: false)
    {
    }

    private protected WorkflowRun(WorkflowGraph graph, WorkflowRunner? runner, bool open)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Graph = graph;
        Runner = runner ?? WorkflowRunner.Default;
        _open = open;
        _staticCount = graph.Count;
        _tasks = new HandleList(Math.Max(graph.Count, open ? 16 : 1));
        _taskCount = graph.Count;
        _counts = (long)(graph.Count + (open ? 1 : 0)) << 32;
    }

    /// <summary>
    /// Raised on every state change of every task of the run, on the thread that made it. Subscribe to
    /// <see cref="WorkflowRunner.TaskStateChanged"/> to see a run's changes from its very start.
    /// </summary>
    public event EventHandler<TaskStateChangedEventArgs>? TaskStateChanged;

    /// <summary>Raised when a task reports progress, on the reporting thread.</summary>
    public event EventHandler<TaskProgressEventArgs>? ProgressChanged;

    /// <summary>The workflow graph this run executes (empty for a run of dynamic tasks only).</summary>
    public WorkflowGraph Graph { get; }

    /// <summary>The runner whose options this run uses.</summary>
    public WorkflowRunner Runner { get; }

    /// <summary>This run's id.</summary>
    public string RunId
    {
        get => Volatile.Read(ref _runId) ?? Interlocked.CompareExchange(ref _runId, Guid.NewGuid().ToString("N"), null) ?? _runId!;
        private set => Volatile.Write(ref _runId, value);
    }

    // Made on first use: a run nobody asks about (no store, no logs, no errors) never formats a Guid.
    private string? _runId;

    /// <summary>The task whose body started this run, if it was started from inside a task (a nested run).</summary>
    public TaskHandle? Parent { get; private set; }

    /// <summary>Every task handle: the graph's tasks by index, then submitted tasks in submission order.</summary>
    public IReadOnlyList<TaskHandle> Tasks
    {
        get
        {
            lock (_tasksLock)
            {
                return _tasks.View(_taskCount);
            }
        }
    }

    /// <summary>
    /// Ends when the run is over: every task terminal, or (under <see cref="ErrorPolicy.Raise"/>) the in-flight
    /// tasks finished after the first failure, which it then throws. Cancelled when the run was cancelled.
    /// </summary>
    public Task Completion => Volatile.Read(ref _completion).Task;

    /// <summary>The failure that ended the run early (<see cref="ErrorPolicy.Raise"/>), if any.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Whether the run is over (see <see cref="Completion"/>).</summary>
    public bool HasEnded => Volatile.Read(ref _phase) == RunEnded;

    /// <summary>Whether this nested run was detached from the task that started it.</summary>
    public bool IsDetached => Volatile.Read(ref _detached) != 0;

    internal CancellationToken RunToken => _cancellation.Token;

    /// <summary>The handle at <paramref name="index"/> (below the task count).</summary>
    internal TaskHandle TaskAt(int index) => _tasks[index];

    /// <summary>How many tasks the graph has (the first indices); submitted tasks come after them.</summary>
    internal int StaticCount => _staticCount;

    /// <summary>Runs the generated body of graph task <paramref name="index"/>.</summary>
    internal ValueTask ExecuteGraphTask(int index, CancellationToken token) => ExecuteAsync(index, token);

    /// <summary>Cancels every task of the run that is not terminal. Tasks not started never run.</summary>
    public void Cancel()
    {
        // A callback registered on a task's token that throws is logged: the run's tasks are cancelled all the same.
        Logging.CancelSafely(Volatile.Read(ref _cancellation), this);

        if (Volatile.Read(ref _phase) == RunActive)
        {
            // Before the run starts, Start does this when it finds the run cancelled.
            CancelNotStarted();
        }
    }

    /// <summary>Detaches this nested run from the task that started it: finishing or cancelling that task no longer cancels it.</summary>
    public bool Detach()
    {
        if (Parent is null)
        {
            return false;
        }

        Volatile.Write(ref _detached, 1);
        Parent.RemoveChild(this);
        return true;
    }

    /// <summary>Aggregate progress: tasks done out of all tasks, and each task's state and reported fraction.</summary>
    public RunProgress GetProgress()
    {
        var tasks = Tasks;
        var entries = new RunProgress.TaskProgress[tasks.Count];
        var done = 0;
        double sum = 0;
        for (var i = 0; i < tasks.Count; i++)
        {
            var task = tasks[i];
            var state = task.State;
            var fraction = state == TaskState.Completed ? 1.0 : task.Progress;
            if (TaskHandle.IsTerminalState(state))
            {
                done++;
                fraction = 1.0;
            }

            sum += fraction;
            entries[i] = new RunProgress.TaskProgress(task.Name, state, state == TaskState.Completed ? 1.0 : task.Progress, task.ProgressMessage);
        }

        return new RunProgress(done, tasks.Count, tasks.Count == 0 ? 1.0 : sum / tasks.Count, entries);
    }

    /// <summary>
    /// Awaits the run, as <see cref="Completion"/>; from inside the body of one of its own tasks, throws a
    /// <see cref="WorkflowCycleException"/> instead (the run cannot end before that task does).
    /// </summary>
    public TaskAwaiter GetAwaiter()
    {
        if (!HasEnded && TaskContext.CurrentHandle is { IsTerminal: false } waiter && ReferenceEquals(waiter.Run, this))
        {
            var cycle = new WorkflowCycleException(
                $"Task '{waiter.Name}' in run {RunId} waits for its own run, which cannot end before the task does: the wait would never end.",
                waiter.Name,
                RunId);
            return Task.FromException(cycle).GetAwaiter();
        }

        return Completion.GetAwaiter();
    }

    /// <summary>
    /// Runs the run again after it ended: every task that did not complete (failed, cancelled, skipped, or never
    /// started) goes back to <see cref="TaskState.Pending"/> and runs; completed tasks keep their results and do not
    /// run again. Use it after repairing what made tasks fail. Returns the new <see cref="Completion"/>.
    /// </summary>
    public Task RerunAsync(CancellationToken cancellationToken = default)
    {
        if (!HasEnded)
        {
            throw new InvalidOperationException($"{this} has not ended; await its Completion before rerunning it.");
        }

        lock (_tasksLock)
        {
            var completed = 0;
            for (var i = 0; i < _taskCount; i++)
            {
                var handle = _tasks[i];
                if (handle.State == TaskState.Completed)
                {
                    completed++;
                }
                else
                {
                    handle.ResetForRerun();
                }
            }

            for (var i = 0; i < _taskCount; i++)
            {
                var handle = _tasks[i];
                if (handle.State == TaskState.Completed)
                {
                    continue;
                }

                handle.PendingDependencies = CountIncompleteDependencies(handle, relink: true);
            }

            _aborting = false;
            _sequenceBase += (int)Volatile.Read(ref _counts);
            Volatile.Write(ref _failure, null);
            Volatile.Write(ref _inFlight, 0);
            Volatile.Write(ref _cancellation, new CancellationTokenSource());
            Volatile.Write(ref _completion, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            var total = _taskCount + (_open ? 1 : 0);
            var terminal = completed + (_open && _holdReleased ? 1 : 0);
            Volatile.Write(ref _counts, ((long)total << 32) | (uint)terminal);
            Volatile.Write(ref _phase, RunNotStarted);
        }

        Start(cancellationToken);
        return Completion;
    }

    /// <summary>
    /// Yields the run's tasks as they become terminal (completed, failed, cancelled or skipped), in that order,
    /// starting with those already terminal; ends when the run ends. Tasks that never started are not yielded.
    /// </summary>
    public async IAsyncEnumerable<TaskHandle> WhenEach([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var feed = Volatile.Read(ref _feed) ?? Interlocked.CompareExchange(ref _feed, new CompletionFeed(), null) ?? _feed!;
        var observer = feed.Observe(this);
        try
        {
            while (await observer.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (observer.Reader.TryRead(out var handle))
                {
                    yield return handle;
                }
            }
        }
        finally
        {
            feed.Unobserve(observer);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Graph.Name} run {RunId}";

    /// <summary>Runs the graph task at <paramref name="index"/>; generated per workflow.</summary>
    /// <param name="index">The task's graph index.</param>
    /// <param name="cancellationToken">The task's token (default when the body takes none and has no timeout).</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected abstract ValueTask ExecuteAsync(int index, CancellationToken cancellationToken);

    /// <summary>Whether the body of graph task <paramref name="index"/> takes a token or a <see cref="TaskContext"/>; generated.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected abstract bool ObservesCancellation(int index);

    /// <summary>Creates the handle of the void graph task at <paramref name="index"/>; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected TaskHandle CreateHandle(int index)
    {
        var node = Graph.Tasks[index];
        return Register(index, new TaskHandle(this, index, ResolveBackend(node.Backend, node.ReturnsTask), node.ReturnsTask, ObservesCancellation(index)));
    }

    /// <summary>Creates the handle of the graph task at <paramref name="index"/>; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected TaskHandle<T> CreateHandle<T>(int index)
    {
        var node = Graph.Tasks[index];
        return (TaskHandle<T>)Register(index, new TaskHandle<T>(this, index, ResolveBackend(node.Backend, node.ReturnsTask), node.ReturnsTask, ObservesCancellation(index)));
    }

    /// <summary>
    /// The result of a dependency, for a dependent's parameter; called by generated code. <c>default</c> when the
    /// dependency did not complete (a <see cref="DependencyFailure.RunAnyway"/> dependent).
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static T ResultOf<T>(TaskHandle<T> handle) => DependencyResult.Of(handle);

    /// <summary>The result of a value-type dependency for a <c>T?</c> parameter: null when it did not complete; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static T? ResultOrNull<T>(TaskHandle<T> handle)
        where T : struct => handle.State == TaskState.Completed ? handle.ResultValue : null;

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
        return DependencyResult.Store(handle, task);
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

    /// <summary>
    /// Stores a synchronous result whose type is a reference type declared not nullable; called by generated code. A
    /// null fails the task (<see cref="WorkflowException"/> naming it) instead of reaching its dependents.
    /// </summary>
    /// <param name="handle">The task.</param>
    /// <param name="value">What its body returned.</param>
    /// <param name="typeName">The result type, for the message.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static ValueTask StoreNotNull<T>(TaskHandle<T> handle, T value, string typeName)
    {
        if (value is null)
        {
            throw NullResult(handle, typeName);
        }

        handle.ResultValue = value;
        return default;
    }

    /// <summary>Stores the result of a <see cref="Task{T}"/> whose type is declared not nullable (see <see cref="StoreNotNull{T}(TaskHandle{T}, T, string)"/>); called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static ValueTask StoreNotNull<T>(TaskHandle<T> handle, Task<T> task, string typeName)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.IsCompletedSuccessfully)
        {
            return StoreNotNull(handle, task.Result, typeName);
        }

        return StoreLater(handle, task, typeName);

        static async ValueTask StoreLater(TaskHandle<T> handle, Task<T> task, string typeName) =>
            await StoreNotNull(handle, await task.ConfigureAwait(false), typeName).ConfigureAwait(false);
    }

    /// <summary>Stores the result of a <see cref="ValueTask{T}"/> whose type is declared not nullable (see <see cref="StoreNotNull{T}(TaskHandle{T}, T, string)"/>); called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static ValueTask StoreNotNull<T>(TaskHandle<T> handle, ValueTask<T> task, string typeName)
    {
        if (task.IsCompletedSuccessfully)
        {
            return StoreNotNull(handle, task.Result, typeName);
        }

        return StoreLater(handle, task, typeName);

        static async ValueTask StoreLater(TaskHandle<T> handle, ValueTask<T> task, string typeName) =>
            await StoreNotNull(handle, await task.ConfigureAwait(false), typeName).ConfigureAwait(false);
    }

    private static WorkflowException NullResult(TaskHandle handle, string typeName)
    {
        var runId = handle.Run.RunId;
        return new WorkflowException($"Task '{handle.Name}' in run {runId} returned null, but its result type {typeName} is not nullable; return a value, or declare the result {typeName}?.")
        {
            TaskName = handle.Name,
            RunId = runId,
        };
    }

    /// <summary>Adapts a body returning <see cref="Task"/>; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static ValueTask Await(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new ValueTask(task);
    }

    /// <summary>The <see cref="TaskContext"/> passed to a task body; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected TaskContext CreateContext(int index, CancellationToken cancellationToken) => _tasks[index].GetBodyContext(cancellationToken);

    /// <summary>Starts the run; called by generated code once the handles exist.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected void Begin(CancellationToken cancellationToken)
    {
        for (var i = 0; i < _staticCount; i++)
        {
            if (_tasks[i] is null)
            {
                throw new InvalidOperationException($"{this}: task '{Graph.Tasks[i].Name}' has no handle.");
            }
        }

        var parent = TaskContext.CurrentHandle;
        if (parent is not null)
        {
            Parent = parent;
            parent.AddChild(this);
        }

        Runner.OnRunStarted(this);
        if (Runner.Store is not null)
        {
            // Checkpointed: load the run's checkpoint (if it has one) and restore what completed, then start.
            Started = BeginPersistentAsync(cancellationToken);
            return;
        }

        Start(cancellationToken);
    }

    /// <summary>Ends when the run has started (after loading its checkpoint, with a store).</summary>
    internal Task Started { get; private set; } = Task.CompletedTask;

    /// <summary>Awaits <paramref name="run"/> and returns it; used by the generated <c>RunAsync</c>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static async Task<TRun> WhenEnded<TRun>(TRun run)
        where TRun : WorkflowRun
    {
        ArgumentNullException.ThrowIfNull(run);
        await run.Completion.ConfigureAwait(false);
        return run;
    }

    /// <summary>Releases the hold that keeps a run of dynamic tasks open; it ends when its tasks are terminal.</summary>
    private protected void ReleaseHold()
    {
        lock (_tasksLock)
        {
            if (_holdReleased)
            {
                return;
            }

            _holdReleased = true;
        }

        CountTerminal();
    }

    /// <summary>Captures the execution context the run's bodies run in before it starts (a deferred run of dynamic tasks).</summary>
    private protected void CaptureContext() => _context = ExecutionContext.Capture();

    /// <summary>
    /// Makes this run the runner's own run of dynamic tasks (<see cref="WorkflowRunner.Submit{T}(Func{TaskContext, T}, ReadOnlySpan{TaskHandle})"/>):
    /// a failure goes to whoever awaits the failed task and never ends the run, whatever the error policy.
    /// </summary>
    private protected void MarkAmbient() => _ambient = 1;

    /// <summary>Whether a failure ends the run (<see cref="ErrorPolicy.Raise"/>, except in the runner's own run).</summary>
    private bool RaisesFailures => Runner.ErrorPolicy == ErrorPolicy.Raise && _ambient == 0;

    private TaskHandle Register(int index, TaskHandle handle)
    {
        var node = Graph.Tasks[index];
        handle.PendingDependencies = node.DependenciesArray.Length;
        if (node.Options.IsGated)
        {
            handle.MarkGated();
        }

        _tasks[index] = handle;
        return handle;
    }

    private Backend ResolveBackend(Backend backend, bool returnsTask) => backend switch
    {
        Backend.Default => returnsTask ? Backend.Async : Runner.DefaultBackend,
        _ => backend,
    };
}
