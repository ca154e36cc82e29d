using System.Collections.Generic;
using System.Globalization;
using System.Text.Json.Serialization;

namespace Workflowy.PostgreSql.ChaosApp;

/// <summary>
/// A layered DAG as a generated workflow: five graph tasks, one per layer. A run of the workflow itself is one column
/// (five tasks); <see cref="Plan"/> instantiates every layer <c>width</c> times (a task per layer and index), each with
/// its own <c>index</c> input: node (k, i) depends on (k-1, i) and, from layer 2, on (k-2, (i+1) mod width), so the
/// plan has fan-out and fan-in 2 across columns. Results are checkable: <see cref="Expected"/> computes them locally.
/// The bodies are plain: the worker app journals every attempt start (see Program.cs).
/// </summary>
[WorkflowSerialization(typeof(LayeredDagJson))]
public sealed partial class LayeredDag
{
    public const int Layers = 5;

    [Task]
    public long L0(int index) => Mix(index, 0, 0);

    [Task, DependsOn(nameof(L0))]
    public long L1(int index, long l0) => Mix(index, l0, 1);

    [Task, DependsOn(nameof(L1), nameof(L0))]
    public long L2(int index, long l1, long l0) => Mix(index, l1, l0);

    [Task, DependsOn(nameof(L2), nameof(L1))]
    public long L3(int index, long l2, long l1) => Mix(index, l2, l1);

    [Task, DependsOn(nameof(L3), nameof(L2))]
    public long L4(int index, long l3, long l2) => Mix(index, l3, l2);

    public static long Mix(int index, long a, long b) => unchecked(((a * 31) + (b * 17) + index + 7) % 1_000_000_007L);

    public static string Key(string layer, int index) => string.Create(CultureInfo.InvariantCulture, $"{layer}/{index}");

    /// <summary>The plan of a layer × width run (see the class summary).</summary>
    public static IReadOnlyList<PlannedTask> Plan(int width)
    {
        var plan = new List<PlannedTask>(Layers * width);
        for (var k = 0; k < Layers; k++)
        {
            for (var i = 0; i < width; i++)
            {
                var dependencies = k switch
                {
                    0 => [],
                    1 => new[] { i },
                    _ => new[] { ((k - 1) * width) + i, ((k - 2) * width) + ((i + 1) % width) },
                };
                plan.Add(new PlannedTask(Key("L" + k, i), "L" + k, dependencies, string.Create(CultureInfo.InvariantCulture, $"{{\"index\":{i}}}")));
            }
        }

        return plan;
    }

    /// <summary>Every task's result in a layer × width run, by key.</summary>
    public static Dictionary<string, long> Expected(int width)
    {
        var values = new long[Layers, width];
        var byKey = new Dictionary<string, long>(Layers * width, System.StringComparer.Ordinal);
        for (var k = 0; k < Layers; k++)
        {
            for (var i = 0; i < width; i++)
            {
                values[k, i] = k switch
                {
                    0 => Mix(i, 0, 0),
                    1 => Mix(i, values[0, i], 1),
                    _ => Mix(i, values[k - 1, i], values[k - 2, (i + 1) % width]),
                };
                byKey[Key("L" + k, i)] = values[k, i];
            }
        }

        return byKey;
    }
}

[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
public sealed partial class LayeredDagJson : JsonSerializerContext;
