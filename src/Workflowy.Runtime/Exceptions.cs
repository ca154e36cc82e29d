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

/// <summary>A task did not run because one or more of its dependencies did not complete (it failed, or was skipped).</summary>
public sealed class DependencyFailedException : WorkflowException
{
    /// <summary>Creates the exception.</summary>
    public DependencyFailedException(string taskName, string runId, IReadOnlyList<string> failedDependencies, bool skipped = false)
        : base(
            $"Task '{taskName}' in run {runId} {(skipped ? "was skipped" : "did not run")} because its dependenc{(failedDependencies.Count == 1 ? "y" : "ies")} " +
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
                : $"Task '{taskName}' in run {runId} never started: the run ended early after a failure ({runFailure.GetType().Name}: {RunTelemetry.SafeMessage(runFailure)}).",
            runFailure)
    {
        TaskName = taskName;
        RunId = runId;
    }
}

/// <summary>An attempt of a task ran longer than its timeout. Timeouts are terminal: the task is not retried.</summary>
public sealed class TaskTimeoutException : WorkflowException
{
    /// <summary>Creates the exception.</summary>
    public TaskTimeoutException(string taskName, string runId, int attempt, TimeSpan timeout, bool abandoned)
        : base(
            $"Task '{taskName}' in run {runId} timed out after {timeout.TotalSeconds:0.###} s (attempt {attempt})" +
            (abandoned ? "; its synchronous body could not be interrupted and was abandoned on its thread." : "."))
    {
        TaskName = taskName;
        RunId = runId;
        Attempt = attempt;
        Timeout = timeout;
        Abandoned = abandoned;
    }

    /// <summary>The attempt that timed out (1-based).</summary>
    public int Attempt { get; }

    /// <summary>The per-attempt timeout.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Whether the body was still running synchronously on a thread when it timed out and was left to finish there.</summary>
    public bool Abandoned { get; }
}

/// <summary>
/// An attempt of a synchronous body timed out while it was running on a thread, and it could not be interrupted, when
/// <see cref="WorkflowRunner.MaxAbandonedThreads"/> threads were already held by such bodies: no thread replaced it. The
/// body keeps its worker until it returns (its late result is discarded) and its executor has one worker fewer
/// meanwhile. <see cref="Exception.InnerException"/> is the <see cref="TaskTimeoutException"/>. Like a timeout, it is
/// not retried.
/// </summary>
public sealed class AbandonedThreadLimitException : WorkflowException
{
    /// <summary>Creates the exception.</summary>
    public AbandonedThreadLimitException(string taskName, string runId, int limit, TaskTimeoutException timeout)
        : base(
            $"Task '{taskName}' in run {runId} timed out (attempt {timeout?.Attempt}) and its synchronous body could not be interrupted, " +
            $"but no thread replaced it: {limit} threads are already held by abandoned bodies (WorkflowRunner.MaxAbandonedThreads). " +
            "The body keeps its worker until it returns; make the body observe its CancellationToken, or raise the limit.",
            timeout)
    {
        TaskName = taskName;
        RunId = runId;
        Limit = limit;
    }

    /// <summary>The runner's <see cref="WorkflowRunner.MaxAbandonedThreads"/> when the limit was reached.</summary>
    public int Limit { get; }
}

/// <summary>A task was cancelled: through its handle, its run, its runner, its parent, or the run's token.</summary>
public sealed class TaskCancelledException : WorkflowException
{
    /// <summary>Creates the exception.</summary>
    public TaskCancelledException(string taskName, string runId, Exception? innerException = null)
        : base($"Task '{taskName}' in run {runId} was cancelled.", innerException)
    {
        TaskName = taskName;
        RunId = runId;
    }
}

/// <summary>A task failed on every attempt it was allowed; <see cref="Exception.InnerException"/> is the last failure.</summary>
public sealed class RetriesExhaustedException : WorkflowException
{
    /// <summary>Creates the exception.</summary>
    public RetriesExhaustedException(string taskName, string runId, int attempts, Exception lastFailure)
        : base($"Task '{taskName}' in run {runId} failed after {attempts} attempts; the last failure was {lastFailure.GetType().Name}: {RunTelemetry.SafeMessage(lastFailure)}", lastFailure)
    {
        TaskName = taskName;
        RunId = runId;
        Attempts = attempts;
    }

    /// <summary>How many attempts were made.</summary>
    public int Attempts { get; }
}

/// <summary>A dynamic submission would make the graph (or the task hierarchy) wait on itself.</summary>
public sealed class WorkflowCycleException : WorkflowException
{
    /// <summary>Creates the exception.</summary>
    public WorkflowCycleException(string message, string? taskName, string runId)
        : base(message)
    {
        TaskName = taskName;
        RunId = runId;
    }
}
