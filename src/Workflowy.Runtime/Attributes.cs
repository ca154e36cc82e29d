using System;
using System.Diagnostics;

namespace Workflowy;

/// <summary>Where a task body runs.</summary>
public enum Backend
{
    /// <summary>The runner's <see cref="WorkflowRunner.DefaultBackend"/> for synchronous bodies; <see cref="Async"/> for bodies that return a task.</summary>
    Default = 0,

    /// <summary>The body is invoked on a runner worker; a returned <c>Task</c>/<c>ValueTask</c> is awaited without holding the worker.</summary>
    Async = 1,

    /// <summary>The body is synchronous and runs to its end on a thread-pool worker, occupying one of the runner's workers.
    /// A body that returns a task cannot use this backend (diagnostic WFY002).</summary>
    Thread = 2,
}

/// <summary>
/// Marks a method of a <c>partial</c> class as a workflow task. The Workflowy source generator turns the
/// class's tasks into a typed run object and a validated dependency graph.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class TaskAttribute : Attribute
{
    /// <summary>Declares a task named after its method.</summary>
    public TaskAttribute()
    {
    }

    /// <summary>Declares a task with an explicit name.</summary>
    public TaskAttribute(string name) => Name = name;

    /// <summary>The task's name in the graph (default: the method name). Dependencies may use either.</summary>
    public string? Name { get; set; }

    /// <summary>Where the body runs (default: <see cref="Backend.Default"/>).</summary>
    public Backend Backend { get; set; }
}

/// <summary>
/// Declares that a task runs after the named tasks. Write <c>[DependsOn(nameof(A), nameof(B))]</c>;
/// the attribute may repeat. A dependency's result flows into the parameter named after it, or into
/// the one parameter its type is assignable to.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class DependsOnAttribute : Attribute
{
    /// <summary>Declares dependencies on the named tasks (task names or method names).</summary>
    public DependsOnAttribute(params string[] tasks) => Tasks = tasks ?? Array.Empty<string>();

    /// <summary>The names of the tasks this task depends on.</summary>
    public string[] Tasks { get; }
}
