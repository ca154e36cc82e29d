using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Workflowy.SourceGeneration;

// The generated parts of [ConcurrencyKey] and [CacheResult]: their TaskOptions, and ArgumentsOf, which gives the
// runtime's admission gate the named argument values of a call (the same expressions the call itself passes).
internal static partial class Emitter
{
    private static void AddAdmissionOptions(TaskOptionsModel o, List<string> parts)
    {
        if (o.Concurrency is { } c)
        {
            var keys = string.Join(", ", c.Parameters.Select(Literal));
            var settings = new List<string> { $"MaxRunning = {c.MaxRunning.ToString(CultureInfo.InvariantCulture)}" };
            if (c.MaxPending >= 0)
            {
                settings.Add($"MaxPending = {c.MaxPending.ToString(CultureInfo.InvariantCulture)}");
            }

            settings.Add($"OnLimit = {Rt}ConcurrencyLimit.{(c.OnLimit == 1 ? "Reuse" : c.OnLimit == 2 ? "Reject" : "Queue")}");
            if (c.OnArgumentMismatch == 1)
            {
                settings.Add($"OnArgumentMismatch = {Rt}ArgumentMismatch.KeepFirst");
            }

            parts.Add($"Concurrency = new {Rt}ConcurrencyOptions({keys}) {{ {string.Join(", ", settings)} }}");
        }

        if (o.Cache is { } cache && GraphBuilder.TryParseTimeToLive(cache.TimeToLive, out var ttl))
        {
            var exclude = cache.Exclude.Count == 0 ? string.Empty : $" {{ Exclude = new string[] {{ {string.Join(", ", cache.Exclude.Select(Literal))} }} }}";
            parts.Add($"Cache = new {Rt}ResultCacheOptions(global::System.TimeSpan.FromTicks({ttl.Ticks.ToString(CultureInfo.InvariantCulture)}L)){exclude}");
        }
    }

    /// <summary>The named argument values of each task with a concurrency key or a result cache.</summary>
    private static void EmitArgumentsOf(Writer w, BoundWorkflow workflow)
    {
        var gated = workflow.Tasks.Select((t, i) => (t, i)).Where(x => x.t.Options.Concurrency is not null || x.t.Options.Cache is not null).ToList();
        if (gated.Count == 0)
        {
            return;
        }

        w.Line($"protected override {Rt}TaskArguments? ArgumentsOf(int index)");
        w.Open();
        w.Line("switch (index)");
        w.Open();
        foreach (var (task, i) in gated)
        {
            var values = new List<string>();
            for (var p = 0; p < task.Arguments.Count; p++)
            {
                var argument = task.Arguments[p];
                if (argument.Kind is ArgumentKind.Input or ArgumentKind.Dependency)
                {
                    values.Add($"{{ {Literal(task.ParameterNames[p])}, {Argument(workflow, i, argument)} }}");
                }
            }

            var initializer = values.Count == 0 ? string.Empty : $" {{ {string.Join(", ", values)} }}";
            w.Line($"case {i.ToString(CultureInfo.InvariantCulture)}: return new {Rt}TaskArguments({values.Count.ToString(CultureInfo.InvariantCulture)}){initializer};");
        }

        w.Line("default: return null;");
        w.Close();
        w.Close();
        w.Line();
    }
}
