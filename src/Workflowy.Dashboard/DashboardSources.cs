using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.Dashboard;

/// <summary>A worker as the overview shows it: a name, what it does, and its last heartbeat.</summary>
/// <param name="Name">The worker's name or id.</param>
/// <param name="Detail">What it runs or where (free text, shown as text).</param>
/// <param name="LastHeartbeat">When it was last heard of.</param>
/// <param name="Stale">Whether it is overdue (the source decides).</param>
public sealed record DashboardWorker(string Name, string? Detail, DateTimeOffset? LastHeartbeat, bool Stale);

/// <summary>A schedule as the overview and the workflows page show it.</summary>
/// <param name="Workflow">The workflow's full name.</param>
/// <param name="Name">The schedule's name.</param>
/// <param name="Expression">Its expression (a cron line, an interval), as text.</param>
/// <param name="NextOccurrence">When it fires next; null when paused or exhausted.</param>
/// <param name="LastOccurrence">When it last fired.</param>
/// <param name="Paused">Whether it is paused.</param>
public sealed record DashboardSchedule(string Workflow, string Name, string Expression, DateTimeOffset? NextOccurrence, DateTimeOffset? LastOccurrence, bool Paused);

/// <summary>
/// Where the overview gets workers with their heartbeat (for example a database-backed worker pool). Optional: register
/// one in the services; without one the panel says that no worker source is configured.
/// </summary>
public interface IDashboardWorkerSource
{
    /// <summary>The workers known now.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    ValueTask<IReadOnlyList<DashboardWorker>> GetWorkersAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Where the overview and the workflows page get schedules and their next occurrences. Optional: register one in the
/// services; without one the panels say that no scheduler is configured.
/// </summary>
public interface IDashboardScheduleSource
{
    /// <summary>The schedules known now.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    ValueTask<IReadOnlyList<DashboardSchedule>> GetSchedulesAsync(CancellationToken cancellationToken);
}
