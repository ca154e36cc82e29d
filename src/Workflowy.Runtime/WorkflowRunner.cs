using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// Options shared by the runs it executes (worker limit, default backend, error policy), and a handle on those
/// runs: <see cref="CancelAll"/> and <c>await using</c> cancel the runs still going and wait for them.
/// </summary>
public sealed class WorkflowRunner : IAsyncDisposable
{
    private readonly int _maxWorkers = Environment.ProcessorCount;
    private readonly Backend _defaultBackend = Backend.Async;
    private readonly ErrorPolicy _errorPolicy = ErrorPolicy.Raise;
    private readonly HashSet<WorkflowRun> _active = new(ReferenceEqualityComparer.Instance);
    private readonly bool _tracksRuns;
    private bool _disposed;

    /// <summary>Creates a runner with default options.</summary>
    public WorkflowRunner()
        : this(tracksRuns: true)
    {
    }

    private WorkflowRunner(bool tracksRuns) => _tracksRuns = tracksRuns;

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
        init => _defaultBackend = value is Backend.Async or Backend.Thread
            ? value
            : throw new ArgumentOutOfRangeException(nameof(DefaultBackend), value, "The default backend must be Async or Thread.");
    }

    /// <summary>What happens when a task fails (default: <see cref="ErrorPolicy.Raise"/>).</summary>
    public ErrorPolicy ErrorPolicy
    {
        get => _errorPolicy;
        init => _errorPolicy = value == ErrorPolicy.Raise
            ? value
            : throw new ArgumentOutOfRangeException(nameof(ErrorPolicy), value, "Unknown error policy.");
    }

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

    /// <summary>Cancels every run of this runner that has not ended.</summary>
    public void CancelAll()
    {
        foreach (var run in ActiveRuns)
        {
            run.Cancel();
        }
    }

    /// <summary>Cancels the runs still going, waits for them to end, and refuses new runs.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_active)
        {
            _disposed = true;
        }

        var runs = ActiveRuns;
        foreach (var run in runs)
        {
            run.Cancel();
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
}
