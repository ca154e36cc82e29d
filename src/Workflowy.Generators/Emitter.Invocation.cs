using System.Globalization;
using System.Linq;

namespace Workflowy.SourceGeneration;

// The catalogue's task list and per-task invoker of a workflow definition: a worker outside the run (a child process,
// a database-backed worker) runs one task body by its graph name, its inputs and dependency results read from JSON and
// its result written as JSON through the workflow's serializer context. Generated, so no reflection.
internal static partial class Emitter
{
    /// <summary>The definition's <c>Tasks</c>: one <c>WorkflowTaskInfo</c> per task, made on first use.</summary>
    private static void EmitTaskInfos(Writer w, BoundWorkflow workflow)
    {
        var tasks = workflow.Tasks;
        w.Line();
        w.Line($"private static {Rt}WorkflowTaskInfo[]? __taskInfos;");
        w.Line();
        w.Line($"public override global::System.Collections.Generic.IReadOnlyList<{Rt}WorkflowTaskInfo> Tasks => __taskInfos ??= new {Rt}WorkflowTaskInfo[]");
        w.Open();
        foreach (var task in tasks)
        {
            var result = task.ResultType is { } type ? Literal(Plain(type)) : "null";
            var dependencies = task.Dependencies.Count == 0
                ? "global::System.Array.Empty<string>()"
                : $"new string[] {{ {string.Join(", ", task.Dependencies.Select(d => Literal(tasks[d].TaskName)))} }}";
            var parameters = string.Concat(task.Arguments.Select(a => ", " + ParameterInfo(workflow, a)));
            w.Line($"new {Rt}WorkflowTaskInfo({Literal(task.TaskName)}, {Literal(task.MethodName)}, {BackendName(task.Backend)}, {result}, {dependencies}{parameters}),");
        }

        w.Indent--;
        w.Line("};");
    }

    private static string ParameterInfo(BoundWorkflow workflow, BoundArgument argument)
    {
        var kind = $"{Rt}WorkflowTaskParameterKind.{argument.Kind}";
        var source = argument.Kind switch
        {
            ArgumentKind.Input => ", " + Literal(argument.InputName),
            ArgumentKind.Dependency or ArgumentKind.FanOutItem => ", " + Literal(workflow.Tasks[argument.Dependency].TaskName),
            _ => string.Empty,
        };
        return $"new {Rt}WorkflowTaskParameterInfo({Literal(argument.ParameterName)}, {kind}, {Literal(Plain(argument.ParameterType))}{source})";
    }

    /// <summary>
    /// <c>InvokeTaskCore</c>: a switch on the task's graph index to one method per task that reads its arguments,
    /// calls the body and writes its result as JSON. Only for workflows with a serializer context.
    /// </summary>
    private static void EmitTaskInvoker(Writer w, BoundWorkflow workflow)
    {
        var tasks = workflow.Tasks;
        var workflowType = QualifiedName(workflow.Type);
        const string Parameters = "global::Workflowy.TaskInvocation __invocation, global::System.Text.Json.JsonElement __inputs, global::System.Threading.CancellationToken __cancellationToken";
        w.Line();
        w.Line($"protected override global::System.Threading.Tasks.ValueTask<string?> InvokeTaskCore(int __index, {Parameters})");
        w.Open();
        w.Line("switch (__index)");
        w.Open();
        for (var i = 0; i < tasks.Count; i++)
        {
            var index = i.ToString(CultureInfo.InvariantCulture);
            w.Line($"case {index}: return __Invoke{index}(__invocation, __inputs, __cancellationToken);");
        }

        w.Line("default: throw new global::System.ArgumentOutOfRangeException(nameof(__index));");
        w.Close();
        w.Close();

        if (tasks.Any(t => !t.IsStatic))
        {
            var type = workflow.Type;
            var create = type.CanConstruct
                ? $"new {workflowType}()"
                : $"throw new global::System.InvalidOperationException({Literal($"Workflow '{type.FullName}' has no public parameterless constructor, so its tasks cannot be invoked by name: give the invocation Services that provide {type.FullName}, or give the class a public parameterless constructor.")})";
            w.Line();
            w.Line($"private static {workflowType} __Workflow(global::Workflowy.TaskInvocation __invocation)");
            w.Line($"    => __invocation.Services?.GetService(typeof({workflowType})) as {workflowType} ?? {create};");
        }

        for (var i = 0; i < tasks.Count; i++)
        {
            EmitTaskInvocation(w, workflow, i, Parameters);
        }
    }

