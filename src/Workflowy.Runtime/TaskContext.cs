using System.Threading;

namespace Workflowy;

/// <summary>
/// What a running task knows about itself. Declare a parameter of this type on a task method to receive it.
/// </summary>
public sealed class TaskContext
{
    internal TaskContext(string taskName, string runId, int attempt, CancellationToken cancellationToken)
    {
        TaskName = taskName;
        RunId = runId;
        Attempt = attempt;
        CancellationToken = cancellationToken;
    }

    /// <summary>The task's name in its workflow graph.</summary>
    public string TaskName { get; }

    /// <summary>The id of the run this attempt belongs to.</summary>
    public string RunId { get; }

    /// <summary>The attempt number, starting at 1.</summary>
    public int Attempt { get; }

    /// <summary>Signalled when the task, its run or its runner is cancelled.</summary>
    public CancellationToken CancellationToken { get; }

    /// <inheritdoc />
    public override string ToString() => $"{TaskName} (run {RunId}, attempt {Attempt})";
}
