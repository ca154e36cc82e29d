using System.Globalization;
using System.Linq;

namespace Workflowy.SourceGeneration;

// [FanOut]: the generated body of a fan-out task hands the runtime (WorkflowRun.FanOutEach/FanOutCollect) its source's
// elements (or chunks), its bound and a lambda calling the method for one of them, with the [Task] options per call.
internal static partial class Emitter
{
    /// <summary>The options of a fan-out task's own node: only its dependency-failure policy (the rest apply to each call).</summary>
    private static TaskOptionsModel FanOutNodeOptions(BoundTask task) =>
        task.FanOut is null ? task.Options : TaskOptionsModel.None with { OnDependencyFailure = task.Options.OnDependencyFailure };

    private static void EmitFanOutCall(Writer w, BoundWorkflow workflow, int index, FanOutBinding fanOut)
    {
        var task = workflow.Tasks[index];
        var target = task.IsStatic ? QualifiedName(workflow.Type) : "_workflow";
        var args = string.Join(", ", task.Arguments.Select(a => a.Kind switch
        {
            ArgumentKind.CancellationToken => "__context.CancellationToken",
            ArgumentKind.TaskContext => "__context",
            _ => Argument(workflow, index, a),
        }));
        var call = $"{target}.{Id(task.MethodName)}({args})";
        if (task.ReturnKind == ReturnKind.ValueTaskOfT)
        {
            call += ".AsTask()";
        }

        var source = $"ResultOf({Id(workflow.Tasks[fanOut.Source].PropertyName)})!";
        var units = fanOut.BatchSize > 0 ? $"FanOutChunks({source}, {fanOut.BatchSize.ToString(CultureInfo.InvariantCulture)})" : source;
        var options = task.Options with { OnDependencyFailure = null };
        var callOptions = options.IsDefault && task.Backend == 0
            ? $"{Rt}TaskOptions.Default"
            : $"new {Rt}TaskOptions {{ {string.Join(", ", (task.Backend == 0 ? Enumerable.Empty<string>() : new[] { $"Backend = {BackendName(task.Backend)}" }).Concat(OptionParts(options)))} }}";
        var method = fanOut.CollectAll ? "FanOutCollect" : "FanOutEach";
        w.Line($"return {method}<{fanOut.UnitType}, {fanOut.CallResultType}>({Id(task.PropertyName)}, {units}, {fanOut.MaxParallel.ToString(CultureInfo.InvariantCulture)}, {callOptions},");
        w.Line($"    ({fanOut.UnitType} __item, {Rt}TaskContext __context) => {call});");
    }
}
