using System.Threading;

namespace Workflowy;

/// <summary>
/// What a running task knows about itself: declare a parameter of this type on a task method, or read
/// <see cref="Current"/> anywhere inside a task body (across awaits, and in work the body starts).
/// </summary>
public sealed class TaskContext
{
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

    /// <summary>The throughline at this task: the chain of frames and task names that led here.</summary>
    public System.Collections.Generic.IReadOnlyList<string> Throughline => Workflowy.Throughline.Chain;

    /// <summary>Reports progress: <paramref name="fraction"/> is clamped to [0, 1]; both are visible on the handle.</summary>
    public void ReportProgress(double fraction, string? message = null) => _handle.ReportProgress(fraction, message);

    /// <inheritdoc />
    public override string ToString() => $"{TaskName} (run {RunId}, attempt {Attempt})";

    /// <summary>The innermost task frame of the throughline: the task whose body is running here.</summary>
    internal static TaskHandle? CurrentHandle
    {
        get
        {
            for (var frame = Workflowy.Throughline.Current; frame is not null; frame = frame.Parent)
            {
                if (frame.Task is { } task)
                {
                    return task;
                }
            }

            return null;
        }
    }
}
