using System;
using System.Threading;

namespace Workflowy;

// The run's own status in its store (RunCheckpoint.Status, StartedAt, EndedAt): Running when a run with a store
// starts or resumes, its final status when it ends. The checkpointer carries the pending change in its next batch.
public abstract partial class WorkflowRun
{
    /// <summary>The run's status change waiting for the next checkpoint batch (the checkpointer takes it).</summary>
    internal PendingRunStatus PendingStatus { get; } = new();

    /// <summary>
    /// Called when a run with a store has loaded its checkpoint and made its checkpointer, before it starts: its first
    /// batch records it as <see cref="RunStatus.Running"/>, with its start time unless the store has one already (a
    /// resumed run keeps the time it first started).
    /// </summary>
    private void OnPersistentRunStarting(RunCheckpoint? checkpoint)
    {
        PendingStatus.Set(RunStatus.Running, checkpoint?.StartedAt is null ? Runner.TimeProvider.GetUtcNow() : null, endedAt: null);
        _checkpointer?.Wake();
    }

    /// <summary>
    /// Called when a run with a store ends, before its last batch: that batch records how it ended, and when. The status
    /// is what <see cref="Completion"/> will be (see <see cref="CompleteRun"/>): faulted gives
    /// <see cref="RunStatus.Failed"/>, cancelled <see cref="RunStatus.Cancelled"/>; a success gives
    /// <see cref="RunStatus.Failed"/> if a task of the run failed (<see cref="ErrorPolicy.Log"/>,
    /// <see cref="ErrorPolicy.Continue"/>), else <see cref="RunStatus.Completed"/>.
    /// </summary>
    private void OnPersistentRunEnding(HandleList tasks, int count)
    {
        RunStatus status;
        if (Failure is not null)
        {
            status = RunStatus.Failed;
        }
        else if ((_callerToken.IsCancellationRequested || _cancellation.IsCancellationRequested) && AnyCancelled(tasks, count))
        {
            status = RunStatus.Cancelled;
        }
        else
        {
            status = RunStatus.Completed;
            for (var i = 0; i < count; i++)
            {
                if (tasks[i].State == TaskState.Failed)
                {
                    status = RunStatus.Failed;
                    break;
                }
            }
        }

        PendingStatus.Set(status, startedAt: null, Runner.TimeProvider.GetUtcNow());
    }
}

/// <summary>
/// The run's latest status change not yet stored. A later change replaces an earlier one but keeps its start time,
/// so a run that ends before its first batch is written still records when it started.
/// </summary>
internal sealed class PendingRunStatus
{
    private readonly Lock _lock = new();
    private Change? _pending;

    /// <summary>Whether a change waits to be stored.</summary>
    public bool IsPending
    {
        get
        {
            lock (_lock)
            {
                return _pending is not null;
            }
        }
    }

    public void Set(RunStatus status, DateTimeOffset? startedAt, DateTimeOffset? endedAt)
    {
        lock (_lock)
        {
            _pending = new Change(status, startedAt ?? _pending?.StartedAt, endedAt);
        }
    }

    /// <summary>Takes the pending change for a batch (null if there is none).</summary>
    public Change? Take()
    {
        lock (_lock)
        {
            var taken = _pending;
            _pending = null;
            return taken;
        }
    }

    /// <summary>Puts back a change whose batch was not stored, unless a newer one is pending (which gets its start time).</summary>
    public void PutBack(Change? taken)
    {
        if (taken is not { } change)
        {
            return;
        }

        lock (_lock)
        {
            _pending = _pending is { } newer ? newer with { StartedAt = newer.StartedAt ?? change.StartedAt } : change;
        }
    }

    /// <summary>The batch carrying <paramref name="change"/> (the batch itself if there is none).</summary>
    public static RunCheckpoint Apply(RunCheckpoint batch, Change? change) =>
        change is { } c ? batch with { Status = c.Status, StartedAt = c.StartedAt, EndedAt = c.EndedAt } : batch;

    /// <summary>A status, the run's first start time (null: keep the stored one) and its end time (null while running).</summary>
    internal readonly record struct Change(RunStatus Status, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt);
}
