using System.Collections.Generic;

namespace Workflowy;

/// <summary>A snapshot of a run's progress (<see cref="WorkflowRun.GetProgress"/>).</summary>
/// <param name="Done">Tasks that are terminal.</param>
/// <param name="Total">All tasks of the run.</param>
/// <param name="Fraction">Overall progress between 0 and 1: terminal tasks count as 1, others as their reported fraction.</param>
/// <param name="Tasks">Each task's state and reported progress, in index order.</param>
public sealed record RunProgress(int Done, int Total, double Fraction, IReadOnlyList<RunProgress.TaskProgress> Tasks)
{
    /// <summary>One task's part of the progress.</summary>
    /// <param name="Name">The task name.</param>
    /// <param name="State">Its state.</param>
    /// <param name="Fraction">Its reported progress (1 when completed).</param>
    /// <param name="Message">Its last progress message.</param>
    public sealed record TaskProgress(string Name, TaskState State, double Fraction, string? Message);
}
