using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.Scheduling;

/// <summary>Schedule state in this process's memory; schedulers sharing one instance share their claims (tests, one process).</summary>
public sealed class InMemoryScheduleStore : IScheduleStore
{
    private readonly Lock _gate = new();
    private readonly ScheduleStoreState _state = new();

    /// <inheritdoc />
    public ValueTask<ScheduleRecord> GetOrAddAsync(ScheduleRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        lock (_gate)
        {
            return ValueTask.FromResult(_state.GetOrAdd(record));
        }
    }

    /// <inheritdoc />
    public ValueTask<ScheduleRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_state.Records.GetValueOrDefault(id));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ScheduleRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<ScheduleRecord>>([.. _state.Records.Values]);
        }
    }

    /// <inheritdoc />
    public ValueTask<ScheduleRecord?> TryClaimAsync(string id, DateTimeOffset? expectedLastScheduled, DateTimeOffset lastScheduled, DateTimeOffset? firedAt, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_state.TryClaim(id, expectedLastScheduled, lastScheduled, firedAt));
        }
    }

    /// <inheritdoc />
    public ValueTask<ScheduleRecord?> SetPausedAsync(string id, bool paused, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_state.SetPaused(id, paused, at));
        }
    }

    /// <inheritdoc />
    public ValueTask<ScheduleRecord?> SetStateAsync(string id, ScheduleState state, DateTimeOffset? lastCompleted, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_state.SetState(id, state, lastCompleted));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_state.Records.Remove(id));
        }
    }

    /// <inheritdoc />
    public ValueTask AppendOccurrencesAsync(IReadOnlyList<ScheduleOccurrence> occurrences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(occurrences);
        lock (_gate)
        {
            _state.Append(occurrences);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ScheduleOccurrence>> QueryOccurrencesAsync(string? scheduleId, int max = 1000, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_state.Query(scheduleId, max));
        }
    }
}
