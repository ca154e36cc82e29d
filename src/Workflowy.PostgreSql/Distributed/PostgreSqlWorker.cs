using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Npgsql;

namespace Workflowy;

/// <summary>
/// A worker process's executor for distributed runs: it registers itself (a row with a lease), claims ready tasks in
/// batches (<c>FOR UPDATE SKIP LOCKED</c>), runs their bodies through the workflow catalogue, and writes each attempt's
/// outcome fenced by its attempt number, releasing dependents in the same transaction. A heartbeat renews its lease; a
/// reaper (in every worker) returns the tasks of workers whose lease expired; LISTEN/NOTIFY wakes it, with polling as
/// the fallback. Start it with <see cref="StartAsync"/>, stop it with <see cref="StopAsync"/>. See docs/scale-out.md.
/// </summary>
public sealed partial class PostgreSqlWorker : IAsyncDisposable
{
    private readonly PostgreSqlDatabase _db;
    private readonly string _s;
    private readonly ITaskBodies _bodies;
    private readonly Channel<Outcome> _outcomes = Channel.CreateUnbounded<Outcome>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly ConcurrentDictionary<long, RunInfo> _runs = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _bodiesCancelled = new();
    private readonly CancellationTokenSource _finished = new();
    private Task _loops = Task.CompletedTask;
    private int _busy;
    private int _running;
    private long _claimed;
    private long _accepted;
    private long _fenced;
    private long _notifiedAt;
    private long _leaseValidUntil;
    private volatile bool _leaseLost;
    private int _disposed;

    /// <summary>Creates a worker on the server and schema the options name; task bodies are found in <see cref="WorkflowCatalog"/>.</summary>
    /// <exception cref="ArgumentException">The heartbeat interval is not shorter than the lease.</exception>
    /// <param name="options">Where the database is, and the worker's tuning.</param>
    /// <param name="runner">Whose <see cref="WorkflowRunner.Services"/> make workflow objects (default: parameterless constructors).</param>
    public PostgreSqlWorker(PostgreSqlWorkflowyOptions options, WorkflowRunner? runner = null)
        : this(options, new CatalogBodies(runner))
    {
    }

