using System;

namespace Workflowy.Scheduling;

/// <summary>
/// What became of one occurrence of a schedule or trigger (R17): fired (on time or late), skipped and why, dropped,
/// expired, a binding that failed, or a refusal. Recorded in the <see cref="IScheduleStore"/> and queryable with
/// <see cref="WorkflowScheduler.GetOccurrencesAsync"/>.
/// </summary>
/// <param name="ScheduleId">The schedule's or trigger's id.</param>
/// <param name="ScheduledTime">The occurrence's time (un-jittered); for an event, when it was delivered.</param>
/// <param name="RecordedAt">When the outcome was decided (scheduler clock).</param>
/// <param name="Outcome">What became of it.</param>
/// <param name="Reason">Why.</param>
public sealed record ScheduleOccurrence(string ScheduleId, DateTimeOffset ScheduledTime, DateTimeOffset RecordedAt, OccurrenceOutcome Outcome, OccurrenceReason Reason)
{
    /// <summary>For a fire: the run's id.</summary>
    public string? RunId { get; init; }

    /// <summary>For a fire: later than its (jittered) due time, but within the misfire threshold.</summary>
    public bool IsLate { get; init; }

    /// <summary>For a fire: how many occurrences this run stands for (misfire FireOnce counts them all; 0 for a normal fire).</summary>
    public int MissedCount { get; init; }

    /// <summary>For an event or join: the event's id.</summary>
    public string? EventId { get; init; }

    /// <summary>For a composite: the condition that fired it.</summary>
    public string? Condition { get; init; }

    /// <summary>More about the outcome: the input that failed to bind and why, the error of a failed start.</summary>
    public string? Detail { get; init; }

    /// <inheritdoc />
    public override string ToString() =>
        $"{ScheduleId} {ScheduledTime:O}: {Outcome}{(Reason == OccurrenceReason.None ? "" : $"({Reason})")}{(IsLate ? " late" : "")}{(MissedCount > 0 ? $" missed {MissedCount}" : "")}{(Detail is null ? "" : $" {Detail}")}";
}
