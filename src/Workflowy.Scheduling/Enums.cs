namespace Workflowy.Scheduling;

/// <summary>How an <see cref="ScheduleSpec.Every"/> schedule measures its interval.</summary>
public enum IntervalMeasure
{
    /// <summary>Fixed rate: occurrences at <c>anchor + k·interval</c>, the anchor being the schedule's first registration (persisted, so the phase never drifts).</summary>
    FixedRate = 0,

    /// <summary>Fixed delay: the next occurrence is one interval after the previous run completed (runs never overlap).</summary>
    FromCompletion = 1,
}

/// <summary>What happens to occurrences the scheduler reaches more than the misfire threshold after their time (R5).</summary>
public enum MisfirePolicy
{
    /// <summary>One run now for the most recent missed occurrence, carrying how many were missed (the default).</summary>
    FireOnce = 0,

    /// <summary>No run; the missed occurrences are recorded as skipped (reason <see cref="OccurrenceReason.Misfire"/>).</summary>
    Skip = 1,

    /// <summary>One run per missed occurrence, oldest first, at most <see cref="ScheduleOptions.MaxCatchUp"/> (the most recent); the older ones are recorded as dropped.</summary>
    FireAll = 2,
}

/// <summary>What happens to an occurrence that is due while the previous run of the same schedule is still going (R6).</summary>
public enum OverlapPolicy
{
    /// <summary>The occurrence is recorded as skipped (reason <see cref="OccurrenceReason.Overlap"/>); the default for schedules.</summary>
    Skip = 0,

    /// <summary>The newest held-back occurrence runs when the previous run ends; older held-back ones are recorded as superseded.</summary>
    BufferOne = 1,

    /// <summary>Runs may overlap; the default for event and status triggers.</summary>
    Allow = 2,
}

/// <summary>The life of a schedule.</summary>
public enum ScheduleState
{
    /// <summary>It has occurrences to come.</summary>
    Active = 0,

    /// <summary>An <see cref="ScheduleSpec.At(System.DateTimeOffset)"/> schedule that fired.</summary>
    Completed = 1,

    /// <summary>An <see cref="ScheduleSpec.At(System.DateTimeOffset)"/> schedule whose instant passed without a run (misfire policy Skip).</summary>
    Expired = 2,

    /// <summary>A cron expression with no further occurrence (e.g. February 30): no timer is armed.</summary>
    Exhausted = 3,
}

/// <summary>What became of one occurrence of a schedule or trigger (R17).</summary>
public enum OccurrenceOutcome
{
    /// <summary>A run was started.</summary>
    Fired = 0,

    /// <summary>No run, by a policy (the reason says which).</summary>
    Skipped = 1,

    /// <summary>No run: beyond <see cref="ScheduleOptions.MaxCatchUp"/> of a FireAll catch-up.</summary>
    Dropped = 2,

    /// <summary>No run: an All-join occurrence outlived its window, or an At instant passed.</summary>
    Expired = 3,

    /// <summary>No run: a workflow input could not be bound from the trigger (the detail names it and why).</summary>
    BindingFailed = 4,

    /// <summary>No run: refused (a full inbox, a status-trigger chain deeper than 32, or the workflow could not be started).</summary>
    Rejected = 5,
}

/// <summary>Why an occurrence had its outcome.</summary>
public enum OccurrenceReason
{
    /// <summary>No particular reason: a normal fire.</summary>
    None = 0,

    /// <summary>The misfire policy decided (the occurrence was later than the threshold).</summary>
    Misfire = 1,

    /// <summary>The previous run was still going.</summary>
    Overlap = 2,

    /// <summary>The schedule was paused.</summary>
    Paused = 3,

    /// <summary>A newer held-back occurrence replaced it (overlap BufferOne).</summary>
    Superseded = 4,

    /// <summary>An All-join occurrence found no partner within the window.</summary>
    Join = 5,

    /// <summary>The event inbox was full.</summary>
    InboxFull = 6,

    /// <summary>A chain of status triggers went deeper than 32 runs.</summary>
    TriggerChainTooDeep = 7,

    /// <summary>Starting the workflow failed (unknown workflow, bad inputs); the detail has the error.</summary>
    StartFailed = 8,
}

/// <summary>What <see cref="WorkflowScheduler.ResumeAsync"/> does with the occurrences missed while paused (R8).</summary>
public enum ResumeMissed
{
    /// <summary>They are recorded as skipped (reason <see cref="OccurrenceReason.Paused"/>): a deliberate pause causes no burst. The default.</summary>
    Skip = 0,

    /// <summary>They go through the schedule's misfire policy, as after an outage.</summary>
    ApplyMisfirePolicy = 1,
}

/// <summary>A value of the trigger's context that a workflow input can be bound to (<c>[FromTrigger]</c>).</summary>
public enum TriggerValue
{
    /// <summary>The occurrence's scheduled (un-jittered) time, as a <see cref="System.DateTimeOffset"/>.</summary>
    ScheduledTime = 0,

    /// <summary>When the run was started, as a <see cref="System.DateTimeOffset"/>.</summary>
    FireTime = 1,

    /// <summary>How many occurrences this run stands for (misfire FireOnce), as an <see cref="int"/>.</summary>
    MissedCount = 2,

    /// <summary>The triggering event's id, as a string.</summary>
    EventId = 3,

    /// <summary>The name of the trigger condition that fired (composites), as a string.</summary>
    Condition = 4,
}

/// <summary>How the conditions of a composite trigger combine (R11).</summary>
public enum JoinKind
{
    /// <summary>Each occurrence of any condition is one run (OR).</summary>
    Any = 0,

    /// <summary>A run starts when every condition has an unconsumed occurrence with the same correlation value within the window (AND).</summary>
    All = 1,
}

/// <summary>The statuses of a source run or task a status trigger fires on (R10).</summary>
[System.Flags]
public enum TriggerStatus
{
    /// <summary>Completed successfully.</summary>
    Completed = 1,

    /// <summary>Failed.</summary>
    Failed = 2,

    /// <summary>Cancelled.</summary>
    Cancelled = 4,

    /// <summary>Skipped (tasks only).</summary>
    Skipped = 8,

    /// <summary>Any terminal status.</summary>
    AnyTerminal = Completed | Failed | Cancelled | Skipped,
}
