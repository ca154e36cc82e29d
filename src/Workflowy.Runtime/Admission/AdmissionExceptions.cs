using System;

namespace Workflowy;

/// <summary>
/// A call of a task was not run because its concurrency key was at its limit and its
/// <see cref="ConcurrencyOptions.OnLimit"/> is <see cref="ConcurrencyLimit.Reject"/> (or the key's pending calls were at
/// <see cref="ConcurrencyOptions.MaxPending"/>). The task ends <see cref="TaskState.Skipped"/> with this exception.
/// </summary>
public sealed class ConcurrencyRejectedException : WorkflowException
{
    /// <summary>Creates the exception.</summary>
    public ConcurrencyRejectedException(string taskName, string runId, string key, string reason)
        : base($"Task '{taskName}' in run {runId} was rejected: concurrency key {key} {reason}.")
    {
        TaskName = taskName;
        RunId = runId;
        Key = key;
    }

    /// <summary>The concurrency key, as text (for messages).</summary>
    public string Key { get; }
}

/// <summary>
/// A <see cref="ConcurrencyLimit.Reuse"/> call found a pending call with the same key whose other arguments differ
/// (<see cref="ArgumentMismatch.Error"/>): reusing it would give this call a result computed from other arguments.
/// </summary>
public sealed class ConcurrencyArgumentMismatchException : WorkflowException
{
    /// <summary>Creates the exception.</summary>
    public ConcurrencyArgumentMismatchException(string taskName, string runId, string argumentName, string pendingValue, string value)
        : base(
            $"Task '{taskName}' in run {runId} would reuse a pending call with the same concurrency key, but its argument '{argumentName}' differs " +
            $"({value} here, {pendingValue} in the pending call). Add '{argumentName}' to the key, or set OnArgumentMismatch = ArgumentMismatch.KeepFirst to take the pending call's result anyway.")
    {
        TaskName = taskName;
        RunId = runId;
        ArgumentName = argumentName;
    }

    /// <summary>The argument whose values differ.</summary>
    public string ArgumentName { get; }
}

/// <summary>Where a completed task's result came from (<see cref="TaskHandle.ResultSource"/>).</summary>
public enum ResultSource
{
    /// <summary>Its body ran (or it has not completed).</summary>
    Executed = 0,

    /// <summary>The result cache served it: the body did not run (<see cref="ResultCacheOptions"/>).</summary>
    Cache = 1,

    /// <summary>It took the outcome of a pending call with the same concurrency key (<see cref="ConcurrencyLimit.Reuse"/>); the body did not run.</summary>
    Reused = 2,
}
