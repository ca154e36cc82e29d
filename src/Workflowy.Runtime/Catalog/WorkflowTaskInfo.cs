using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace Workflowy;

/// <summary>
/// One task of a workflow, as listed by <see cref="WorkflowDefinition.Tasks"/>: its stable identity (its graph name),
/// where it runs, what it depends on, what its parameters receive and what it returns. A worker in another process runs
/// its body by this name with <see cref="WorkflowDefinition.InvokeTaskAsync"/>.
/// </summary>
public sealed class WorkflowTaskInfo
{
    private readonly ReadOnlyCollection<string> _dependencies;
    private readonly ReadOnlyCollection<WorkflowTaskParameterInfo> _parameters;

    /// <summary>Describes one task; called by generated code.</summary>
    /// <param name="name">The task's graph name (<see cref="WorkflowGraphNode.Name"/>), its identity in a checkpoint and a remote invocation.</param>
    /// <param name="methodName">The name of the task's method.</param>
    /// <param name="backend">The backend declared on <c>[Task]</c> (<see cref="Backend.Default"/> when none was).</param>
    /// <param name="resultTypeName">The result type as written in C# (<c>int</c>, <c>Shop.Cart</c>, <c>string?</c>); null for a task without a result.</param>
    /// <param name="dependencies">The names of the tasks it depends on (bound to a parameter or ordering only), in graph order.</param>
    /// <param name="parameters">Its parameters, in declaration order.</param>
    public WorkflowTaskInfo(string name, string methodName, Backend backend, string? resultTypeName, string[] dependencies, params WorkflowTaskParameterInfo[] parameters)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(methodName);
        ArgumentNullException.ThrowIfNull(dependencies);
        ArgumentNullException.ThrowIfNull(parameters);
        Name = name;
        MethodName = methodName;
        Backend = backend;
        ResultTypeName = resultTypeName;
        _dependencies = new ReadOnlyCollection<string>((string[])dependencies.Clone());
        _parameters = new ReadOnlyCollection<WorkflowTaskParameterInfo>((WorkflowTaskParameterInfo[])parameters.Clone());
    }

    /// <summary>The task's graph name: its stable identity (in checkpoints, and for <see cref="WorkflowDefinition.InvokeTaskAsync"/>).</summary>
    public string Name { get; }

    /// <summary>The name of the task's method.</summary>
    public string MethodName { get; }

    /// <summary>The backend declared on <c>[Task]</c>; <see cref="Backend.Default"/> when none was.</summary>
    public Backend Backend { get; }

    /// <summary>The result type as written in C#; null for a task without a result (<c>void</c>, <c>Task</c>, <c>ValueTask</c>).</summary>
    public string? ResultTypeName { get; }

    /// <summary>The names of the tasks this one depends on, in graph order.</summary>
    public IReadOnlyList<string> Dependencies => _dependencies;

    /// <summary>The task's parameters, in declaration order, each with what it receives.</summary>
    public IReadOnlyList<WorkflowTaskParameterInfo> Parameters => _parameters;

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>One parameter of a task, as listed by <see cref="WorkflowTaskInfo.Parameters"/>.</summary>
public sealed class WorkflowTaskParameterInfo
{
    /// <summary>Describes one parameter; called by generated code.</summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="kind">What it receives.</param>
    /// <param name="typeName">Its C# type as written in code.</param>
    /// <param name="source">The input's name (<see cref="WorkflowTaskParameterKind.Input"/>) or the dependency's task name (<see cref="WorkflowTaskParameterKind.Dependency"/>); null otherwise.</param>
    public WorkflowTaskParameterInfo(string name, WorkflowTaskParameterKind kind, string typeName, string? source = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(typeName);
        Name = name;
        Kind = kind;
        TypeName = typeName;
        Source = source;
    }

    /// <summary>The parameter's name.</summary>
    public string Name { get; }

    /// <summary>What it receives: a workflow input, a dependency's result, the cancellation token or the task context.</summary>
    public WorkflowTaskParameterKind Kind { get; }

    /// <summary>Its C# type as written in code (nullable reference types end with <c>?</c>).</summary>
    public string TypeName { get; }

    /// <summary>The input's name for an input, the dependency's task name for a dependency; null for the token and the context.</summary>
    public string? Source { get; }

    /// <inheritdoc />
    public override string ToString() => $"{TypeName} {Name}";
}

/// <summary>What a task parameter receives (<see cref="WorkflowTaskParameterInfo.Kind"/>).</summary>
public enum WorkflowTaskParameterKind
{
    /// <summary>A workflow input: a property of <see cref="TaskInvocation.InputsJson"/>.</summary>
    Input = 0,

    /// <summary>The result of a dependency: an entry of <see cref="TaskInvocation.DependencyResults"/>.</summary>
    Dependency = 1,

    /// <summary>The attempt's <see cref="System.Threading.CancellationToken"/>.</summary>
    CancellationToken = 2,

    /// <summary>The <see cref="Workflowy.TaskContext"/>.</summary>
    TaskContext = 3,

    /// <summary>
    /// An element (or, with a batch size, a chunk) of a fan-out's source task, named by
    /// <see cref="WorkflowTaskParameterInfo.Source"/>: the task is called once per element inside its run, so it cannot be
    /// invoked by name (<see cref="WorkflowDefinition.InvokeTaskAsync"/> refuses it).
    /// </summary>
    FanOutItem = 4,
}
