using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Workflowy;

/// <summary>
/// Options shared by the runs it executes (worker limit, default backend, error policy, logger, clock), the serial
/// worker, and a handle on those runs: <see cref="CancelAll"/> and <c>await using</c> cancel the runs still going
/// and wait for them.
/// </summary>
public sealed class WorkflowRunner : IAsyncDisposable
{
    private readonly int _maxWorkers = Environment.ProcessorCount;
    private readonly int _maxAbandonedThreads = 64;
    private int _abandonedThreads;
    private readonly Backend _defaultBackend = Backend.Async;
    private readonly ErrorPolicy _errorPolicy = ErrorPolicy.Raise;
    private readonly HashSet<WorkflowRun> _active = new(ReferenceEqualityComparer.Instance);
    private readonly bool _tracksRuns;
    private TaskExecutor?[]? _executors;
    private Dictionary<Backend, TaskExecutor>? _customExecutors;
    private DynamicRun? _ambient;
    private readonly ILogger _logger = NullLogger.Instance;
    private readonly EventHub _events = new();

    /// <summary>The runs whose leases this runner holds or is taking (by workflow key and run id), with their keepers once taken: one execution of a run per runner.</summary>
    internal System.Collections.Concurrent.ConcurrentDictionary<(string Workflow, string RunId), RunLeaseKeeper?> LeasedRuns { get; } = new();
    private bool _disposed;

    /// <summary>Creates a runner with default options.</summary>
    public WorkflowRunner()
        : this(tracksRuns: true)
    {
    }

    private WorkflowRunner(bool tracksRuns)
    {
        _tracksRuns = tracksRuns;
    }

    /// <summary>The runner used when none is given: default options, never disposed.</summary>
    public static WorkflowRunner Default { get; } = new(tracksRuns: false);

