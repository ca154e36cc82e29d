using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

// Backend.Process: the generated body of a Process task calls InvokeInProcessWorker, which sends the task's inputs
// and dependency results as JSON to a child process of the runner's ProcessTaskExecutor and stores the result it
// sends back. The scheduler around it (attempts, timeouts, retries, cancellation) is the same as for any body.
public abstract partial class WorkflowRun
{
    /// <summary>
    /// Runs the body of the graph task at <paramref name="index"/> in a child worker process (<see cref="Backend.Process"/>)
    /// and stores its result; called by generated code in place of the body.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected ValueTask InvokeInProcessWorker(int index, CancellationToken cancellationToken)
    {
        var handle = Tasks[index];
        if (Runner.ExecutorOf(Backend.Process) is not ProcessTaskExecutor executor)
        {
            throw new InvalidOperationException($"Task '{handle.Name}' runs on Backend.Process, but the runner's executor for it is not a ProcessTaskExecutor.");
        }

        if (SerializerContext is null)
        {
            throw new InvalidOperationException($"Task '{handle.Name}' runs on Backend.Process, but workflow '{Graph.FullName}' names no serializer context (WFY040).");
        }

        var request = new ProcessMessage
        {
            Kind = ProcessMessage.Invoke,
            Workflow = Graph.FullName,
            Task = handle.Name,
            Inputs = SerializeInputs() ?? "{}",
            Dependencies = DependencyResultsOf(index),
            RunId = RunId,
            Attempt = handle.Attempts,
        };
        return CompleteInProcessWorker(index, handle, executor.InvokeAsync(request, handle, cancellationToken));
    }

    private async ValueTask CompleteInProcessWorker(int index, TaskHandle handle, Task<ProcessMessage> call)
    {
        var answer = await call.ConfigureAwait(false);
        if (answer.Kind == ProcessMessage.Error)
        {
            throw new ProcessTaskFailedException(
                $"Task '{handle.Name}' in run {RunId} failed in worker process {answer.Pid}: {answer.ErrorType}: {answer.Message}",
                answer.ErrorType ?? "System.Exception",
                answer.StackTrace,
                answer.Pid)
            {
                TaskName = handle.Name,
                RunId = RunId,
            };
        }

        if (answer.HasResult && answer.Value is { } json && !RestoreResult(index, json))
        {
            throw new WorkflowException($"Task '{handle.Name}' in run {RunId}: the result its worker process sent cannot be read as the task's result type.")
            {
                TaskName = handle.Name,
                RunId = RunId,
            };
        }
    }

    /// <summary>The results of a graph task's dependencies as JSON; null for one that did not complete.</summary>
    private Dictionary<string, string?> DependencyResultsOf(int index)
    {
        var node = Graph.Tasks[index];
        var results = new Dictionary<string, string?>(node.Dependencies.Count, StringComparer.Ordinal);
        foreach (var dependency in node.Dependencies)
        {
            var task = Tasks[dependency];
            results[task.Name] = task.State == TaskState.Completed ? SerializeResult(dependency) : null;
        }

        return results;
    }
}
