using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// A run could not be executed because another runner (usually another process) holds its lease in the store: it is
/// running there. Or, while it ran, another runner took its lease over (this runner did not renew it in time) and this
/// runner stopped it. Nothing of this run was executed or stored by the runner that throws it, after the lease was
/// refused or lost.
/// </summary>
public sealed class RunLeasedException : WorkflowException
{
    /// <summary>Creates the exception for a lease held by <paramref name="owner"/> until <paramref name="expiresAt"/>.</summary>
    /// <param name="workflow">The workflow key.</param>
    /// <param name="runId">The run id.</param>
    /// <param name="owner">Who holds the lease (null: no one, the lease was released by another runner).</param>
    /// <param name="expiresAt">When the holder's lease expires unless it renews it.</param>
    public RunLeasedException(string workflow, string runId, string? owner, DateTimeOffset expiresAt)
        : this(
            $"Run {runId} of {workflow} is being executed by '{owner}' (it holds the run's lease until {Format(expiresAt)} unless it renews it); a run is executed by one runner at a time. Resume it once that execution has ended or its lease has expired, or let the runner wait for it (WorkflowRunner.RunLeaseWait).",
            workflow,
            runId,
            owner,
            expiresAt,
            lost: false)
    {
    }

    private RunLeasedException(string message, string workflow, string runId, string? owner, DateTimeOffset expiresAt, bool lost)
        : base(message)
    {
        Workflow = workflow;
        RunId = runId;
        Owner = owner;
        ExpiresAt = expiresAt;
        IsLost = lost;
    }

    /// <summary>The workflow key of the run.</summary>
    public string Workflow { get; }

    /// <summary>Who holds the run's lease (another runner's <see cref="WorkflowRunner.RunLeaseOwner"/>); null if no one does.</summary>
    public string? Owner { get; }

    /// <summary>When the holder's lease expires unless it renews it (<c>default</c> if no one holds it).</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>Whether this runner held the lease and lost it while the run was going on (false: it was refused at the start).</summary>
    public bool IsLost { get; }

    /// <summary>The failure of a run whose lease another runner took over (or released) while this runner executed it.</summary>
    internal static RunLeasedException Lost(string workflow, string runId, string? owner, DateTimeOffset expiresAt) => new(
        owner is null
            ? $"Run {runId} of {workflow} lost its lease: another runner took it over and released it, because this runner did not renew it in time. This runner stopped the run and stores nothing more of it."
            : $"Run {runId} of {workflow} lost its lease to '{owner}' (until {Format(expiresAt)}), because this runner did not renew it in time: the run is executed there now. This runner stopped the run and stores nothing more of it.",
        workflow,
        runId,
        owner,
        expiresAt,
        lost: true);

    private static string Format(DateTimeOffset time) => time.ToString("O", CultureInfo.InvariantCulture);
}

/// <summary>
/// Holds a run's lease while the run executes: takes it before the checkpoint is loaded (waiting for another holder up
/// to <see cref="WorkflowRunner.RunLeaseWait"/>), renews it every third of <see cref="WorkflowRunner.RunLeaseDuration"/>
/// on the runner's clock, says before each write whether the run may still write (renewing first if the timer fell
/// behind), and releases it after the run's last checkpoint. A lease found taken over aborts the run, whatever the
/// error policy, and nothing more of it is written.
/// </summary>
internal sealed class RunLeaseKeeper
{
    /// <summary>How often a runner waiting for another's lease asks again (sooner if that lease expires sooner).</summary>
    internal static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    private readonly WorkflowRun _run;
    private readonly IWorkflowStore _store;
    private readonly string _owner;
    private readonly TimeSpan _duration;
    private readonly TimeSpan _period;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _renewing = new(1, 1);
    private ITimer? _timer;
    private long _renewedAt; // UTC ticks, on the runner's clock
    private long _expiresAt;
    private volatile RunLeasedException? _lost;
    private volatile bool _released;

    private RunLeaseKeeper(WorkflowRun run, IWorkflowStore store, DateTimeOffset takenAt, DateTimeOffset expiresAt)
    {
        var runner = run.Runner;
        _run = run;
        _store = store;
        _owner = runner.RunLeaseOwner;
        _duration = runner.RunLeaseDuration;
        _period = _duration / 3;
        _time = runner.TimeProvider;
        _renewedAt = takenAt.UtcTicks;
        _expiresAt = expiresAt.UtcTicks;
    }

    /// <summary>The failure the run ended with when its lease was taken over; null while it holds it.</summary>
    public RunLeasedException? Lost => _lost;

    /// <summary>When the lease expires unless renewed, as last granted.</summary>
    public DateTimeOffset ExpiresAt => new(Volatile.Read(ref _expiresAt), TimeSpan.Zero);

