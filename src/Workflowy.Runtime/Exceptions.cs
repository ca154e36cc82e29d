using System;
using System.Collections.Generic;

namespace Workflowy;

/// <summary>The base of every error Workflowy raises itself. Messages name the task and the run.</summary>
public class WorkflowException : Exception
{
    /// <summary>Creates the exception.</summary>
    public WorkflowException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an inner exception.</summary>
    public WorkflowException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The task the error is about, if any.</summary>
    public string? TaskName { get; init; }

    /// <summary>The run the error happened in, if any.</summary>
    public string? RunId { get; init; }
}

/// <summary>A task did not run because one or more of its dependencies did not complete.</summary>
public sealed class DependencyFailedException : WorkflowException
{
    /// <summary>Creates the exception.</summary>
    public DependencyFailedException(string taskName, string runId, IReadOnlyList<string> failedDependencies)
        : base(
            $"Task '{taskName}' in run {runId} did not run because its dependenc{(failedDependencies.Count == 1 ? "y" : "ies")} " +
            $"'{string.Join("', '", failedDependencies)}' did not complete.")
    {
        TaskName = taskName;
        RunId = runId;
        FailedDependencies = failedDependencies;
    }

    /// <summary>The dependencies that ended failed, cancelled or skipped.</summary>
    public IReadOnlyList<string> FailedDependencies { get; }
}

/// <summary>
/// Thrown when awaiting (or reading the result of) a task that never started because its run ended
/// early (the first failure under <see cref="ErrorPolicy.Raise"/>).
/// </summary>
public sealed class TaskNotStartedException : WorkflowException
{
    /// <summary>Creates the exception.</summary>
    public TaskNotStartedException(string taskName, string runId, Exception? runFailure)
        : base(
            runFailure is null
                ? $"Task '{taskName}' in run {runId} never started: the run ended before it was ready."
                : $"Task '{taskName}' in run {runId} never started: the run ended early after a failure ({runFailure.GetType().Name}: {runFailure.Message}).",
            runFailure)
    {
        TaskName = taskName;
        RunId = runId;
    }
}
