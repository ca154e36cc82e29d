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
    private readonly Backend _defaultBackend = Backend.Async;
    private readonly ErrorPolicy _errorPolicy = ErrorPolicy.Raise;
    private readonly HashSet<WorkflowRun> _active = new(ReferenceEqualityComparer.Instance);
    private readonly bool _tracksRuns;
    private readonly Lazy<SerialWorker> _serial;
    private DynamicRun? _ambient;
    private readonly ILogger _logger = NullLogger.Instance;
    private readonly EventHub _events = new();
    private bool _disposed;

    /// <summary>Creates a runner with default options.</summary>
    public WorkflowRunner()
        : this(tracksRuns: true)
    {
    }

    private WorkflowRunner(bool tracksRuns)
    {
        _tracksRuns = tracksRuns;
        _serial = new Lazy<SerialWorker>(() => new SerialWorker("Workflowy serial worker"), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The runner used when none is given: default options, never disposed.</summary>
    public static WorkflowRunner Default { get; } = new(tracksRuns: false);

    /// <summary>How many worker loops a run uses, i.e. how many task bodies execute at once on threads
    /// (at least 1; default: the processor count). Async bodies awaiting I/O do not hold a worker.</summary>
    public int MaxWorkers
    {
        get => _maxWorkers;
        init => _maxWorkers = value >= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxWorkers), value, "A runner needs at least one worker.");
    }

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

    internal SerialWorker Serial => _serial.Value;

    /// <summary>
    /// Raised on every state change of every task of every run of this runner, on the thread that made it (the
    /// sender is the run). Subscribe before starting runs to see each run from its first transition.
    /// </summary>
    public event EventHandler<TaskStateChangedEventArgs>? TaskStateChanged;

    internal EventHandler<TaskStateChangedEventArgs>? TaskStateChangedHandler => TaskStateChanged;

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
    /// tasks whose key completed in an earlier process are restored instead of run again.
    /// </summary>
    public async Task<DynamicRun> ResumeRunAsync(string name, string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        var run = new DynamicRun(name, this, runId);
        await run.Started.WaitAsync(cancellationToken).ConfigureAwait(false);
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

        if (_serial.IsValueCreated)
        {
            _serial.Value.Dispose();
        }
    }

    internal void OnRunStarted(WorkflowRun run)
    {
        if (!_tracksRuns)
        {
            return;
        }

        lock (_active)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _active.Add(run);
        }
    }

    internal void OnRunEnded(WorkflowRun run)
    {
        if (!_tracksRuns)
        {
            return;
        }

        lock (_active)
        {
            _active.Remove(run);
        }
    }

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
                _ambient = CreateRun("runner");
            }

            return _ambient;
        }
    }
}