    /// <summary>
    /// How many task bodies execute at once on the runner's threads, for all its runs together (at least 1; default:
    /// the processor count): the worker pool of <see cref="Backend.Async"/> has up to this many workers, and
    /// <see cref="Backend.Thread"/> up to this many dedicated threads. Async bodies awaiting I/O do not hold a worker.
    /// </summary>
    public int MaxWorkers
    {
        get => _maxWorkers;
        init => _maxWorkers = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxWorkers), value, "A runner needs at least one worker.");
    }

    /// <summary>
    /// How many threads the runner may start to replace threads held by synchronous bodies abandoned by their timeout
    /// (bodies that ignore their token and cannot be interrupted), counted while those bodies still run (default 64;
    /// 0 never replaces one). A worker whose body is abandoned is replaced at once, by a dedicated thread, so the
    /// runner's other tasks go on; the abandoned thread ends when its body returns. When this many are held already,
    /// the task that times out next on a synchronous body fails with <see cref="AbandonedThreadLimitException"/>
    /// instead of <see cref="TaskTimeoutException"/>, its body keeps its worker until it returns, and the executor runs
    /// with one worker fewer meanwhile (see <see cref="AbandonedThreadCount"/>).
    /// </summary>
    public int MaxAbandonedThreads
    {
        get => _maxAbandonedThreads;
        init => _maxAbandonedThreads = value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxAbandonedThreads), value, "The limit of abandoned threads cannot be negative.");
    }

    /// <summary>How many threads are held right now by abandoned synchronous bodies that were replaced (at most <see cref="MaxAbandonedThreads"/>).</summary>
    public int AbandonedThreadCount => Volatile.Read(ref _abandonedThreads);

    /// <summary>Takes one of the <see cref="MaxAbandonedThreads"/> places for a body about to be abandoned; false at the limit.</summary>
    internal bool TryReserveAbandonedThread()
    {
        while (true)
        {
            var held = Volatile.Read(ref _abandonedThreads);
            if (held >= _maxAbandonedThreads)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _abandonedThreads, held + 1, held) == held)
            {
                return true;
            }
        }
    }

    /// <summary>An abandoned body returned (or was not abandoned after all): its place is free.</summary>
    internal void ReleaseAbandonedThread() => Interlocked.Decrement(ref _abandonedThreads);

    /// <summary>The backend of synchronous tasks declared with <see cref="Backend.Default"/> (default: <see cref="Backend.Async"/>).</summary>
    public Backend DefaultBackend
    {
        get => _defaultBackend;
        init => _defaultBackend = value is Backend.Async or Backend.Thread or Backend.Serial
            ? value
            : throw new ArgumentOutOfRangeException(nameof(DefaultBackend), value, "The default backend must be Async, Thread or Serial.");
    }

    /// <summary>What happens when a task fails (default: <see cref="ErrorPolicy.Raise"/>).</summary>
    public ErrorPolicy ErrorPolicy
    {
        get => _errorPolicy;
        init => _errorPolicy = value is ErrorPolicy.Raise or ErrorPolicy.Log or ErrorPolicy.Continue
            ? value
            : throw new ArgumentOutOfRangeException(nameof(ErrorPolicy), value, "Unknown error policy.");
    }

    /// <summary>
    /// Where failures (under <see cref="ErrorPolicy.Log"/>), retries and abandoned bodies are logged (default: nowhere).
    /// Task bodies also run inside a scope of this logger (run id, task, attempt, throughline), so every logger of the
    /// same factory that includes scopes prints them.
    /// </summary>
    public ILogger Logger
    {
        get => _logger;
        init
        {
            _logger = value ?? NullLogger.Instance;
            LogsScopes = _logger is not NullLogger;
        }
    }

    internal bool LogsScopes { get; private init; }

    /// <summary>Where runs are checkpointed (default: none). With a store, completed tasks are recorded and a run can be resumed.</summary>
    public IWorkflowStore? Store { get; init; }

    /// <summary>
    /// Where workflow objects come from when a run is started by name (<see cref="WorkflowDefinition.StartAsync"/>): a
    /// service of the workflow's class, if this provides one, else the class's parameterless constructor. Default: none.
    /// </summary>
    public IServiceProvider? Services { get; init; }

    /// <summary>How long completions are gathered before a checkpoint batch is written (default: zero, one batch per write opportunity).</summary>
    public TimeSpan CheckpointInterval { get; init; }

    /// <summary>How often a task waiting for an event checks the store for it (events published by other processes); default 1 s.</summary>
    public TimeSpan EventPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a run's lease in the <see cref="Store"/> lasts unless renewed (default 30 s; at most a day). A run with a
    /// store takes its lease before it loads its checkpoint, renews it every third of this while it executes, and
    /// releases it after its last checkpoint; another runner (another process) cannot execute the run meanwhile. If the
    /// process dies, the lease expires after this long and another runner can take the run over: shorter means a
    /// quicker takeover, and more renewals. A runner that could not renew its lease in time and finds it taken over
    /// stops the run (<see cref="RunLeasedException"/>, <see cref="RunLeasedException.IsLost"/>).
    /// </summary>
    public TimeSpan RunLeaseDuration
    {
        get => _runLeaseDuration;
        init => _runLeaseDuration = value > TimeSpan.Zero && value <= TimeSpan.FromDays(1)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(RunLeaseDuration), value, "A run lease lasts more than zero and at most one day.");
    }

    private readonly TimeSpan _runLeaseDuration = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long starting a run with a store waits for another runner's lease on it (default zero: not at all). Zero
    /// ends the run at once with <see cref="RunLeasedException"/> (naming the holder and its expiry) if another runner
    /// holds its lease; a longer wait asks the store again every second (or when the holder's lease expires, if that is
    /// sooner) until it gets the lease or the wait is over. <see cref="Timeout.InfiniteTimeSpan"/> waits without limit.
    /// Nothing of the run executes while it waits; cancelling the run ends the wait.
    /// </summary>
    public TimeSpan RunLeaseWait
    {
        get => _runLeaseWait;
        init => _runLeaseWait = value >= TimeSpan.Zero || value == Timeout.InfiniteTimeSpan
            ? value
            : throw new ArgumentOutOfRangeException(nameof(RunLeaseWait), value, "The lease wait is zero or more, or Timeout.InfiniteTimeSpan.");
    }

    private readonly TimeSpan _runLeaseWait;

    /// <summary>
    /// Who this runner's run leases are held by, as stores record it and <see cref="RunLeasedException.Owner"/> reports
    /// it (default: the machine name, the process id and a random part, different for every runner). A runner asking for
    /// a lease its owner name holds already gets it at once (unless it executes that run itself: one runner executes a run
    /// once at a time): give a fixed name only to a process that restarts under the same identity (and never runs twice
    /// at once), so that it takes its runs back without waiting for their leases to expire.
    /// </summary>
    public string RunLeaseOwner
    {
        get => _runLeaseOwner;
        init
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            _runLeaseOwner = value;
        }
    }

    private readonly string _runLeaseOwner = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>The serializer for run state, side effects and events of runs that name none (dynamic runs), and for typed events.</summary>
    public System.Text.Json.Serialization.JsonSerializerContext? SerializerContext { get; init; }

    /// <summary>
    /// Whether every synchronous body runs in its own copy of the execution context holding its throughline frame, so
    /// that work it starts on other threads (<c>Task.Run</c>, the thread pool) sees the task's frame and
    /// <see cref="TaskContext.Current"/> even if the body itself never read them. Default false: a synchronous body's
    /// frame enters the execution context the first time the body asks for it (<see cref="Throughline"/>,
    /// <see cref="TaskContext.Current"/>, a submission, an exception), which saves two allocations per task. With a
    /// logger or an activity listener, bodies always get the copy (their scope and span must flow).
    /// </summary>
    public bool AlwaysFlowThroughline { get; init; }

    /// <summary>The clock for backoff waits and timeouts (default: <see cref="TimeProvider.System"/>; tests use a fake one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Where results of tasks with a result cache (<c>[CacheResult]</c>, <see cref="TaskOptions.Cache"/>) are kept
    /// (default: an <see cref="InMemoryResultCache"/> of this runner, made on first use).
    /// </summary>
    public IResultCache ResultCache
    {
        get => _resultCache ?? Interlocked.CompareExchange(ref _resultCache, new InMemoryResultCache(), null) ?? _resultCache!;
        init => _resultCache = value ?? throw new ArgumentNullException(nameof(ResultCache));
    }

    private IResultCache? _resultCache;
    private AdmissionGate? _admission;

    /// <summary>The running and pending calls per concurrency key, and the cache flights, of this runner's runs.</summary>
    internal AdmissionGate Admission => _admission ?? Interlocked.CompareExchange(ref _admission, new AdmissionGate(), null) ?? _admission!;

    /// <summary>The runs started with this runner that have not ended.</summary>
    public IReadOnlyList<WorkflowRun> ActiveRuns
    {
        get
        {
            lock (_active)
            {
                return [.. _active];
            }
        }
    }

    /// <summary>
    /// Executors that replace the built-in ones, by backend (a sibling package's executor for its backend). The
    /// getter gives every backend's executor; <see cref="Backend.Default"/> is resolved before execution and cannot
    /// have one.
    /// </summary>
    public IReadOnlyDictionary<Backend, TaskExecutor> Executors
    {
        get
        {
            var table = new Dictionary<Backend, TaskExecutor>();
            foreach (var backend in BackendInfo.Executable)
            {
                table[backend] = GetExecutor(backend);
            }

            if (_customExecutors is not null)
            {
                foreach (var (backend, executor) in _customExecutors)
                {
                    table[backend] = executor;
                }
            }

            return table;
        }

        init
        {
            ArgumentNullException.ThrowIfNull(value);
            var custom = new Dictionary<Backend, TaskExecutor>();
            foreach (var (backend, executor) in value)
            {
                if (backend == Backend.Default)
                {
                    throw new ArgumentException("Backend.Default is resolved to the runner's DefaultBackend before a task runs; give an executor for a concrete backend.", nameof(Executors));
                }

                custom[backend] = executor ?? throw new ArgumentException($"The executor for {backend} is null.", nameof(Executors));
            }

            _customExecutors = custom;
        }
    }

    /// <summary>The executor that runs the bodies of tasks on <paramref name="backend"/>.</summary>
    /// <exception cref="ArgumentException">No executor runs that backend (<see cref="Backend.Default"/>, or a value no executor was given for).</exception>
    public TaskExecutor GetExecutor(Backend backend) =>
        TryGetExecutor(backend) ?? throw new ArgumentException(
            backend == Backend.Default
                ? "Backend.Default is resolved to the runner's DefaultBackend before a task runs."
                : $"No executor runs backend {backend}; give one in WorkflowRunner.Executors.",
            nameof(backend));

    /// <summary>The executor of a task's (resolved) backend: the hot path's table lookup.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal TaskExecutor ExecutorOf(Backend backend) =>
        Volatile.Read(ref _executors) is { } table && table[(byte)backend] is { } executor ? executor : GetExecutor(backend);

    /// <summary>Whether a task on <paramref name="backend"/> can run on this runner.</summary>
    internal bool HasExecutor(Backend backend) =>
        Volatile.Read(ref _executors) is { } table && (uint)backend < (uint)table.Length
            ? table[(int)backend] is not null
            : BackendInfo.IsStorable(backend) && TryGetExecutor(backend) is not null;

    private TaskExecutor? TryGetExecutor(Backend backend)
    {
        if (!BackendInfo.IsStorable(backend))
        {
            return null;
        }

        var table = Volatile.Read(ref _executors) ?? CreateExecutors();
        return table[(byte)backend];
    }

    /// <summary>The runner's executors, made on first use (they start no thread until they get work).</summary>
    private TaskExecutor?[] CreateExecutors()
    {
        var table = new TaskExecutor?[256];
        table[(byte)Backend.Async] = new WorkerPoolExecutor(MaxWorkers);
        table[(byte)Backend.Thread] = new DedicatedThreadExecutor(MaxWorkers);
        table[(byte)Backend.Serial] = new SerialExecutor("Workflowy serial worker");
        table[(byte)Backend.Process] = new ProcessTaskExecutor();
        if (_customExecutors is not null)
        {
            foreach (var (backend, executor) in _customExecutors)
            {
                table[(byte)backend] = executor;
            }
        }

        return Interlocked.CompareExchange(ref _executors, table, null) ?? table;
    }

    /// <summary>
    /// Raised on every state change of every task of every run of this runner, on the thread that made it (the
    /// sender is the run). Subscribe before starting runs to see each run from its first transition.
    /// </summary>
    public event EventHandler<TaskStateChangedEventArgs>? TaskStateChanged;

    internal EventHandler<TaskStateChangedEventArgs>? TaskStateChangedHandler => TaskStateChanged;

    /// <summary>
    /// Raised when a task of any run of this runner reports progress, on the reporting thread (the sender is the run).
    /// Subscribe before starting runs to see every report, including a graph run's first one.
    /// </summary>
    public event EventHandler<TaskProgressEventArgs>? ProgressChanged;

    internal EventHandler<TaskProgressEventArgs>? ProgressChangedHandler => ProgressChanged;

    /// <summary>
    /// Creates a run of dynamic tasks: submit to it with <see cref="WorkflowRun.Submit{T}(Func{TaskContext, T}, ReadOnlySpan{TaskHandle})"/>
    /// and friends, then <see cref="DynamicRun.Complete"/> it; it ends when its tasks are terminal.
    /// </summary>
    public DynamicRun CreateRun(string name = "dynamic")
    {
        ArgumentNullException.ThrowIfNull(name);
        return new DynamicRun(name, this);
    }

    /// <summary>
    /// Creates a run of dynamic tasks that starts now, or (<paramref name="startNow"/> false) only at
    /// <see cref="DynamicRun.Start"/> or <see cref="DynamicRun.Complete"/>: tasks submitted before then wait, so a whole
    /// graph can be submitted first and handed to the workers at once.
    /// </summary>
    public DynamicRun CreateRun(string name, bool startNow)
    {
        ArgumentNullException.ThrowIfNull(name);
        return new DynamicRun(name, this, runId: null, startNow);
    }

    /// <summary>
    /// Submits a task: inside a task body, to that task's run (as its child); elsewhere, to this runner's own
    /// dynamic run, which lives until the runner is disposed.
    /// </summary>
    public TaskHandle<T> Submit<T>(Func<TaskContext, T> body, params ReadOnlySpan<TaskHandle> dependsOn) => TargetRun(dependsOn).Submit(body, dependsOn);

    /// <summary>Submits a task with options (see <see cref="Submit{T}(Func{TaskContext, T}, ReadOnlySpan{TaskHandle})"/>).</summary>
    public TaskHandle<T> Submit<T>(TaskOptions options, Func<TaskContext, T> body, params ReadOnlySpan<TaskHandle> dependsOn) => TargetRun(dependsOn).Submit(options, body, dependsOn);

    /// <summary>Submits an asynchronous task (see <see cref="Submit{T}(Func{TaskContext, T}, ReadOnlySpan{TaskHandle})"/>).</summary>
    public TaskHandle<T> Submit<T>(Func<TaskContext, Task<T>> body, params ReadOnlySpan<TaskHandle> dependsOn) => TargetRun(dependsOn).Submit(body, dependsOn);

    /// <summary>Submits an asynchronous task with options.</summary>
    public TaskHandle<T> Submit<T>(TaskOptions options, Func<TaskContext, Task<T>> body, params ReadOnlySpan<TaskHandle> dependsOn) => TargetRun(dependsOn).Submit(options, body, dependsOn);

    /// <summary>Submits a task without a result.</summary>
    public TaskHandle Submit(Action<TaskContext> body, params ReadOnlySpan<TaskHandle> dependsOn) => TargetRun(dependsOn).Submit(body, dependsOn);

    /// <summary>Submits an asynchronous task without a result.</summary>
    public TaskHandle Submit(Func<TaskContext, Task> body, params ReadOnlySpan<TaskHandle> dependsOn) => TargetRun(dependsOn).Submit(body, dependsOn);

    /// <summary>
    /// Creates a run of dynamic tasks with a given id, restoring its checkpoint from <see cref="Store"/> first: submitted
    /// tasks whose key completed in an earlier process are restored instead of run again. Throws what loading the
    /// checkpoint threw (a <see cref="CheckpointException"/> for a corrupt or foreign one) instead of returning an ended run.
    /// </summary>
    /// <exception cref="RunLeasedException">Another runner (another process) executes the run (see <see cref="RunLeaseWait"/>).</exception>
    public async Task<DynamicRun> ResumeRunAsync(string name, string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        var run = new DynamicRun(name, this, runId);
        await run.Started.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (run.Failure is { } failure)
        {
            // The checkpoint could not be loaded: the run ended before anything ran. Its error, not an ended run.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        return run;
    }

    /// <summary>
    /// Publishes an event: tasks waiting for it in this process wake at once; with a <see cref="Store"/>, it is recorded so
    /// that tasks waiting in other processes, or resumed later, see it.
    /// </summary>
    /// <param name="name">The event name, e.g. <c>approved:&lt;runId&gt;</c>.</param>
    /// <param name="payloadJson">The payload, as JSON.</param>
    /// <param name="cancellationToken">Cancels the publication.</param>
    public async ValueTask PublishEventAsync(string name, string payloadJson = "null", CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(payloadJson);
        using (System.Text.Json.JsonDocument.Parse(payloadJson))
        {
            // Validates the payload.
        }

        if (Store is { } store)
        {
            await store.PublishEventAsync(name, payloadJson, cancellationToken).ConfigureAwait(false);
        }

        _events.Publish(name, payloadJson);
        Raise(EventPublished, new WorkflowEventPublishedEventArgs(name, payloadJson), nameof(EventPublished), "-");
    }

    /// <summary>Publishes an event with a typed payload (see <see cref="PublishEventAsync(string, string, CancellationToken)"/>).</summary>
    public ValueTask PublishEventAsync<T>(string name, T payload, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default) =>
        PublishEventAsync(name, System.Text.Json.JsonSerializer.Serialize(payload, typeInfo), cancellationToken);

    internal EventHub Events => _events;

    /// <summary>Cancels every run of this runner that has not ended.</summary>
    public void CancelAll()
    {
        foreach (var run in ActiveRuns)
        {
            run.Cancel();
        }
    }

    /// <summary>
    /// Cancels the runs still going (completing runs of dynamic tasks, so they take no more submissions), waits for them
    /// to end, stops the serial worker and refuses new runs. A body that ignores its cancellation token is waited for.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        DynamicRun? ambient;
        lock (_active)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            ambient = _ambient;
        }

        ambient?.Complete();
        var runs = ActiveRuns;
        foreach (var run in runs)
        {
            run.Cancel();

            // A run of dynamic tasks never completed by its owner would otherwise wait for submissions forever.
            (run as DynamicRun)?.Complete();
        }

        foreach (var run in runs)
        {
            try
            {
                await run.Completion.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The run's outcome belongs to whoever awaits it; disposal only waits for it to end.
            }
        }

        if (Volatile.Read(ref _executors) is { } executors)
        {
            // Only the runner's own executors: one given in Executors belongs to whoever made it.
            foreach (var backend in BackendInfo.Executable)
            {
                if (_customExecutors?.ContainsKey(backend) != true)
                {
                    executors[(byte)backend]?.Stop();
                }
            }
        }
    }

    /// <summary>
    /// Raised when a run of this runner starts (before its checkpoint is loaded, with a store), on the thread that
    /// starts it. For hosts, dashboards and schedulers that track runs; a handler that throws is logged and ignored.
    /// </summary>
    public event EventHandler<WorkflowRunEventArgs>? RunStarted;

    /// <summary>
    /// Raised when a run of this runner has ended (every task terminal, or aborted by a failure), on the thread that
    /// ended it; its <see cref="WorkflowRun.Completion"/> follows once its last checkpoint is stored.
    /// </summary>
    public event EventHandler<WorkflowRunEventArgs>? RunEnded;

    /// <summary>
    /// Raised after an event was published with <see cref="PublishEventAsync(string, string, CancellationToken)"/>
    /// (and stored, with a store): for triggers that start work on events. A handler that throws is logged and ignored.
    /// </summary>
    public event EventHandler<WorkflowEventPublishedEventArgs>? EventPublished;

    internal void OnRunStarted(WorkflowRun run)
    {
        if (_tracksRuns)
        {
            lock (_active)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                _active.Add(run);
            }
        }

        Raise(RunStarted, new WorkflowRunEventArgs(run), nameof(RunStarted), run.RunId);
    }

    internal void OnRunEnded(WorkflowRun run)
    {
        if (_tracksRuns)
        {
            lock (_active)
            {
                _active.Remove(run);
            }
        }

        Raise(RunEnded, new WorkflowRunEventArgs(run), nameof(RunEnded), run.RunId);
    }

    private void Raise<TArgs>(EventHandler<TArgs>? handler, TArgs args, string name, string runId) =>
        Logging.RaiseSafely(handler, this, args, Logger, name, runId);

    private WorkflowRun TargetRun(ReadOnlySpan<TaskHandle> dependsOn)
    {
        if (dependsOn.Length > 0 && dependsOn[0] is { } first)
        {
            return first.Run;
        }

        if (TaskContext.CurrentHandle is { Run: { HasEnded: false } current })
        {
            return current;
        }

        lock (_active)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_ambient is null || _ambient.HasEnded)
            {
                _ambient = DynamicRun.CreateAmbient(this);
            }

            return _ambient;
        }
    }
}
