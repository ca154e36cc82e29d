using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Workflowy.Tests.Workflows.Invocation;

public sealed record Box(string Label, int Weight);

[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(Box))]
[JsonSerializable(typeof(double))]
internal sealed partial class InvocationJson : JsonSerializerContext
{
}

/// <summary>One task of each shape, invoked one at a time from JSON by TaskInvocationTests.</summary>
[WorkflowSerialization(typeof(InvocationJson))]
public sealed partial class InvocationShapes
{
    public static int Constructed;

    public InvocationShapes() => Interlocked.Increment(ref Constructed);

    public string Prefix { get; init; } = "box";

    [Task]
    public Box Pack(string label, int weight) => weight >= 0 ? new Box(Prefix + ":" + label, weight) : throw new ArgumentOutOfRangeException(nameof(weight), "negative weight");

    [Task, DependsOn(nameof(Pack))]
    public async Task<double> Price(Box pack, CancellationToken cancellationToken)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return pack.Weight * 1.5;
    }

    [Task, DependsOn(nameof(Price))]
    public static string Describe(double price, string? note) => $"{price}{(note is null ? string.Empty : " " + note)}";

    [Task(OnDependencyFailure = DependencyFailure.RunAnyway), DependsOn(nameof(Count))]
    public static int Fallback(int? count) => count ?? -1;

    [Task]
    public static int Count(int weight) => weight * 2;

    [Task, DependsOn(nameof(Describe))]
    public static void Log(string describe)
    {
        LastLogged = describe;
    }

    public static string? LastLogged;

    [Task]
    public static string Context(TaskContext context)
    {
        context.ReportProgress(2, "half");
        return $"{context.TaskName}/{context.RunId}/{context.Attempt}";
    }

    [Task]
    public static int SideEffect(TaskContext context) => context.GetState<int>("x");

    [Task]
    public static string NullLabel(string label) => label == "null" ? null! : label;
}

/// <summary>A task that waits for its token (invoked alone; never run as a whole).</summary>
[WorkflowSerialization(typeof(InvocationJson))]
public sealed partial class InvocationWaiting
{
    [Task]
    public static ValueTask Wait(CancellationToken cancellationToken) => new(Task.Delay(Timeout.Infinite, cancellationToken));
}

/// <summary>No parameterless constructor: its tasks are invoked only with Services.</summary>
[WorkflowSerialization(typeof(InvocationJson))]
public sealed partial class InvocationInjected(string greeting)
{
    [Task] public string Greet(string label) => greeting + ", " + label;
}

[JsonSerializable(typeof(int[]))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(IReadOnlyList<int>))]
internal sealed partial class FanOutInvocationJson : JsonSerializerContext
{
}

/// <summary>A fan-out in a workflow with a serializer context: listed with its element parameter, not invocable by name.</summary>
[WorkflowSerialization(typeof(FanOutInvocationJson))]
public sealed partial class FanOutInvocation
{
    [Task]
    public static int[] Numbers(int count) => Enumerable.Range(1, count).ToArray();

    [Task, FanOut(nameof(Numbers))]
    public static int Square(int number) => number * number;

    [Task, DependsOn(nameof(Square))]
    public static int Sum(IReadOnlyList<int> square) => square.Sum();
}