    internal PostgreSqlWorker(PostgreSqlWorkflowyOptions options, ITaskBodies bodies)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.HeartbeatInterval >= options.LeaseDuration)
        {
            throw new ArgumentException(
                $"The heartbeat interval ({options.HeartbeatInterval}) must be shorter than the lease ({options.LeaseDuration}), a third of it or less: otherwise the worker's lease expires between heartbeats and its tasks are taken over.",
                nameof(options));
        }

        _db = new PostgreSqlDatabase(options);
        _s = _db.Schema;
        _bodies = bodies;
    }

    /// <summary>This worker's id (its row in the workers table, the owner of the tasks it claims).</summary>
    public Guid Id { get; } = Guid.NewGuid();

    /// <summary>
    /// Ends when the worker has stopped: after <see cref="StopAsync"/>, or by itself when it lost its lease (its
    /// heartbeat found it declared dead: it stops claiming and cancels its bodies, whose outcomes are fenced; faults with
    /// <see cref="WorkerLeaseLostException"/>), or when the database failed for longer than a lease.
    /// </summary>
    public Task Completion => _loops;

    /// <summary>What this worker has done so far.</summary>
    public PostgreSqlWorkerStatistics Statistics => new(
        Interlocked.Read(ref _claimed),
        Interlocked.Read(ref _accepted),
        Interlocked.Read(ref _fenced));

    /// <summary>Test hook: awaited by the completer before it writes a batch of outcomes.</summary>
    internal Func<int, Task>? BeforeComplete { get; set; }

    /// <summary>
    /// Called on the worker's thread just before a body is invoked (for an audit journal, or a test that checks that no
    /// body starts after its task's completion was committed). Its <see cref="WorkerAttemptStart.StartedAt"/> is read
    /// before the lease check that let the body start, so that a pause after the check cannot make the start look later
    /// than it was. Keep it quick: the body waits for it. Null (the default) costs nothing.
    /// </summary>
    public Action<WorkerAttemptStart>? AttemptStarting { get; set; }

    /// <summary>Test hook: while true, the heartbeat does not renew the lease (as for a process paused past it).</summary>
    internal bool HeartbeatSuspended { get; set; }

    /// <summary>Registers the worker (makes the schema current first) and starts its loops; returns once it is registered.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                Interlocked.Exchange(ref _leaseValidUntil, System.Diagnostics.Stopwatch.GetTimestamp() + LeaseTicks);
                using var command = new NpgsqlCommand($"INSERT INTO {_s}.workers (id, host, pid, lease_until) VALUES (@id, @host, @pid, now() + @lease)", connection);
                command.Parameters.AddWithValue("id", Id);
                command.Parameters.AddWithValue("host", Environment.MachineName);
                command.Parameters.AddWithValue("pid", Environment.ProcessId);
                command.Parameters.AddWithValue("lease", _db.Options.LeaseDuration);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException ex)
            {
                throw _db.Failure(ex, "The worker could not register");
            }
        }

        _loops = RunLoopsAsync();
    }

    /// <summary>
    /// Stops claiming, lets the bodies running finish (until <paramref name="cancellationToken"/> is cancelled, then
    /// cancels them), writes their outcomes, and removes the worker's row.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        _stopping.Cancel();
        using (cancellationToken.Register(static state => ((CancellationTokenSource)state!).Cancel(), _bodiesCancelled))
        {
            try
            {
                await _loops.ConfigureAwait(false);
            }
            catch (WorkerLeaseLostException)
            {
            }
        }
    }

    /// <summary>Stops the worker (see <see cref="StopAsync"/>) and closes its connections; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _db.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _bodiesCancelled.Dispose();
        _finished.Dispose();
    }

    /// <summary>Wakes the claim loop (at most one wake-up is pending).</summary>
    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
        }
    }

    /// <summary>What the claim returns for a task, with what its body needs.</summary>
    private sealed record Claimed(
        long Id, long RunSeq, string Name, string Key, string? InputsJson, int Attempt, int Lost, int MaxAttempts,
        int FailedDeps, DependencyFailure OnDependencyFailure, long? TimeoutMs, string[] DepNames, string[] DepKeys,
        short[] DepStates, string?[] DepResults);

    /// <summary>The outcome of one attempt, as the completion function takes it.</summary>
    private readonly record struct Outcome(long Id, int Attempt, short Kind, string? Result, string? Error, long DelayMs);

    /// <summary>A run as workers need it: its workflow, id and inputs.</summary>
    private sealed record RunInfo(string Workflow, string RunId, string InputsJson);

    internal const short Completed = 0;
    internal const short Retry = 1;
    internal const short Failed = 2;
    internal const short Skipped = 3;
    internal const short Lost = 4;

    /// <summary>The lease duration in <see cref="System.Diagnostics.Stopwatch"/> ticks.</summary>
    private long LeaseTicks => (long)(_db.Options.LeaseDuration.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
}

/// <summary>What a <see cref="PostgreSqlWorker"/> has done.</summary>
/// <param name="Claimed">Attempts it claimed.</param>
/// <param name="Accepted">Outcomes of its attempts that the database accepted (completed, failed, skipped or retried).</param>
/// <param name="FencedWrites">Outcomes it tried to write for attempts it no longer owned (its lease was taken over): rejected, nothing written.</param>
public sealed record PostgreSqlWorkerStatistics(long Claimed, long Accepted, long FencedWrites);

/// <summary>A worker's heartbeat found it declared dead (its lease expired and the reaper returned its tasks): it stopped.</summary>
public sealed class WorkerLeaseLostException : WorkflowException
{
    /// <summary>Creates the exception.</summary>
    public WorkerLeaseLostException(Guid workerId)
        : base($"Worker {workerId} lost its lease (it did not renew it in time, and its tasks were handed to other workers); it stopped. Start a new worker.") =>
        WorkerId = workerId;

    /// <summary>The worker that stopped.</summary>
    public Guid WorkerId { get; }
}
