using System;

namespace Workflowy;

/// <summary>One input of a workflow (a parameter of its <c>RunAsync</c>), as listed by <see cref="WorkflowDefinition.Inputs"/>.</summary>
public sealed class WorkflowInputInfo
{
    /// <summary>Describes one input; called by generated code.</summary>
    /// <param name="name">The input's name: the task parameter's name, and its property in the inputs JSON.</param>
    /// <param name="typeName">The input's C# type as written in code, e.g. <c>int</c>, <c>string?</c> or <c>Shop.Cart</c>.</param>
    public WorkflowInputInfo(string name, string typeName)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(typeName);
        Name = name;
        TypeName = typeName;
    }

    /// <summary>The input's name: the task parameter's name, and its property in the inputs JSON.</summary>
    public string Name { get; }

    /// <summary>The input's C# type as written in code (nullable reference types end with <c>?</c>).</summary>
    public string TypeName { get; }

    /// <inheritdoc />
    public override string ToString() => $"{TypeName} {Name}";
}
