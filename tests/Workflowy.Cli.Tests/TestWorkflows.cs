using System;
using System.Linq;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.Cli.Tests;

public sealed record Point(int X, int Y);

[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(Point))]
[JsonSerializable(typeof(int[]))]
[JsonSerializable(typeof(System.Guid))]
internal sealed partial class TestJson : JsonSerializerContext
{
}

/// <summary>A workflow of one task, with a string, a number and a bool input.</summary>
[WorkflowSerialization(typeof(TestJson))]
public sealed partial class Greeting
{
    [Task]
    public string Greet(string name, int times, bool shout)
    {
        var text = string.Join(" ", Enumerable.Repeat($"hello {name}", times));
        return shout ? text.ToUpperInvariant() : text;
    }
}

/// <summary>Every kind of input the CLI types: numbers, bools, strings, a nullable string, a record, an array, a Guid.</summary>
[WorkflowSerialization(typeof(TestJson))]
public sealed partial class TypedInputs
{
    [Task]
    public string Echo(int count, double ratio, bool flag, string text, string? note, Point point, int[] list, System.Guid id) =>
        $"{count}|{ratio.ToString(System.Globalization.CultureInfo.InvariantCulture)}|{flag}|{text}|{note ?? "<null>"}|{point.X},{point.Y}|{string.Join(",", list)}|{id:N}";
}

/// <summary>Load, then Fail (throws, after a retry), and Report, skipped because Fail did not complete; Audit completes.</summary>
[WorkflowSerialization(typeof(TestJson))]
public sealed partial class Broken
{
    [Task]
    public int Load(int size) => size;

    [Task(Retries = 1, BackoffBaseSeconds = 0.01)]
    [DependsOn(nameof(Load))]
    public int Fail(int load) => throw new InvalidOperationException($"the disk is full ({load})");

    [Task(OnDependencyFailure = DependencyFailure.Skip)]
    [DependsOn(nameof(Fail))]
    public string Report(int fail) => $"report {fail}";

    [Task]
    [DependsOn(nameof(Load))]
    public string Audit(int load) => $"audited {load}";
}

/// <summary>A run that takes a while (<c>ms</c> per step), reporting progress: for the live display.</summary>
[WorkflowSerialization(typeof(TestJson))]
public sealed partial class Slow
{
    [Task(Backend = Backend.Async)]
    public async Task<int> Fetch(int ms, CancellationToken cancellationToken)
    {
        await Steps("fetching", ms, cancellationToken);
        return 10;
    }

    [Task(Backend = Backend.Async)]
    [DependsOn(nameof(Fetch))]
    public async Task<int> Parse(int fetch, int ms, CancellationToken cancellationToken)
    {
        await Steps("parsing", ms, cancellationToken);
        return fetch * 2;
    }

    [Task(Backend = Backend.Async)]
    [DependsOn(nameof(Fetch))]
    public async Task<int> Index(int fetch, int ms, CancellationToken cancellationToken)
    {
        await Steps("indexing", ms, cancellationToken);
        return fetch * 3;
    }

    [Task]
    [DependsOn(nameof(Parse), nameof(Index))]
    public string Publish(int parse, int index) => $"published {parse + index}";

    private static async Task Steps(string what, int ms, CancellationToken cancellationToken)
    {
        for (var i = 1; i <= 5; i++)
        {
            await Task.Delay(ms / 5, cancellationToken);
            TaskContext.Current?.ReportProgress(i / 5.0, $"{what} {i}/5");
        }
    }
}

/// <summary>Waits for the event <c>go:&lt;run id&gt;</c>.</summary>
[WorkflowSerialization(typeof(TestJson))]
public sealed partial class Waiting
{
    [Task]
    public async Task<string> Wait(TaskContext context) => "got " + await context.WaitForEventAsync("go:" + context.RunId);
}

/// <summary>A workflow without a serializer context: listed and drawn, not started by name.</summary>
public sealed partial class Unserialized
{
    [Task]
    public int One() => 1;
}
