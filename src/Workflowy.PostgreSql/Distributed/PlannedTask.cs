using System;
using System.Collections.Generic;

namespace Workflowy;

/// <summary>
/// One task of a distributed run as the starter plans it (<see cref="PostgreSqlWorkflowClient.StartPlanAsync"/>):
/// which task of the workflow runs (<see cref="TaskName"/>, a graph task whose body and options apply), under which key in
/// the run's records, after which other planned tasks, with which inputs. A workflow's own graph is one plan (one planned
/// task per graph task, keyed by its name); a plan may also instantiate a graph task many times (a layer × width DAG),
/// each instance with its own key, dependencies and inputs.
/// </summary>
/// <param name="Key">The task's identity in the run (unique in the plan): its record key.</param>
/// <param name="TaskName">The graph task (<see cref="WorkflowGraphNode.Name"/>) whose body runs.</param>
/// <param name="Dependencies">Indexes (in the plan) of the tasks this one waits for (the plan must have no cycle).</param>
/// <param name="InputsJson">The inputs the body gets (a JSON object), instead of the run's; null: the run's.</param>
public sealed record PlannedTask(string Key, string TaskName, IReadOnlyList<int> Dependencies, string? InputsJson = null)
{
    /// <summary>The plan of a workflow's graph: one task per graph task, keyed by its name, with the graph's edges.</summary>
    public static IReadOnlyList<PlannedTask> FromGraph(WorkflowGraph graph)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var plan = new PlannedTask[graph.Count];
        foreach (var node in graph.Tasks)
        {
            var dependencies = new int[node.Dependencies.Count];
            for (var i = 0; i < dependencies.Length; i++)
            {
                dependencies[i] = node.Dependencies[i];
            }

            plan[node.Index] = new PlannedTask(node.Name, node.Name, dependencies);
        }

        return plan;
    }
}