    /// <summary>
    /// Takes the run's lease, waiting for another holder up to the runner's <see cref="WorkflowRunner.RunLeaseWait"/>
    /// (asking again every second, or when its lease expires if that is sooner); throws
    /// <see cref="RunLeasedException"/> if it is still held by then.
    /// </summary>
    public static async Task<RunLeaseKeeper> AcquireAsync(WorkflowRun run, IWorkflowStore store, CancellationToken cancellationToken)
    {
        var runner = run.Runner;
        var time = runner.TimeProvider;
        var wait = runner.RunLeaseWait;
        var start = time.GetUtcNow();
        var deadline = wait == Timeout.InfiniteTimeSpan || wait >= DateTimeOffset.MaxValue - start ? DateTimeOffset.MaxValue : start + wait;
        var key = (run.WorkflowKey, run.RunId);
        while (true)
        {
            var now = time.GetUtcNow();
            RunLease lease;
            if (!runner.LeasedRuns.TryAdd(key, null))
            {
                // This runner executes the run already (the store would grant its owner the lease again).
                lease = runner.LeasedRuns.TryGetValue(key, out var other) && other is not null
                    ? new RunLease(false, runner.RunLeaseOwner, other.ExpiresAt)
                    : new RunLease(false, runner.RunLeaseOwner, now + runner.RunLeaseDuration);
            }
            else
            {
                try
                {
                    lease = await store.TryAcquireRunLeaseAsync(run.WorkflowKey, run.RunId, runner.RunLeaseOwner, now, runner.RunLeaseDuration, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    runner.LeasedRuns.TryRemove(key, out _);
                    throw;
                }

                if (lease.Acquired)
                {
                    var keeper = new RunLeaseKeeper(run, store, now, lease.ExpiresAt);
                    runner.LeasedRuns[key] = keeper;
                    keeper.StartRenewing();
                    return keeper;
                }

                runner.LeasedRuns.TryRemove(key, out _);
            }

            if (now >= deadline)
            {
                throw new RunLeasedException(run.WorkflowKey, run.RunId, lease.Owner, lease.ExpiresAt);
            }

            var next = now + PollInterval;
            if (lease.ExpiresAt > now && lease.ExpiresAt < next)
            {
                next = lease.ExpiresAt;
            }

            if (deadline < next)
            {
                next = deadline;
            }

            var delay = next - now;
            await Task.Delay(delay > TimeSpan.FromMilliseconds(1) ? delay : TimeSpan.FromMilliseconds(1), time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether the run may write to the store now: it holds its lease, renewed first if less than a third of it is
    /// left (the renewal timer fell behind). False if the lease was lost (see <see cref="Lost"/>), or if it expired and
    /// could not be renewed (the store failed; the failure follows the error policy, and a later write asks again).
    /// </summary>
    public async ValueTask<bool> EnsureHeldAsync()
    {
        if (_lost is not null || _released)
        {
            // Lost; or released at the run's end (a RerunAsync after it stores nothing).
            return false;
        }

        if (_time.GetUtcNow().UtcTicks < Volatile.Read(ref _expiresAt) - _period.Ticks)
        {
            return true;
        }

        await _renewing.WaitAsync().ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow();
            if (_lost is not null || _released)
            {
                return false;
            }

            if (now.UtcTicks < _expiresAt - _period.Ticks)
            {
                return true; // renewed meanwhile
            }

            if (await RenewLockedAsync(now).ConfigureAwait(false))
            {
                return true;
            }

            // Lost, or the store failed: write only while the lease it holds has not expired.
            return _lost is null && now.UtcTicks < _expiresAt;
        }
        finally
        {
            _renewing.Release();
        }
    }

    /// <summary>Stops renewing and gives the lease back (after the run's last checkpoint). A failure to release is ignored: the lease then expires by itself.</summary>
    public async Task ReleaseAsync()
    {
        Interlocked.Exchange(ref _timer, null)?.Dispose();
        await _renewing.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_released)
            {
                return;
            }

            _released = true;
            _run.Runner.LeasedRuns.TryRemove(new KeyValuePair<(string, string), RunLeaseKeeper?>((_run.WorkflowKey, _run.RunId), this));
            if (_lost is null)
            {
                await _store.ReleaseRunLeaseAsync(_run.WorkflowKey, _run.RunId, _owner, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            // The run has ended; its lease expires after RunLeaseDuration without renewal.
        }
        finally
        {
            _renewing.Release();
        }
    }

    private void StartRenewing()
    {
        // The timer does not capture the run's execution context (its activity, its throughline).
        var restore = !ExecutionContext.IsFlowSuppressed();
        var flow = restore ? ExecutionContext.SuppressFlow() : default;
        try
        {
            _timer = _time.CreateTimer(static state => ((RunLeaseKeeper)state!).OnTimer(), this, _period, _period);
        }
        finally
        {
            if (restore)
            {
                flow.Undo();
            }
        }
    }

    private void OnTimer()
    {
        // A clock that jumps (a test's fake clock) fires the timer once per period it skipped: one renewal is enough.
        if (_lost is not null || _released || _time.GetUtcNow().UtcTicks < Volatile.Read(ref _renewedAt) + (_period.Ticks / 2) || !_renewing.Wait(0))
        {
            return;
        }

        _ = RenewFromTimerAsync();
    }

    private async Task RenewFromTimerAsync()
    {
        try
        {
            if (!_released)
            {
                await RenewLockedAsync(_time.GetUtcNow()).ConfigureAwait(false);
            }
        }
        finally
        {
            _renewing.Release();
        }
    }

    /// <summary>Renews the lease (the caller holds <see cref="_renewing"/>): true if renewed; false if lost (the run is aborted) or the store failed (the error policy applies).</summary>
    private async Task<bool> RenewLockedAsync(DateTimeOffset now)
    {
        RunLease lease;
        try
        {
            lease = await _store.RenewRunLeaseAsync(_run.WorkflowKey, _run.RunId, _owner, now, _duration).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _run.OnStoreFailure(ex);
            return false;
        }

        if (lease.Acquired)
        {
            Volatile.Write(ref _renewedAt, now.UtcTicks);
            Volatile.Write(ref _expiresAt, lease.ExpiresAt.UtcTicks);
            return true;
        }

        var lost = RunLeasedException.Lost(_run.WorkflowKey, _run.RunId, lease.Owner, lease.ExpiresAt);
        _lost = lost;
        Interlocked.Exchange(ref _timer, null)?.Dispose();
        _run.OnRunLeaseLost(lost);
        return false;
    }
}
