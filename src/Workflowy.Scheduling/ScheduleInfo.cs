using System;
using System.Collections.Generic;

namespace Workflowy.Scheduling;

/// <summary>A snapshot of a schedule or trigger, for listings and dashboards.</summary>
/// <param name="Id">Its id.</param>
/// <param name="Workflow">The workflow it starts.</param>
/// <param name="Description">What it fires on (<c>every 00:00:10</c>, <c>cron 0 2 * * *</c>, <c>event order.created</c>).</param>
/// <param name="IsTrigger">A trigger (event, status, composite) rather than a time schedule.</param>
public sealed record ScheduleInfo(string Id, string Workflow, string Description, bool IsTrigger)
{
    /// <summary>Its life state.</summary>
    public ScheduleState State { get; init; }

    /// <summary>Paused.</summary>
    public bool Paused { get; init; }

    /// <summary>The next (jittered) fire time; null when paused, ended, or waiting for a run to complete (FromCompletion).</summary>
    public DateTimeOffset? NextFireTime { get; init; }

    /// <summary>The last occurrence claimed.</summary>
    public DateTimeOffset? LastScheduled { get; init; }

    /// <summary>When the last run started.</summary>
    public DateTimeOffset? LastFired { get; init; }

    /// <summary>Runs of it that have not ended (started by this scheduler).</summary>
    public int RunningCount { get; init; }

    /// <summary>The most recent outcomes recorded by this scheduler (at most 20), oldest first.</summary>
    public IReadOnlyList<ScheduleOccurrence> RecentOutcomes { get; init; } = [];
}
