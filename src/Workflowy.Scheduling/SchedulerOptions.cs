using System;

namespace Workflowy.Scheduling;

/// <summary>Options of a <see cref="WorkflowScheduler"/>.</summary>
public sealed record SchedulerOptions
{
    /// <summary>Where schedules keep their state and outcomes; default a new <see cref="InMemoryScheduleStore"/>. Share one durable store between schedulers (processes) to fire each occurrence once.</summary>
    public IScheduleStore? Store { get; init; }

    /// <summary>The clock; default the runner's <see cref="WorkflowRunner.TimeProvider"/>.</summary>
    public TimeProvider? TimeProvider { get; init; }

    /// <summary>How many events (and status changes) may wait for the scheduler; beyond it publishing refuses with <see cref="EventInboxFullException"/>. Default 10,000.</summary>
    public int InboxCapacity { get; init; } = 10_000;

    /// <summary>Whether the schedules and triggers declared with attributes (<c>[Every]</c>, <c>[Cron]</c>, <c>[At]</c>, <c>[OnEvent]</c>, <c>[OnStatus]</c>) are registered at start. Default true.</summary>
    public bool IncludeDeclared { get; init; } = true;

    /// <summary>The deepest chain of status triggers (a run started by a status trigger whose end starts another ...); beyond it the occurrence is rejected (TriggerChainTooDeep). Default 32.</summary>
    public int MaxChainDepth { get; init; } = 32;
}
