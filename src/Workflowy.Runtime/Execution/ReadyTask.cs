using System;

namespace Workflowy;

/// <summary>
/// A task whose dependencies are done, handed to a <see cref="TaskExecutor"/>: the executor runs it (once) with
/// <see cref="Execute"/>, or gives it back with <see cref="Refuse"/>.
/// </summary>
public readonly struct ReadyTask : IEquatable<ReadyTask>
{
    private readonly TaskHandle? _task;

    internal ReadyTask(TaskHandle task) => _task = task;

    /// <summary>The task.</summary>
    public TaskHandle Task => _task ?? throw new InvalidOperationException("This ReadyTask was not given by a run.");

    /// <summary>The run it belongs to.</summary>
    public WorkflowRun Run => Task.Run;

    /// <summary>
    /// Runs one step of the task on the calling thread, in the run's execution context: it fails at once if a
    /// dependency did not complete, ends cancelled if the run or the task was cancelled, else starts an attempt of the
    /// body. Returns when the body returned or went asynchronous (an asynchronous body finishes from its continuation);
    /// the dependents it readies are posted to their executors. Never throws for a failure of the task.
    /// </summary>
    public void Execute() => Task.Run.ExecuteReady(Task);

    /// <summary>
    /// Gives the task back without running it (the executor was stopped): it ends <see cref="TaskState.Cancelled"/>
    /// without an attempt, and its dependents see a dependency that did not complete.
    /// </summary>
    public void Refuse() => Task.Run.Refuse(Task);

    /// <inheritdoc />
    public bool Equals(ReadyTask other) => ReferenceEquals(_task, other._task);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ReadyTask other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _task is null ? 0 : System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(_task);

    /// <summary>Whether two values hold the same task.</summary>
    public static bool operator ==(ReadyTask left, ReadyTask right) => left.Equals(right);

    /// <summary>Whether two values hold different tasks.</summary>
    public static bool operator !=(ReadyTask left, ReadyTask right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => _task?.ToString() ?? "(none)";
}
