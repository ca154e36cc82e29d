using System;

namespace Workflowy;

/// <summary>A task of a run changed state.</summary>
public sealed class TaskStateChangedEventArgs : EventArgs
{
    internal TaskStateChangedEventArgs(TaskHandle task, TaskState oldState, TaskState newState)
    {
        Task = task;
        OldState = oldState;
        NewState = newState;
        Attempt = task.Attempts;
        Exception = task.Exception;
        NextAttemptAt = newState == TaskState.Retrying ? task.ExtrasOrNull?.NextAttemptAt : null;
        ResultSource = newState == TaskState.Completed ? task.ResultSource : ResultSource.Executed;
    }

    /// <summary>For a change to <see cref="TaskState.Completed"/>: where the result came from (the body, the result cache, a reused call).</summary>
    public ResultSource ResultSource { get; }

    /// <summary>The task.</summary>
    public TaskHandle Task { get; }

    /// <summary>The state it left.</summary>
    public TaskState OldState { get; }

    /// <summary>The state it entered.</summary>
    public TaskState NewState { get; }

    /// <summary>The attempt count at the time of the change.</summary>
    public int Attempt { get; }

    /// <summary>The task's exception at the time of the change (for failures, cancellations and retries: the failure).</summary>
    public Exception? Exception { get; }

    /// <summary>For a change to <see cref="TaskState.Retrying"/>: when the next attempt is due (runner's clock); else null.</summary>
    public DateTimeOffset? NextAttemptAt { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Task.Name}: {OldState} -> {NewState}";
}

/// <summary>A running task reported progress.</summary>
public sealed class TaskProgressEventArgs : EventArgs
{
    internal TaskProgressEventArgs(TaskHandle task, double fraction, string? message)
    {
        Task = task;
        Fraction = fraction;
        Message = message;
    }

    /// <summary>The task.</summary>
    public TaskHandle Task { get; }

    /// <summary>The progress, between 0 and 1.</summary>
    public double Fraction { get; }

    /// <summary>The message, if any.</summary>
    public string? Message { get; }
}

/// <summary>A run of a runner started or ended (<see cref="WorkflowRunner.RunStarted"/>, <see cref="WorkflowRunner.RunEnded"/>).</summary>
public sealed class WorkflowRunEventArgs : EventArgs
{
    internal WorkflowRunEventArgs(WorkflowRun run) => Run = run;

    /// <summary>The run.</summary>
    public WorkflowRun Run { get; }
}

/// <summary>An event was published to a runner (<see cref="WorkflowRunner.EventPublished"/>).</summary>
public sealed class WorkflowEventPublishedEventArgs : EventArgs
{
    internal WorkflowEventPublishedEventArgs(string name, string payloadJson)
    {
        Name = name;
        PayloadJson = payloadJson;
    }

    /// <summary>The event's name.</summary>
    public string Name { get; }

    /// <summary>Its payload, as JSON.</summary>
    public string PayloadJson { get; }
}
