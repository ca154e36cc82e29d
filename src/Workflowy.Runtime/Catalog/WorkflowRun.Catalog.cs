using System;

namespace Workflowy;

public abstract partial class WorkflowRun
{
    /// <summary>
    /// The result of the completed graph task <paramref name="taskName"/> as JSON, through the workflow's
    /// <c>[WorkflowSerialization]</c> context; <c>null</c> (the JSON literal) for a task without a result.
    /// </summary>
    /// <param name="taskName">The task's graph name (<see cref="WorkflowGraphNode.Name"/>).</param>
    /// <exception cref="ArgumentException">The graph has no task of that name.</exception>
    /// <exception cref="InvalidOperationException">The task has not completed, or the workflow names no serializer context.</exception>
    public string ResultJson(string taskName)
    {
        ArgumentNullException.ThrowIfNull(taskName);
        var index = Graph.IndexOf(taskName);
        if (index < 0)
        {
            throw new ArgumentException($"'{taskName}' is not a task of workflow '{Graph.Name}'.", nameof(taskName));
        }

        var task = Tasks[index];
        if (task.State != TaskState.Completed)
        {
            throw new InvalidOperationException($"Task '{taskName}' of {this} has not completed (it is {task.State}), so it has no result to read.");
        }

        if (SerializerContext is null)
        {
            throw new InvalidOperationException(
                $"Workflow '{Graph.FullName}' names no serializer context, so its results cannot be read as JSON. Add [WorkflowSerialization(typeof(YourJsonContext))] to the class.");
        }

        return SerializeResult(index) ?? "null";
    }

    /// <summary>
    /// The run's inputs as a JSON object through the workflow's <c>[WorkflowSerialization]</c> context (for schedulers and
    /// triggers that filter on or bind a source run's inputs); null when the workflow names no serializer context.
    /// </summary>
    public string? GetInputsJson() => SerializeInputs();
}
