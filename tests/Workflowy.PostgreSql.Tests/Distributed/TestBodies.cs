using System.Collections.Concurrent;

namespace Workflowy.PostgreSql.Tests.Distributed;

/// <summary>
/// A workflow described by hand (its graph and task options) with bodies given as delegates, for the protocol tests: the
/// claim, fence and reap protocol does not depend on how bodies are found (the generated-workflow tests cover that).
/// </summary>
internal sealed class HandDefinition : WorkflowDefinition
{
    public HandDefinition(string fullName, params WorkflowGraphNode[] nodes)
        : base(fullName.Split('.')[^1], fullName)
    {
        Graph = new WorkflowGraph(Name, nodes, Enumerable.Range(0, nodes.Length).ToArray(), "flowchart TD\n");
    }

    public override WorkflowGraph Graph { get; }

    public static WorkflowGraphNode Node(string name, TaskOptions? options, params int[] dependencies) =>
        new(name, Backend.Async, returnsTask: true, dependencies) { Options = options ?? TaskOptions.Default };
}

/// <summary>Bodies by task name; counts every execution by (run, key).</summary>
internal sealed class TestBodies(HandDefinition definition) : ITaskBodies
{
    private readonly ConcurrentDictionary<string, Func<TaskCall, CancellationToken, ValueTask<string?>>> _bodies = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> Executions { get; } = new(StringComparer.Ordinal);

    public TestBodies On(string taskName, Func<TaskCall, CancellationToken, ValueTask<string?>> body)
    {
        _bodies[taskName] = body;
        return this;
    }

    public TaskOptions? FindOptions(string workflow, string taskName) =>
        workflow == definition.FullName && definition.Graph.IndexOf(taskName) is var i and >= 0 ? definition.Graph.Tasks[i].Options : null;

    public ValueTask<string?> InvokeAsync(TaskCall call, CancellationToken cancellationToken)
    {
        Executions.AddOrUpdate(call.RunId + "/" + call.Key, 1, static (_, n) => n + 1);
        return _bodies[call.TaskName](call, cancellationToken);
    }
}
