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
/// Scheduling: an in-degree counter per task, a <see cref="Channel{T}"/> of ready tasks and
/// <see cref="WorkflowRunner.MaxWorkers"/> worker loops. A worker that finishes a task runs the first dependent it
/// readied inline and queues the others. Bodies that return an incomplete task do not hold a worker: the task
/// finishes from the awaited continuation. See docs/execution.md.
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
    private WorkerPool? _pool;
    private CancellationTokenRegistration _callerRegistration;
    private CancellationToken _callerToken;
    private ExecutionContext? _context;
    private int _detached;
    private bool _gauged;
    private Activity? _activity;

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

    /// <summary>How many tasks the graph has (the first indices); submitted tasks come after them.</summary>
    internal int StaticCount => _staticCount;

    /// <summary>Runs the generated body of graph task <paramref name="index"/>.</summary>
    internal ValueTask ExecuteGraphTask(int index, CancellationToken token) => ExecuteAsync(index, token);

    /// <summary>Cancels every task of the run that is not terminal. Tasks not started never run.</summary>
    public void Cancel()
    {
        try
        {
            Volatile.Read(ref _cancellation).Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run has ended.
        }

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

    /// <summary>Awaits the run, as <see cref="Completion"/>.</summary>
    public TaskAwaiter GetAwaiter() => Completion.GetAwaiter();

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

                var pending = 0;
                if (i < _staticCount)
                {
                    foreach (var d in Graph.Tasks[i].DependenciesArray)
                    {
                        if (_tasks[d].State != TaskState.Completed)
                        {
                            pending++;
                        }
                    }
                }
                else
                {
                    for (var k = 0; k < handle.DependencyCount; k++)
                    {
                        var d = handle.GetDependency(k);
                        if (d.State != TaskState.Completed)
                        {
                            pending++;
                            d.TryAddDependent(handle);
                        }
                    }
                }

                handle.PendingDependencies = pending;
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
        var observer = Observe();
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
            Unobserve(observer);
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

    /// <summary>Adapts a body returning <see cref="Task"/>; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static ValueTask Await(Task task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new ValueTask(task);
    }

    /// <summary>The <see cref="TaskContext"/> passed to a task body; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected TaskContext CreateContext(int index, CancellationToken cancellationToken) => _tasks[index].GetBodyContext();

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

    private void Start(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _phase, RunActive, RunNotStarted) != RunNotStarted)
        {
            throw new InvalidOperationException($"{this} has already started.");
        }

        if (WorkflowyDiagnostics.Source.HasListeners())
        {
            // One activity per run (per pass, for reruns); the caller's current activity is left as it was.
            var previous = Activity.Current;
            _activity = WorkflowyDiagnostics.Source.StartActivity("run " + Graph.Name, ActivityKind.Internal);
            _activity?.SetTag(WorkflowyDiagnostics.WorkflowTag, Graph.Name);
            _activity?.SetTag(WorkflowyDiagnostics.RunTag, RunId);
            Activity.Current = previous;
        }

        if (WorkflowyDiagnostics.QueueDepth.Enabled)
        {
            _gauged = true;
            ActiveRuns.TryAdd(this, 0);
        }
        if (!_open || _context is null)
        {
            // A run of dynamic tasks keeps the context it was created in (see CaptureContext).
            _context = ExecutionContext.Capture();
        }
        var ready = Channel.CreateUnbounded<TaskHandle>(new UnboundedChannelOptions
        {
            SingleReader = false,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
        _pool = new WorkerPool(ready, Math.Max(1, Runner.MaxWorkers));

        if (cancellationToken.CanBeCanceled)
        {
            _callerToken = cancellationToken;
            _callerRegistration = cancellationToken.UnsafeRegister(static state => ((WorkflowRun)state!).Cancel(), this);
        }

        if (_cancellation.IsCancellationRequested)
        {
            // Cancelled before it started: its tasks never run.
            CancelNotStarted();
        }

        var counts = Volatile.Read(ref _counts);
        if ((int)counts == (int)(counts >> 32))
        {
            EndRun();
            return;
        }

        foreach (var index in Graph.TopologicalOrder)
        {
            var handle = _tasks[index];
            if (handle.PendingDependencies == 0 && Transition(handle, TaskState.Pending, TaskState.Ready))
            {
                Enqueue(handle);
            }
        }

        lock (_tasksLock)
        {
            for (var i = _staticCount; i < _taskCount; i++)
            {
                var handle = _tasks[i];
                if (handle.State == TaskState.Pending && handle.PendingDependencies == 0 && Transition(handle, TaskState.Pending, TaskState.Ready))
                {
                    Enqueue(handle);
                }
            }
        }

        // Workers start with the work (see Enqueue), so a run that never has two tasks ready never starts a second.
    }

    /// <summary>Captures the execution context the run's bodies run in before it starts (a deferred run of dynamic tasks).</summary>
    private protected void CaptureContext() => _context = ExecutionContext.Capture();

    private void StartWorker()
    {
        var pool = _pool!;
        Interlocked.Increment(ref pool.Started);
        QueueWorker(pool);
    }

    /// <summary>
    /// Queues a worker loop that runs in the run's execution context (the one it was started in), whatever the
    /// context of the thread that starts it: a body's thread, a timer.
    /// </summary>
    private void QueueWorker(WorkerPool pool) =>
        ThreadPool.UnsafeQueueUserWorkItem(
            static state =>
            {
                if (state.Run._context is { } context)
                {
                    ExecutionContext.Run(context, static s => { var (run, p) = ((WorkflowRun, WorkerPool))s!; _ = run.WorkerLoopAsync(p); }, state);
                }
                else
                {
                    _ = state.Run.WorkerLoopAsync(state.Pool);
                }
            },
            (Run: this, Pool: pool),
            preferLocal: false);

    /// <summary>Starts another worker when a task is queued, no worker is idle, and fewer than MaxWorkers have started.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void MaybeStartWorker()
    {
        var pool = _pool!;
        if (Volatile.Read(ref pool.Idle) == 0 && Volatile.Read(ref pool.Started) < pool.Max)
        {
            TryStartWorker(pool);
        }
    }

    private void TryStartWorker(WorkerPool pool)
    {
        while (true)
        {
            var started = Volatile.Read(ref pool.Started);
            if (started >= pool.Max)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref pool.Started, started + 1, started) == started)
            {
                QueueWorker(pool);
                return;
            }
        }
    }

    /// <summary>One pass's ready channel and its workers: how many started (up to Max) and how many wait for work.</summary>
    private sealed class WorkerPool(Channel<TaskHandle> ready, int max)
    {
        public readonly Channel<TaskHandle> Ready = ready;
        public readonly int Max = max;
        public int Started;
        public int Idle;
    }

    private TaskHandle Register(int index, TaskHandle handle)
    {
        handle.PendingDependencies = Graph.Tasks[index].DependenciesArray.Length;
        _tasks[index] = handle;
        return handle;
    }

    private Backend ResolveBackend(Backend backend, bool returnsTask) => backend switch
    {
        Backend.Default => returnsTask ? Backend.Async : Runner.DefaultBackend,
        _ => backend,
    };

    private async Task WorkerLoopAsync(WorkerPool pool)
    {
        var reader = pool.Ready.Reader;
        try
        {
            while (true)
            {
                // The worker holds one in-flight count while it takes tasks, not one per task (see Step).
                Enter();
                var retire = false;
                try
                {
                    while (!retire && reader.TryRead(out var handle))
                    {
                        // True when this worker's thread ran a body that timed out and was abandoned; a replacement
                        // worker took its place when that happened.
                        retire = Process(handle);
                    }
                }
                finally
                {
                    Leave();
                }

                if (retire)
                {
                    return;
                }

                Interlocked.Increment(ref pool.Idle);
                bool more;
                try
                {
                    more = await reader.WaitToReadAsync().ConfigureAwait(false);
                }
                finally
                {
                    Interlocked.Decrement(ref pool.Idle);
                }

                if (!more)
                {
                    return;
                }
            }
        }
        catch (Exception ex)
        {
            // Process handles every task failure itself; an exception here is a broken engine: end the run with it.
            Abort(ex);
        }
    }

    /// <summary>Runs a ready task and the dependents it readies inline; returns true if the worker must retire.</summary>
    private bool Process(TaskHandle handle)
    {
        TaskHandle? next = handle;
        while (next is not null)
        {
            next = Step(next, serial: null, out var retire);
            if (retire)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Called on the serial worker's thread; returns true when the attempt went asynchronous.</summary>
    internal bool RunOnSerial(TaskHandle handle, SerialWorker worker)
    {
        if (handle.ExtrasOrNull is { } extras)
        {
            extras.SerialPending = false;
        }

        Enter();
        try
        {
            var next = Step(handle, worker, out _);
            if (next is not null)
            {
                Enqueue(next);
            }
        }
        finally
        {
            Leave();
        }

        return handle.ExtrasOrNull?.SerialPending ?? false;
    }

    internal void OnSerialRefused(TaskHandle handle) => TryCancelNotStarted(handle, handle.State);

    /// <summary>
    /// One scheduling step for a dequeued task: resolve a failed dependency, start an attempt, or drop a task that was
    /// cancelled while queued. Returns a dependent readied by the step, to run next on this thread.
    /// </summary>
    private TaskHandle? Step(TaskHandle handle, SerialWorker? serial, out bool retire)
    {
        retire = false;

        // The caller (a worker, the serial worker) holds an in-flight count while it steps, so that an aborted run
        // ends only once no thread is between reading a task and deciding its fate. An attempt that goes
        // asynchronous or waits to retry takes a count of its own, given back when the task is terminal.
        if (_aborting)
        {
            NotStartedOnAbort(handle);
            return null;
        }

        var state = handle.State;
        if (state == TaskState.Ready && _cancellation.IsCancellationRequested)
        {
            TryCancelNotStarted(handle, TaskState.Ready);
            return null;
        }

        if (state == TaskState.Ready && handle.HasIncompleteDependency && handle.Options.OnDependencyFailure != DependencyFailure.RunAnyway)
        {
            return ResolveDependencyFailure(handle);
        }

        if (state is not (TaskState.Ready or TaskState.Retrying))
        {
            // Cancelled while queued.
            return null;
        }

        if (handle.Backend == Backend.Serial && serial is null)
        {
            Runner.Serial.Post(handle);
            return null;
        }

        if (_cancellation.IsCancellationRequested || handle.CancelRequested)
        {
            if (!handle.TryTransition(state, TaskState.Running))
            {
                return null;
            }

            ReleaseRetryFlight(handle, state);
            Changed(handle, state, TaskState.Running);
            return Terminate(handle, TaskState.Running, TaskState.Cancelled, new TaskCancelledException(handle.Name, RunId));
        }

        // The transition is announced by RunAttempt once the attempt's timeout is armed.
        var attempt = handle.TryStartAttempt(state);
        if (attempt == 0)
        {
            return null;
        }

        ReleaseRetryFlight(handle, state);
        return RunAttempt(handle, state, attempt, serial, out retire);
    }

    /// <summary>Gives the task an in-flight count of its own, unless it holds one already (an attempt that outlives the step).</summary>
    private void HoldFlight(TaskHandle handle)
    {
        if (!handle.MarkHoldsFlight())
        {
            Enter();
        }
    }

    /// <summary>A task leaving its retry wait gives back the count it held across it: this thread's count covers it now.</summary>
    private void ReleaseRetryFlight(TaskHandle handle, TaskState from)
    {
        if (from == TaskState.Retrying && handle.TakeFlight())
        {
            Leave();
        }
    }

    private TaskHandle? RunAttempt(TaskHandle handle, TaskState from, int attempt, SerialWorker? serial, out bool retire)
    {
        retire = false;
        var options = handle.Options;
        var timed = options.Timeout is not null;
        var token = handle.ObservesCancellation || timed
            ? handle.CreateAttemptToken(_cancellation.Token)
            : default;
        if (options.Timeout is { } timeout)
        {
            var timedExtras = handle.Extras;
            Volatile.Write(ref timedExtras.AttemptClaim, attempt);
            timedExtras.InlineThread = Environment.CurrentManagedThreadId;
            timedExtras.TimeoutTimer = Runner.TimeProvider.CreateTimer(
                static state => ((TimeoutState)state!).Fire(),
                new TimeoutState(handle, attempt, timeout),
                timeout,
                System.Threading.Timeout.InfiniteTimeSpan);
        }

        Changed(handle, from, TaskState.Running);
        if (_checkpointer is not null)
        {
            handle.Extras.StartedAt = Runner.TimeProvider.GetUtcNow();
        }

        if (WorkflowyDiagnostics.MetricsEnabled)
        {
            RecordStart(handle);
        }

        if (serial is not null || handle.ExtrasOrNull is not null)
        {
            handle.Extras.SerialOwner = serial;
            handle.Extras.SerialPending = false;
        }

        var captured = handle.ExtrasOrNull?.CapturedContext;
        var context = serial is not null
            ? captured ?? _context
            : captured is not null && !ReferenceEquals(captured, _context) ? captured : null;
        var body = InvokeBody(handle, token, context);
        if (timed)
        {
            handle.Extras.InlineThread = 0;
        }

        if (handle.WorkerAbandoned)
        {
            // The attempt timed out while this thread was inside it: the outcome was decided; the thread retires.
            Observe(body);
            retire = serial is null;
            return null;
        }

        if (!body.IsCompleted)
        {
            if (serial is not null)
            {
                handle.Extras.SerialPending = true;
            }

            FinishLater(handle, attempt, body);
            return null;
        }

        return CompleteAttempt(handle, attempt, ErrorOf(body));
    }

    private static void RecordStart(TaskHandle handle)
    {
        var now = Stopwatch.GetTimestamp();
        var tags = WorkflowyDiagnostics.Tags(handle);
        WorkflowyDiagnostics.Started.Add(1, tags);
        var extras = handle.Extras;
        if (extras.ReadyTimestamp != 0)
        {
            WorkflowyDiagnostics.QueueWait.Record(Stopwatch.GetElapsedTime(extras.ReadyTimestamp, now).TotalSeconds, tags);
            extras.ReadyTimestamp = 0;
        }

        extras.StartTimestamp = now;
    }

    private ValueTask InvokeBody(TaskHandle handle, CancellationToken token, ExecutionContext? context)
    {
        if (context is null)
        {
            return InvokeBodyHere(handle, token);
        }

        var call = new BodyCall(this, handle, token);
        ExecutionContext.Run(context, static state => ((BodyCall)state!).Invoke(), call);
        return call.Result;
    }

    private ValueTask InvokeBodyHere(TaskHandle handle, CancellationToken token)
    {
        if (!handle.ReturnsTask && !Runner.LogsScopes && !WorkflowyDiagnostics.Source.HasListeners() && !Runner.AlwaysFlowThroughline)
        {
            return InvokeSynchronousBody(handle, token);
        }

        // The body runs in a copy of this thread's execution context holding the task's throughline frame, its
        // log scope and its activity; the context is restored afterwards (async bodies keep their copy).
        var saved = ExecutionContext.Capture();
        var previousFrame = Throughline.Current;
        var previousActivity = Activity.Current;
        try
        {
            var frame = Throughline.EnterTask(handle, previousFrame);
            handle.Extras.Frame = frame;
            if (Runner.LogsScopes)
            {
                Runner.Logger.BeginScope(new TaskLogScope(RunId, handle.Name, handle.Attempts, frame.ToString()));
            }

            if (WorkflowyDiagnostics.Source.HasListeners())
            {
                handle.Extras.AttemptActivity = StartAttemptActivity(handle);
            }

            return handle.InvokeBody(token);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
        finally
        {
            if (saved is not null)
            {
                ExecutionContext.Restore(saved);
            }
            else
            {
                Throughline.Restore(previousFrame);
                Activity.Current = previousActivity;
            }
        }
    }

    /// <summary>
    /// A synchronous body with no log scope or activity to set up: it runs on this thread's execution context, its
    /// throughline frame made only if something asks for it (see <see cref="Throughline"/>), and the context is put back
    /// afterwards if the body changed it.
    /// </summary>
    private static ValueTask InvokeSynchronousBody(TaskHandle handle, CancellationToken token)
    {
        var saved = ExecutionContext.Capture();
        var previous = Throughline.EnterPending(handle, saved);
        var failed = false;
        try
        {
            return handle.InvokeBody(token);
        }
        catch (Exception ex)
        {
            failed = true;
            return ValueTask.FromException(ex);
        }
        finally
        {
            Throughline.ExitPending(previous);
            if (!ReferenceEquals(ExecutionContext.Capture(), saved) && saved is not null)
            {
                ExecutionContext.Restore(saved);
            }

            if (failed)
            {
                // The failure carries the task's frame (made now, in the body's starting context, if nothing asked for it).
                Throughline.MakeFrame(handle);
            }
        }
    }

    private Activity? StartAttemptActivity(TaskHandle handle)
    {
        var parent = handle.ExtrasOrNull?.ParentActivity ?? _activity?.Context ?? default;
        var activity = WorkflowyDiagnostics.Source.StartActivity(handle.Name, ActivityKind.Internal, parent);
        if (activity is not null)
        {
            activity.SetTag(WorkflowyDiagnostics.WorkflowTag, Graph.Name);
            activity.SetTag(WorkflowyDiagnostics.RunTag, RunId);
            activity.SetTag(WorkflowyDiagnostics.TaskTag, handle.Name);
            activity.SetTag(WorkflowyDiagnostics.AttemptTag, handle.Attempts);
            activity.SetTag(WorkflowyDiagnostics.BackendTag, BackendName(handle.Backend));
        }

        return activity;
    }

    private static string BackendName(Backend backend) => backend switch
    {
        Backend.Async => "async",
        Backend.Thread => "thread",
        Backend.Serial => "serial",
        _ => "default",
    };

    /// <summary>Closes the attempt's activity and records its duration.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void EndAttemptTelemetry(TaskHandle handle, string outcome, Exception? error)
    {
        if (handle.ExtrasOrNull is not null || WorkflowyDiagnostics.Duration.Enabled)
        {
            RecordAttemptEnd(handle, outcome, error);
        }
    }

    private static void RecordAttemptEnd(TaskHandle handle, string outcome, Exception? error)
    {
        var extras = handle.ExtrasOrNull;
        if (extras is not null && Interlocked.Exchange(ref extras.AttemptActivity, null) is { } activity)
        {
            activity.SetTag(WorkflowyDiagnostics.OutcomeTag, outcome);
            if (error is not null && outcome != "completed")
            {
                activity.SetStatus(ActivityStatusCode.Error, error.Message);
                activity.AddException(error);
            }

            activity.Stop();
        }

        if (WorkflowyDiagnostics.Duration.Enabled && extras is { StartTimestamp: not 0 })
        {
            var tags = WorkflowyDiagnostics.Tags(handle);
            tags.Add(WorkflowyDiagnostics.OutcomeTag, outcome);
            WorkflowyDiagnostics.Duration.Record(Stopwatch.GetElapsedTime(extras.StartTimestamp).TotalSeconds, tags);
        }
    }

    /// <summary>Counts a task that ended, by state.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CountEnd(TaskHandle handle, TaskState state)
    {
        if (WorkflowyDiagnostics.AnyCounterEnabled)
        {
            CountEndSlow(handle, state);
        }
    }

    private static void CountEndSlow(TaskHandle handle, TaskState state)
    {
        var counter = state switch
        {
            TaskState.Completed => WorkflowyDiagnostics.Completed,
            TaskState.Failed => WorkflowyDiagnostics.Failed,
            TaskState.Cancelled => WorkflowyDiagnostics.Cancelled,
            _ => null,
        };
        if (counter is { Enabled: true })
        {
            counter.Add(1, WorkflowyDiagnostics.Tags(handle));
        }
    }

    private void FinishLater(TaskHandle handle, int attempt, ValueTask body)
    {
        // The attempt outlives this thread's step: it holds an in-flight count until the task is terminal.
        HoldFlight(handle);

        var awaiter = body.ConfigureAwait(false).GetAwaiter();
        awaiter.UnsafeOnCompleted(() =>
        {
            var next = CompleteAttempt(handle, attempt, ErrorOf(body));
            if (next is not null)
            {
                Enqueue(next);
            }
        });
    }

    private static Exception? ErrorOf(ValueTask body)
    {
        if (body.IsCompletedSuccessfully)
        {
            return null;
        }

        try
        {
            body.GetAwaiter().GetResult();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private static void Observe(ValueTask body)
    {
        if (body.IsCompleted)
        {
            _ = ErrorOf(body);
        }
        else
        {
            var task = body.AsTask();
            task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Decides which of an attempt's end and its timeout counts (only timed attempts can race).</summary>
    private static bool TryClaim(TaskHandle handle, int attempt) =>
        handle.ExtrasOrNull is not { } extras || Volatile.Read(ref extras.AttemptClaim) == 0 || Interlocked.CompareExchange(ref extras.AttemptClaim, -attempt, attempt) == attempt;

    /// <summary>Decides the outcome of an attempt: completed, cancelled, retried or failed.</summary>
    private TaskHandle? CompleteAttempt(TaskHandle handle, int attempt, Exception? error)
    {
        if (!TryClaim(handle, attempt))
        {
            // The attempt timed out first; its outcome is already decided and this result is discarded.
            return null;
        }

        var cancelled = handle.CancelRequested || _cancellation.IsCancellationRequested;
        handle.EndAttempt();
        var serial = handle.ExtrasOrNull?.SerialOwner;
        if (serial is not null)
        {
            handle.Extras.SerialOwner = null;
        }

        try
        {
            if (error is null)
            {
                EndAttemptTelemetry(handle, "completed", null);
                return Terminate(handle, TaskState.Running, TaskState.Completed, null);
            }

            Throughline.Tag(error, handle.ExtrasOrNull?.Frame);
            if (cancelled)
            {
                EndAttemptTelemetry(handle, "cancelled", error);
                return Terminate(handle, TaskState.Running, TaskState.Cancelled, new TaskCancelledException(handle.Name, RunId, error));
            }

            var options = handle.Options;
            if (attempt < options.MaxAttempts && options.IsRetryable(error))
            {
                EndAttemptTelemetry(handle, "retrying", error);
                if (WorkflowyDiagnostics.Retried.Enabled)
                {
                    WorkflowyDiagnostics.Retried.Add(1, WorkflowyDiagnostics.Tags(handle));
                }

                ScheduleRetry(handle, attempt, error);
                return null;
            }

            EndAttemptTelemetry(handle, "failed", error);
            Exception final = attempt > 1 && attempt >= options.MaxAttempts
                ? new RetriesExhaustedException(handle.Name, RunId, attempt, error)
                : error;
            Throughline.Tag(final, handle.ExtrasOrNull?.Frame);
            return Terminate(handle, TaskState.Running, TaskState.Failed, final);
        }
        finally
        {
            serial?.AttemptEnded();
        }
    }

    private void OnTimeout(TaskHandle handle, int attempt, TimeSpan timeout)
    {
        if (!TryClaim(handle, attempt))
        {
            return;
        }

        var thread = handle.Extras.InlineThread;
        var abandoned = thread != 0;
        try
        {
            handle.AttemptCancellation?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already ended.
        }

        handle.EndAttempt();
        if (abandoned)
        {
            handle.WorkerAbandoned = true;
            Log.BodyAbandoned(Runner.Logger, handle.Name, RunId, timeout.TotalSeconds, attempt, thread);
            if (handle.ExtrasOrNull?.SerialOwner is null)
            {
                StartWorker();
            }
        }

        var serial = handle.ExtrasOrNull?.SerialOwner;
        if (serial is not null)
        {
            handle.Extras.SerialOwner = null;
        }

        var exception = new TaskTimeoutException(handle.Name, RunId, attempt, timeout, abandoned);
        Throughline.Tag(exception, handle.ExtrasOrNull?.Frame);
        EndAttemptTelemetry(handle, "timeout", exception);
        var next = Terminate(handle, TaskState.Running, TaskState.Failed, exception);
        serial?.AttemptEnded();
        if (next is not null)
        {
            Enqueue(next);
        }
    }

    private void ScheduleRetry(TaskHandle handle, int attempt, Exception error)
    {
        // The wait outlives this thread's step: the task holds an in-flight count until its next attempt starts.
        HoldFlight(handle);

        handle.SetException(error);
        var options = handle.Options;
        var delay = options.DelayAfter(attempt);
        if (options.BackoffJitter > 0 && delay > TimeSpan.Zero)
        {
            delay -= TimeSpan.FromTicks((long)(delay.Ticks * options.BackoffJitter * Random.Shared.NextDouble()));
        }

        Log.Retrying(Runner.Logger, handle.Name, RunId, attempt, delay.TotalMilliseconds, error);
        var token = handle.CreateAttemptToken(_cancellation.Token);
        if (delay <= TimeSpan.Zero)
        {
            handle.SetState(TaskState.Retrying);
            Changed(handle, TaskState.Running, TaskState.Retrying);
            AfterBackoff(handle, token.IsCancellationRequested);
            return;
        }

        // The wait is armed before the task is seen Retrying, so an observer that reacts to Retrying (a test
        // advancing a fake clock, say) measures the backoff from the failure.
        var wait = Task.Delay(delay, Runner.TimeProvider, token);
        handle.SetState(TaskState.Retrying);
        Changed(handle, TaskState.Running, TaskState.Retrying);
        wait.ContinueWith(
            static (delayTask, state) =>
            {
                var h = (TaskHandle)state!;
                h.Run.AfterBackoff(h, delayTask.IsCanceled);
            },
            handle,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void AfterBackoff(TaskHandle handle, bool cancelled)
    {
        handle.EndAttempt();
        if (cancelled || handle.CancelRequested || _cancellation.IsCancellationRequested)
        {
            var next = Terminate(handle, TaskState.Retrying, TaskState.Cancelled, new TaskCancelledException(handle.Name, RunId, handle.Exception));
            if (next is not null)
            {
                Enqueue(next);
            }

            return;
        }

        Enqueue(handle);
    }

    /// <summary>Ends a started task (it holds an in-flight count) and readies its dependents; returns one to run inline.</summary>
    private TaskHandle? Terminate(TaskHandle handle, TaskState from, TaskState state, Exception? exception)
    {
        handle.SetException(exception);
        SetState(handle, from, state);
        handle.SignalCompletion();
        CountEnd(handle, state);
        if (state == TaskState.Failed)
        {
            OnTaskFailed(handle, exception!);
        }

        var next = Propagate(handle, state);
        handle.CancelChildren();
        OnTerminal(handle);
        if (handle.TakeFlight())
        {
            Leave();
        }

        return next;
    }

    /// <summary>Ends a task that never started (no in-flight count); returns a readied dependent to run inline.</summary>
    private TaskHandle? TerminateNotStarted(TaskHandle handle, TaskState from, TaskState state, Exception exception)
    {
        if (!handle.TryTransition(from, state))
        {
            return null;
        }

        handle.SetException(exception);
        Changed(handle, from, state);
        handle.SignalCompletion();
        CountEnd(handle, state);
        var next = Propagate(handle, state);
        handle.CancelChildren();
        OnTerminal(handle);
        return next;
    }

    /// <summary>Ends a submitted task as completed from a checkpoint (its result restored), readying its dependents.</summary>
    private bool TerminateRestored(TaskHandle handle, int attempts)
    {
        if (!handle.TryTransition(TaskState.Pending, TaskState.Completed))
        {
            return false;
        }

        handle.SetAttempts(attempts);
        Changed(handle, TaskState.Pending, TaskState.Completed);
        handle.SignalCompletion();
        var next = Propagate(handle, TaskState.Completed);
        OnTerminal(handle);
        if (next is not null)
        {
            Enqueue(next);
        }

        return true;
    }

    internal bool TryCancelNotStarted(TaskHandle handle, TaskState from)
    {
        if (from is not (TaskState.Pending or TaskState.Ready))
        {
            return false;
        }

        if (!handle.TryTransition(from, TaskState.Cancelled))
        {
            return false;
        }

        handle.SetException(new TaskCancelledException(handle.Name, RunId));
        Changed(handle, from, TaskState.Cancelled);
        handle.SignalCompletion();
        CountEnd(handle, TaskState.Cancelled);
        var next = Propagate(handle, TaskState.Cancelled);
        handle.CancelChildren();
        OnTerminal(handle);
        if (next is not null)
        {
            Enqueue(next);
        }

        return true;
    }

    private TaskHandle? ResolveDependencyFailure(TaskHandle handle)
    {
        var failed = new List<string>();
        if (handle.Index < _staticCount)
        {
            foreach (var d in Graph.Tasks[handle.Index].DependenciesArray)
            {
                if (_tasks[d].State != TaskState.Completed)
                {
                    failed.Add(_tasks[d].Name);
                }
            }
        }
        else
        {
            for (var k = 0; k < handle.DependencyCount; k++)
            {
                var d = handle.GetDependency(k);
                if (d.State != TaskState.Completed)
                {
                    failed.Add(d.Name);
                }
            }
        }

        var skip = handle.Options.OnDependencyFailure == DependencyFailure.Skip;
        var exception = new DependencyFailedException(handle.Name, RunId, failed, skipped: skip);
        if (Runner.ErrorPolicy == ErrorPolicy.Log)
        {
            Log.DependencyFailed(Runner.Logger, handle.Name, RunId, skip ? "was skipped" : "failed without running", string.Join("', '", failed));
        }

        return TerminateNotStarted(handle, TaskState.Ready, skip ? TaskState.Skipped : TaskState.Failed, exception);
    }

    /// <summary>Decrements the dependents' counters; queues every readied dependent but the first, which it returns.</summary>
    private TaskHandle? Propagate(TaskHandle handle, TaskState state)
    {
        TaskHandle? inline = null;
        var completed = state == TaskState.Completed;
        if (handle.Index < _staticCount)
        {
            foreach (var index in Graph.Tasks[handle.Index].DependentsArray)
            {
                Ready(_tasks[index], completed, ref inline);
            }
        }

        switch (handle.SealDependents())
        {
            case TaskHandle single:
                Ready(single, completed, ref inline);
                break;
            case TaskHandle?[] dynamicDependents:
                foreach (var dependent in dynamicDependents)
                {
                    if (dependent is null)
                    {
                        break;
                    }

                    Ready(dependent, completed, ref inline);
                }

                break;
        }

        return inline;
    }

    private void Ready(TaskHandle dependent, bool dependencyCompleted, ref TaskHandle? inline)
    {
        if (!dependencyCompleted)
        {
            dependent.HasIncompleteDependency = true;
        }

        if (Interlocked.Decrement(ref dependent.PendingDependencies) != 0 || _aborting)
        {
            return;
        }

        if (!Transition(dependent, TaskState.Pending, TaskState.Ready))
        {
            return;
        }

        if (inline is null)
        {
            inline = dependent;
        }
        else
        {
            Enqueue(dependent);
        }
    }

    private void Enqueue(TaskHandle handle)
    {
        if (handle.Backend == Backend.Serial)
        {
            // Straight to the serial worker, so serial jobs keep the order in which they became ready.
            Runner.Serial.Post(handle);
            return;
        }

        if (WorkflowyDiagnostics.QueueWait.Enabled)
        {
            handle.Extras.ReadyTimestamp = Stopwatch.GetTimestamp();
        }

        if (!_pool!.Ready.Writer.TryWrite(handle))
        {
            // The run ended (aborted) before this task could start: it never ran.
            NotStartedOnAbort(handle);
            return;
        }

        MaybeStartWorker();
    }

    private void NotStartedOnAbort(TaskHandle handle)
    {
        if (handle.State == TaskState.Retrying)
        {
            // It started before the failure: it ends cancelled rather than never started.
            _ = Terminate(handle, TaskState.Retrying, TaskState.Cancelled, new TaskCancelledException(handle.Name, RunId, handle.Exception));
        }
        else if (Transition(handle, TaskState.Ready, TaskState.Pending))
        {
            // Tasks that never started stay Pending.
        }
    }

    private void CancelNotStarted()
    {
        HandleList tasks;
        int count;
        lock (_tasksLock)
        {
            tasks = _tasks;
            count = _taskCount;
        }

        for (var i = 0; i < count; i++)
        {
            var handle = tasks[i];
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
                    Transition(handle, TaskState.Ready, TaskState.Pending);
                    break;
                }

                if (handle.TryTransition(state, TaskState.Cancelled))
                {
                    handle.SetException(new TaskCancelledException(handle.Name, RunId));
                    Changed(handle, state, TaskState.Cancelled);
                    handle.SignalCompletion();
                    CountEnd(handle, TaskState.Cancelled);
                    handle.SealDependents();
                    OnTerminal(handle);
                    break;
                }
            }
        }
    }

    private void OnTaskFailed(TaskHandle handle, Exception exception)
    {
        switch (Runner.ErrorPolicy)
        {
            case ErrorPolicy.Raise:
                Abort(exception);
                break;
            case ErrorPolicy.Log:
                Log.TaskFailed(Runner.Logger, handle.Name, RunId, handle.Attempts, exception);
                break;
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

    private void Enter() => Interlocked.Increment(ref _inFlight);

    private void Leave()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _aborting)
        {
            EndRun();
        }
    }

    private void OnTerminal(TaskHandle handle)
    {
        _checkpointer?.Add(RecordOf(handle));
        if (_hasObservers)
        {
            // Published before it is counted, so that no publication comes after the run's end.
            Publish(handle);
        }

        CountTerminal(handle);
    }

    /// <summary>Counts a terminal task (or the released hold of a dynamic run); the last one ends the run.</summary>
    private void CountTerminal(TaskHandle? handle = null)
    {
        var counts = Interlocked.Increment(ref _counts);
        if (handle is not null)
        {
            // The order in which tasks became terminal, for WhenEach's replay: the terminal count is that order.
            handle.Sequence = _sequenceBase + (int)counts;
        }

        if ((int)counts == (int)(counts >> 32))
        {
            EndRun();
        }
    }

    private bool Transition(TaskHandle handle, TaskState from, TaskState to)
    {
        if (!handle.TryTransition(from, to))
        {
            return false;
        }

        Changed(handle, from, to);
        return true;
    }

    private void SetState(TaskHandle handle, TaskState from, TaskState to)
    {
        handle.SetState(to);
        Changed(handle, from, to);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Changed(TaskHandle handle, TaskState from, TaskState to)
    {
        if (TaskStateChanged is not null || Runner.TaskStateChangedHandler is not null)
        {
            RaiseChanged(handle, from, to);
        }
    }

    private void RaiseChanged(TaskHandle handle, TaskState from, TaskState to)
    {
        var handler = TaskStateChanged;
        var runnerHandler = Runner.TaskStateChangedHandler;

        var args = new TaskStateChangedEventArgs(handle, from, to);
        try
        {
            handler?.Invoke(this, args);
            runnerHandler?.Invoke(this, args);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(Runner.Logger, nameof(TaskStateChanged), RunId, ex);
        }
    }

    internal void OnProgress(TaskHandle handle, double fraction, string? message)
    {
        var handler = ProgressChanged;
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(this, new TaskProgressEventArgs(handle, fraction, message));
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(Runner.Logger, nameof(ProgressChanged), RunId, ex);
        }
    }

    private void EndRun()
    {
        if (Interlocked.Exchange(ref _phase, RunEnded) == RunEnded)
        {
            return;
        }

        _pool?.Ready.Writer.TryComplete();
        _callerRegistration.Dispose();
        HandleList tasks;
        int count;
        lock (_tasksLock)
        {
            tasks = _tasks;
            count = _taskCount;
        }

        for (var i = 0; i < count; i++)
        {
            tasks[i].SignalCompletion();
        }

        CompleteObservers();
        if (_gauged)
        {
            ActiveRuns.TryRemove(this, out _);
        }
        if (Interlocked.Exchange(ref _activity, null) is { } activity)
        {
            var outcome = Failure is not null ? "failed" : _cancellation.IsCancellationRequested ? "cancelled" : "completed";
            activity.SetTag(WorkflowyDiagnostics.OutcomeTag, outcome);
            if (Failure is { } runFailure)
            {
                activity.SetStatus(ActivityStatusCode.Error, runFailure.Message);
            }

            activity.Stop();
        }

        Runner.OnRunEnded(this);
        Parent?.RemoveChild(this);
        if (_checkpointer is { } checkpointer)
        {
            // The run ends once its last checkpoint is stored, so a process that resumes it sees every completion.
            OnPersistentRunEnding(tasks, count);
            _ = CompleteAfterCheckpointAsync(checkpointer, tasks, count);
            return;
        }

        CompleteRun(tasks, count);
    }

    private async Task CompleteAfterCheckpointAsync(Checkpointer checkpointer, HandleList tasks, int count)
    {
        await checkpointer.CompleteAsync().ConfigureAwait(false);
        CompleteRun(tasks, count);
    }

    private void CompleteRun(HandleList tasks, int count)
    {
        var completion = Volatile.Read(ref _completion);
        var failure = Failure;
        if (failure is not null)
        {
            completion.TrySetException(failure);
        }
        else if (_callerToken.IsCancellationRequested && AnyCancelled(tasks, count))
        {
            completion.TrySetCanceled(_callerToken);
        }
        else if (_cancellation.IsCancellationRequested && AnyCancelled(tasks, count))
        {
            completion.TrySetCanceled(_cancellation.Token);
        }
        else
        {
            completion.TrySetResult();
        }
    }

    private static bool AnyCancelled(HandleList tasks, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (tasks[i].State == TaskState.Cancelled)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Runs that have started and not ended, for the ready-queue gauge.</summary>
    internal static readonly System.Collections.Concurrent.ConcurrentDictionary<WorkflowRun, byte> ActiveRuns = new(ReferenceEqualityComparer.Instance);

    /// <summary>The number of ready tasks waiting in this run's channel.</summary>
    internal int ReadyCount => _pool is { } pool && !HasEnded ? pool.Ready.Reader.Count : 0;

    private sealed class TimeoutState(TaskHandle handle, int attempt, TimeSpan timeout)
    {
        public void Fire() => handle.Run.OnTimeout(handle, attempt, timeout);
    }

    private sealed class BodyCall(WorkflowRun run, TaskHandle handle, CancellationToken token)
    {
        public ValueTask Result { get; private set; }

        public void Invoke() => Result = run.InvokeBodyHere(handle, token);
    }
}
