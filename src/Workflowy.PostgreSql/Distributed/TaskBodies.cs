using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>One body to run: which task of which run, its inputs, its dependencies' results, its attempt.</summary>
/// <param name="Workflow">The workflow's full name.</param>
/// <param name="RunId">The run id.</param>
/// <param name="TaskName">The graph task whose body runs.</param>
/// <param name="Key">The task's key in the run.</param>
/// <param name="InputsJson">The inputs (the run's, or the planned task's own).</param>
/// <param name="DependencyResults">The dependencies' results by task name (null: the dependency did not complete).</param>
/// <param name="Attempt">The attempt number as the retry policy counts it (from 1).</param>
internal sealed record TaskCall(string Workflow, string RunId, string TaskName, string Key, string InputsJson, IReadOnlyDictionary<string, string?> DependencyResults, int Attempt);

/// <summary>Where a worker finds task bodies and their options.</summary>
internal interface ITaskBodies
{
    /// <summary>The task's options (retry policy, backoff), or null if this process does not know the workflow or the task.</summary>
    TaskOptions? FindOptions(string workflow, string taskName);

    /// <summary>Runs the body; returns its result as JSON (null for a task without a result).</summary>
    ValueTask<string?> InvokeAsync(TaskCall call, CancellationToken cancellationToken);
}

/// <summary>The bodies of the workflows in <see cref="WorkflowCatalog"/>, invoked by stable identity (workflow full name + task graph name).</summary>
internal sealed class CatalogBodies(WorkflowRunner? runner) : ITaskBodies
{
    public TaskOptions? FindOptions(string workflow, string taskName)
    {
        var definition = Find(workflow);
        if (definition is null)
        {
            return null;
        }

        var index = definition.Graph.IndexOf(taskName);
        return index < 0 ? null : definition.Graph.Tasks[index].Options;
    }

    public ValueTask<string?> InvokeAsync(TaskCall call, CancellationToken cancellationToken)
    {
        var definition = Find(call.Workflow) ?? throw new InvalidOperationException($"Workflow '{call.Workflow}' is not in this worker's workflow catalogue.");
        var invocation = new TaskInvocation(call.InputsJson)
        {
            DependencyResults = call.DependencyResults,
            RunId = call.RunId,
            Attempt = call.Attempt,
            Services = runner?.Services,
        };
        return definition.InvokeTaskAsync(call.TaskName, invocation, cancellationToken);
    }

    /// <summary>By full name only: a short name could pick another workflow.</summary>
    private static WorkflowDefinition? Find(string workflow)
    {
        foreach (var definition in WorkflowCatalog.All)
        {
            if (string.Equals(definition.FullName, workflow, StringComparison.Ordinal))
            {
                return definition;
            }
        }

        return null;
    }
}