    private static void EmitTaskInvocation(Writer w, BoundWorkflow workflow, int index, string parameters)
    {
        var task = workflow.Tasks[index];
        if (task.FanOut is not null)
        {
            // A fan-out's calls are made inside its run, one per element of its source; there is no one body to invoke.
            w.Line();
            w.Line($"private global::System.Threading.Tasks.ValueTask<string?> __Invoke{index.ToString(CultureInfo.InvariantCulture)}({parameters})");
            w.Line($"    => throw new global::System.NotSupportedException({Literal($"Task '{task.TaskName}' is a fan-out: it calls its body once per element of task '{workflow.Tasks[task.FanOut.Source].TaskName}' inside its run, so it cannot be invoked by name. Run the workflow, or invoke the tasks around it.")});");
            return;
        }

        var isAsync = task.ReturnKind is ReturnKind.Task or ReturnKind.TaskOfT or ReturnKind.ValueTask or ReturnKind.ValueTaskOfT;
        w.Line();
        w.Line($"private {(isAsync ? "async " : string.Empty)}global::System.Threading.Tasks.ValueTask<string?> __Invoke{index.ToString(CultureInfo.InvariantCulture)}({parameters})");
        w.Open();
        var target = task.IsStatic ? QualifiedName(workflow.Type) : "__workflow";
        if (!task.IsStatic)
        {
            w.Line("var __workflow = __Workflow(__invocation);");
        }

        var arguments = new System.Collections.Generic.List<string>();
        for (var p = 0; p < task.Arguments.Count; p++)
        {
            var argument = task.Arguments[p];
            var name = "__p" + p.ToString(CultureInfo.InvariantCulture);
            arguments.Add(name);
            w.Line($"var {name} = {InvocationArgument(workflow, task, argument)};");
        }

        var call = $"{target}.{Id(task.MethodName)}({string.Join(", ", arguments)})";
        var notNull = task.NotNullResult is { } typeName ? Literal(typeName) : "null";
        var toJson = $"ResultToJson<{task.ResultType}>(__result, {Literal(task.TaskName)}, {notNull})";
        switch (task.ReturnKind)
        {
            case ReturnKind.Void:
                w.Line(call + ";");
                w.Line("return new global::System.Threading.Tasks.ValueTask<string?>((string?)null);");
                break;
            case ReturnKind.Value:
                w.Line($"var __result = {call};");
                w.Line($"return new global::System.Threading.Tasks.ValueTask<string?>({toJson});");
                break;
            case ReturnKind.Task:
            case ReturnKind.ValueTask:
                w.Line($"await {call}.ConfigureAwait(false);");
                w.Line("return null;");
                break;
            default:
                w.Line($"var __result = await {call}.ConfigureAwait(false);");
                w.Line($"return {toJson};");
                break;
        }

        w.Close();
    }

    private static string InvocationArgument(BoundWorkflow workflow, BoundTask task, BoundArgument argument)
    {
        switch (argument.Kind)
        {
            case ArgumentKind.CancellationToken:
                return "__cancellationToken";
            case ArgumentKind.TaskContext:
                return $"CreateTaskContext(__invocation, {Literal(task.TaskName)}, __cancellationToken)";
            case ArgumentKind.Input:
                var input = workflow.Inputs.First(i => i.Name == argument.InputName);
                var nullable = input.Type.EndsWith("?", System.StringComparison.Ordinal) ? "true" : "false";
                return $"ReadInput<{input.Type}>(__inputs, {Literal(input.Name)}, {nullable})";
            default:
                var dependency = workflow.Tasks[argument.Dependency];
                if (argument.LiftToNullable)
                {
                    return $"ReadDependencyOrNull<{dependency.ResultType}>(__invocation, {Literal(dependency.TaskName)}, {Literal(argument.ParameterName)})";
                }

                var notNull = dependency.NotNullResult is not null ? "true" : "false";
                return $"ReadDependency<{dependency.ResultType}>(__invocation, {Literal(dependency.TaskName)}, {Literal(argument.ParameterName)}, {notNull})";
        }
    }

    /// <summary>A type as a message writes it: without <c>global::</c>.</summary>
    private static string Plain(string type) => type.Replace("global::", string.Empty);
}
