using System;
using System.Collections.Generic;

namespace Workflowy;

/// <summary>One directed edge of a workflow graph: <see cref="To"/> depends on <see cref="From"/>.</summary>
public readonly record struct WorkflowGraphEdge(string From, string To);

/// <summary>One task of a workflow graph, as generated at compile time.</summary>
public sealed class WorkflowGraphNode
{
    internal int[] DependenciesArray;
    internal int[] DependentsArray = Array.Empty<int>();

    /// <summary>Describes one task; called by generated code.</summary>
    /// <param name="name">The task name.</param>
    /// <param name="backend">The backend the task asked for.</param>
    /// <param name="returnsTask">Whether the body returns a <c>Task</c>/<c>ValueTask</c>.</param>
    /// <param name="dependencies">Indices of the tasks it depends on.</param>
    public WorkflowGraphNode(string name, Backend backend, bool returnsTask, params int[] dependencies)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(dependencies);
        Name = name;
        Backend = backend;
        ReturnsTask = returnsTask;
        DependenciesArray = dependencies;
    }

    /// <summary>The node's index in <see cref="WorkflowGraph.Tasks"/>.</summary>
    public int Index { get; internal set; }

    /// <summary>The task name.</summary>
    public string Name { get; }

    /// <summary>The backend declared on <c>[Task]</c>.</summary>
    public Backend Backend { get; }

    /// <summary>Whether the body returns a <c>Task</c> or <c>ValueTask</c>.</summary>
    public bool ReturnsTask { get; }

    /// <summary>The task's options from its <c>[Task]</c> attribute (attempts, backoff, timeout, dependency-failure policy).</summary>
    public TaskOptions Options { get; init; } = TaskOptions.Default;

    /// <summary>Indices of the tasks this one depends on.</summary>
    public IReadOnlyList<int> Dependencies => DependenciesArray;

    /// <summary>Indices of the tasks that depend on this one.</summary>
    public IReadOnlyList<int> Dependents => DependentsArray;

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>
/// A workflow's dependency graph as data: its tasks, edges, a topological order and its Mermaid text.
/// Generated at compile time for every workflow class (<c>XRun.Graph</c>).
/// </summary>
public sealed class WorkflowGraph
{
    private readonly WorkflowGraphNode[] _nodes;
    private readonly int[] _order;
    private readonly WorkflowGraphEdge[] _edges;
    private readonly Dictionary<string, int> _byName;

    /// <summary>An empty graph (the graph of a run of dynamic tasks only).</summary>
    public static WorkflowGraph Empty(string name) => new(name, Array.Empty<WorkflowGraphNode>(), Array.Empty<int>(), "flowchart TD\n");

    /// <summary>Builds the graph; called by generated code. The order must be a topological order of the nodes.</summary>
    public WorkflowGraph(string name, WorkflowGraphNode[] tasks, int[] topologicalOrder, string mermaid)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(topologicalOrder);
        ArgumentNullException.ThrowIfNull(mermaid);
        Name = name;
        Mermaid = mermaid;
        _nodes = tasks;
        _order = topologicalOrder;
        _byName = new Dictionary<string, int>(tasks.Length, StringComparer.Ordinal);

        var dependentCounts = new int[tasks.Length];
        var edgeCount = 0;
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i].Index = i;
            _byName[tasks[i].Name] = i;
            foreach (var d in tasks[i].DependenciesArray)
            {
                if ((uint)d >= (uint)tasks.Length)
                {
                    throw new ArgumentException($"Task '{tasks[i].Name}' depends on index {d}, which is not a task of '{name}'.", nameof(tasks));
                }

                dependentCounts[d]++;
                edgeCount++;
            }
        }

        _edges = new WorkflowGraphEdge[edgeCount];
        var e = 0;
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i].DependentsArray = dependentCounts[i] == 0 ? Array.Empty<int>() : new int[dependentCounts[i]];
            dependentCounts[i] = 0;
        }

        for (var i = 0; i < tasks.Length; i++)
        {
            foreach (var d in tasks[i].DependenciesArray)
            {
                tasks[d].DependentsArray[dependentCounts[d]++] = i;
                _edges[e++] = new WorkflowGraphEdge(tasks[d].Name, tasks[i].Name);
            }
        }

        if (topologicalOrder.Length != tasks.Length)
        {
            throw new ArgumentException($"The topological order of '{name}' has {topologicalOrder.Length} entries for {tasks.Length} tasks.", nameof(topologicalOrder));
        }
    }

    /// <summary>The workflow's name (its class name).</summary>
    public string Name { get; }

    /// <summary>The workflow's full type name (its identity in a store); defaults to <see cref="Name"/>.</summary>
    public string FullName
    {
        get => _fullName ?? Name;
        init => _fullName = value;
    }

    private readonly string? _fullName;

    /// <summary>The number of tasks.</summary>
    public int Count => _nodes.Length;

    /// <summary>The tasks, in declaration order; a task's index is its position here.</summary>
    public IReadOnlyList<WorkflowGraphNode> Tasks => _nodes;

    /// <summary>Every dependency edge, from dependency to dependent.</summary>
    public IReadOnlyList<WorkflowGraphEdge> Edges => _edges;

    /// <summary>Task indices in an order where every task comes after its dependencies.</summary>
    public IReadOnlyList<int> TopologicalOrder => _order;

    /// <summary>The graph as Mermaid flowchart text.</summary>
    public string Mermaid { get; }

    /// <summary>The index of the task with this name, or -1.</summary>
    public int IndexOf(string taskName) => _byName.TryGetValue(taskName, out var i) ? i : -1;

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({_nodes.Length} tasks, {_edges.Length} edges)";
}
