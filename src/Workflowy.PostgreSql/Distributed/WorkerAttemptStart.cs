using System;

namespace Workflowy;

/// <summary>A body about to start on a <see cref="PostgreSqlWorker"/> (<see cref="PostgreSqlWorker.AttemptStarting"/>).</summary>
/// <param name="Workflow">The workflow's full name.</param>
/// <param name="RunId">The run's id.</param>
/// <param name="TaskName">The task's graph name (its identity in the workflow).</param>
/// <param name="TaskKey">The task instance's key in the run (the graph name, or a planned instance's own key).</param>
/// <param name="Fence">
/// The attempt's fencing number: every claim of the task increases it, and only the claim holding the current number can
/// write the task's outcome.
/// </param>
/// <param name="StartedAt">When the attempt started (read before the worker's lease check).</param>
public readonly record struct WorkerAttemptStart(string Workflow, string RunId, string TaskName, string TaskKey, int Fence, DateTimeOffset StartedAt);
