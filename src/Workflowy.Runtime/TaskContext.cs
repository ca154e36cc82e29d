using System;
using System.Threading;

namespace Workflowy;

/// <summary>
/// What a running task knows about itself: declare a parameter of this type on a task method, or read
/// <see cref="Current"/> anywhere inside a task body.
/// </summary>
public sealed class TaskContext
{
    [ThreadStatic]
    private static TaskHandle? t_current;
    private static readonly AsyncLocal<TaskHandle?> s_current = new();

    private readonly TaskHandle _handle;

    internal TaskContext(TaskHandle handle, int attempt, CancellationToken cancellationToken)
    {
        _handle = handle;
        Attempt = attempt;
        CancellationToken = cancellationToken;
    }

    /// <summary>The context of the task whose body is running here, or null outside task bodies.</summary>
    public static TaskContext? Current => CurrentHandle?.GetContext();

    /// <summary>The task's name.</summary>
    public string TaskName => _handle.Name;

    /// <summary>The id of the run this attempt belongs to.</summary>
    public string RunId => _handle.Run.RunId;

    /// <summary>The attempt number, starting at 1.</summary>
    public int Attempt { get; }

    /// <summary>Signalled when the task, its run, its runner or its parent is cancelled, or the attempt times out.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>This task's handle.</summary>
    public TaskHandle Task => _handle;

    /// <summary>The run this task belongs to (submit child tasks through it).</summary>
    public WorkflowRun Run => _handle.Run;

    /// <summary>The task that submitted this one (dynamic tasks submitted from inside a task), or that started this task's run; null otherwise.</summary>
    public TaskHandle? Parent => _handle.Parent ?? _handle.Run.Parent;

    /// <summary>Reports progress: <paramref name="fraction"/> is clamped to [0, 1]; both are visible on the handle.</summary>
    public void ReportProgress(double fraction, string? message = null) => _handle.ReportProgress(fraction, message);

    /// <inheritdoc />
    public override string ToString() => $"{TaskName} (run {RunId}, attempt {Attempt})";

    internal static TaskHandle? CurrentHandle => t_current ?? s_current.Value;

    /// <summary>Marks <paramref name="handle"/> as running on this thread (synchronous bodies) or flow (async bodies); returns what to restore.</summary>
    internal static TaskHandle? Enter(TaskHandle handle, bool flows)
    {
        if (flows)
        {
            var previous = s_current.Value;
            s_current.Value = handle;
            return previous;
        }

        var prior = t_current;
        t_current = handle;
        return prior;
    }

    internal static void Exit(TaskHandle? previous, bool flows)
    {
        if (flows)
        {
            s_current.Value = previous;
        }
        else
        {
            t_current = previous;
        }
    }
}
