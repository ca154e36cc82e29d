using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Workflowy.Benchmarks;

/// <summary>
/// A large, valid workflow written out as source: tasks in layers, each task after the first layer depending on one to
/// three tasks of the layer before it. Results are ints; about half of the dependencies also hand their result over,
/// to a parameter named after the dependency. Backends, async bodies, injected tokens and a workflow input vary from
/// task to task. The tasks are spread, in order, over one or more files, each a partial declaration of the class. The
/// same seed gives the same text.
/// </summary>
public static class SyntheticWorkflow
{
    /// <summary>The marker expression in the body of the first task (T0_0, in the first file); edits replace its last digit.</summary>
    public const string EditMarker = "seed + 1000";

    private const string FileHeader = """
        using System.Threading;
        using System.Threading.Tasks;
        using Workflowy;

        namespace Bench;

        public partial class Big
        {

        """;

    public static string[] Create(int taskCount, int layerWidth, int files, int seed)
    {
        var random = new Random(seed);
        var sources = new List<string>();
        var tasksPerFile = (taskCount + files - 1) / files;
        var builder = new StringBuilder();

        var previousLayer = new List<string>();
        var currentLayer = new List<string>();
        for (var index = 0; index < taskCount; index++)
        {
            var layer = index / layerWidth;
            var position = index % layerWidth;
            if (position == 0 && index > 0)
            {
                previousLayer = currentLayer;
                currentLayer = new List<string>();
            }

            if (index % tasksPerFile == 0)
            {
                if (index > 0)
                {
                    sources.Add(builder.Append("}\n").ToString());
                    builder.Clear();
                }

                builder.Append(FileHeader);
            }

            var name = string.Create(CultureInfo.InvariantCulture, $"T{layer}_{position}");
            currentLayer.Add(name);

            var dependencies = new List<string>();
            if (layer > 0)
            {
                var count = random.Next(1, 4);
                while (dependencies.Count < Math.Min(count, previousLayer.Count))
                {
                    var candidate = previousLayer[random.Next(previousLayer.Count)];
                    if (!dependencies.Contains(candidate))
                    {
                        dependencies.Add(candidate);
                    }
                }
            }

            // Results flow by parameter name (case-insensitive: T3_4 into t3_4) for about half of the dependencies.
            var parameters = new List<string>();
            var sum = new List<string>();
            foreach (var dependency in dependencies)
            {
                if (random.Next(2) == 0)
                {
                    var parameter = "t" + dependency.Substring(1);
                    parameters.Add("int " + parameter);
                    sum.Add(parameter);
                }
            }

            if (layer == 0)
            {
                parameters.Add("int seed");
                sum.Add(index == 0 ? EditMarker : "seed");
            }

            var kind = random.Next(4);
            if (kind == 2)
            {
                parameters.Add("CancellationToken cancellationToken");
            }

            var attribute = kind switch
            {
                0 => "Task",
                1 => "Task(Backend = Backend.Thread)",
                2 => "Task(Backend = Backend.Async)",
                _ => $"Task(\"task-{index}\")",
            };
            builder.Append("    [").Append(attribute);
            if (dependencies.Count > 0)
            {
                builder.Append(", DependsOn(");
                for (var d = 0; d < dependencies.Count; d++)
                {
                    builder.Append(d == 0 ? string.Empty : ", ").Append("nameof(").Append(dependencies[d]).Append(')');
                }

                builder.Append(')');
            }

            builder.Append(']');
            var expression = sum.Count == 0 ? index.ToString(CultureInfo.InvariantCulture) : string.Join(" + ", sum);
            var signature = $"{name}({string.Join(", ", parameters)})";
            builder.Append('\n');
            builder.Append(kind == 2
                ? $"    public async Task<int> {signature}\n    {{\n        await Task.Yield();\n        return {expression};\n    }}\n\n"
                : $"    public int {signature}\n    {{\n        return {expression};\n    }}\n\n");
        }

        sources.Add(builder.Append("}\n").ToString());
        return sources.ToArray();
    }
}
