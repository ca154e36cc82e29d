using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.Scheduling;

/// <summary>
/// The persisted state of one schedule: what registration code does not say (the anchor of its phase, the last
/// occurrence claimed, pause, its life state). The registration (spec, workflow, options) is code or configuration and
/// is given again at every start.
/// </summary>
/// <param name="Id">The schedule's id.</param>
/// <param name="Workflow">The workflow it starts.</param>
/// <param name="Spec">Its spec's description (informative).</param>
/// <param name="Anchor">When it was first registered: the phase of an Every schedule.</param>
public sealed record ScheduleRecord(string Id, string Workflow, string Spec, DateTimeOffset Anchor)
{
    /// <summary>The last occurrence claimed (fired or skipped); the compare-and-swap value (R16).</summary>
    public DateTimeOffset? LastScheduled { get; init; }

    /// <summary>When the last run was started.</summary>
    public DateTimeOffset? LastFired { get; init; }

    /// <summary>When the last run completed (FromCompletion schedules measure from it).</summary>
    public DateTimeOffset? LastCompleted { get; init; }

    /// <summary>Paused: no timer is armed and no occurrence is claimed.</summary>
    public bool Paused { get; init; }

    /// <summary>When it was paused.</summary>
    public DateTimeOffset? PausedAt { get; init; }

    /// <summary>Its life state.</summary>
    public ScheduleState State { get; init; }
}

/// <summary>
/// Where schedules keep their state and outcomes. Two schedulers sharing a store never fire the same occurrence twice:
/// each claims an occurrence with <see cref="TryClaimAsync"/>, a compare-and-swap of <see cref="ScheduleRecord.LastScheduled"/>.
/// Implementations: <see cref="InMemoryScheduleStore"/>, <see cref="JsonFileScheduleStore"/>.
/// </summary>
public interface IScheduleStore
{
    /// <summary>Stores the record unless one with its id exists; returns the stored one (so the first registration's anchor stays).</summary>
    ValueTask<ScheduleRecord> GetOrAddAsync(ScheduleRecord record, CancellationToken cancellationToken = default);

    /// <summary>The record of a schedule, or null.</summary>
    ValueTask<ScheduleRecord?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Every record, ordered by id.</summary>
    ValueTask<IReadOnlyList<ScheduleRecord>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims occurrences: if the stored <see cref="ScheduleRecord.LastScheduled"/> equals <paramref name="expectedLastScheduled"/>
    /// and the schedule is not paused, sets it to <paramref name="lastScheduled"/> (and <see cref="ScheduleRecord.LastFired"/>
    /// to <paramref name="firedAt"/> when given) and returns the new record; otherwise changes nothing and returns null.
    /// </summary>
    ValueTask<ScheduleRecord?> TryClaimAsync(string id, DateTimeOffset? expectedLastScheduled, DateTimeOffset lastScheduled, DateTimeOffset? firedAt, CancellationToken cancellationToken = default);

    /// <summary>Pauses or resumes a schedule; returns the new record (null if there is none).</summary>
    ValueTask<ScheduleRecord?> SetPausedAsync(string id, bool paused, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Sets a schedule's life state and, when given, when its last run completed; returns the new record (null if there is none).</summary>
    ValueTask<ScheduleRecord?> SetStateAsync(string id, ScheduleState state, DateTimeOffset? lastCompleted, CancellationToken cancellationToken = default);

    /// <summary>Removes a schedule's record (its outcomes stay); false if there was none.</summary>
    ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Appends outcomes (each store keeps at least the newest 1,000 per schedule).</summary>
    ValueTask AppendOccurrencesAsync(IReadOnlyList<ScheduleOccurrence> occurrences, CancellationToken cancellationToken = default);

    /// <summary>Outcomes, oldest first: of one schedule, or of all when <paramref name="scheduleId"/> is null; at most the newest <paramref name="max"/>.</summary>
    ValueTask<IReadOnlyList<ScheduleOccurrence>> QueryOccurrencesAsync(string? scheduleId, int max = 1000, CancellationToken cancellationToken = default);
}
