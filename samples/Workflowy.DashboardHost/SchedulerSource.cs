using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Workflowy.Dashboard;
using Workflowy.Scheduling;

namespace Workflowy.DashboardHost;

/// <summary>
/// The dashboard's schedule panels fed from a <see cref="WorkflowScheduler"/>: the two packages do not know each other,
/// so the host that has both adapts one to the other (a few lines, here).
/// </summary>
public sealed class SchedulerSource(WorkflowScheduler scheduler) : IDashboardScheduleSource
{
    /// <inheritdoc />
    public ValueTask<IReadOnlyList<DashboardSchedule>> GetSchedulesAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<DashboardSchedule> schedules = scheduler.GetSchedules()
            .Select(static s => new DashboardSchedule(s.Workflow, s.Id, s.Description, s.Paused ? null : s.NextFireTime, s.LastFired, s.Paused))
            .ToList();
        return ValueTask.FromResult(schedules);
    }
}
