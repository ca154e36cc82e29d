using System;
using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Workflowy.Dashboard.Tests;

[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(double?))]
[JsonSerializable(typeof(bool))]
internal sealed partial class TestJson : JsonSerializerContext
{
}

/// <summary>What the tests tell the workflows, per run id: whether Transform fails, and with what message; gates to hold a task.</summary>
public static class Control
{
    public static readonly ConcurrentDictionary<string, string> FailWith = new(StringComparer.Ordinal);

    public static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new(StringComparer.Ordinal);

    public static TaskCompletionSource Gate(string runId) =>
        Gates.GetOrAdd(runId, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}

/// <summary>Load, Transform (fails while the test says so), Save.</summary>
[WorkflowSerialization(typeof(TestJson))]
public sealed partial class Flaky
{
    [Task]
    public int Load(int size) => size;

    [Task]
    [DependsOn(nameof(Load))]
    public int Transform(int load, TaskContext context) =>
        Control.FailWith.TryGetValue(context.RunId, out var message) ? throw new InvalidOperationException(message) : load * 2;

    [Task]
    [DependsOn(nameof(Transform))]
    public string Save(int transform) => $"saved {transform}";
}

/// <summary>Start, Wait (held until the test opens its gate, or cancelled), Finish.</summary>
[WorkflowSerialization(typeof(TestJson))]
public sealed partial class Gated
{
    [Task]
    public string Start(string label) => label;

    [Task(Backend = Backend.Async)]
    [DependsOn(nameof(Start))]
    public async Task<string> Wait(string start, TaskContext context, CancellationToken cancellationToken)
    {
        await Control.Gate(context.RunId).Task.WaitAsync(cancellationToken);
        return start + " waited";
    }

    [Task]
    [DependsOn(nameof(Wait))]
    public string Finish(string wait) => wait + ", finished";
}

/// <summary>Typed inputs for the trigger form, and a task that logs through the container's logger.</summary>
[WorkflowSerialization(typeof(TestJson))]
public sealed partial class Order(ILogger<Order> logger)
{
    [Task]
    public string Greet(string customer, int count, bool express, double? discount)
    {
        logger.LogInformation("greeting {Customer} for {Count} items", customer, count);
        logger.LogWarning("express is {Express}", express);
        return $"{customer}: {count} items{(express ? ", express" : string.Empty)}{(discount is { } d ? $", {d}% off" : string.Empty)}";
    }

    [Task(Retries = 2, BackoffBaseSeconds = 30, TimeoutSeconds = 60)]
    [DependsOn(nameof(Greet))]
    public int Count(string greet) => greet.Length;
}

/// <summary>Inputs to redact: one by name (password), one by the option (account).</summary>
[WorkflowSerialization(typeof(TestJson))]
public sealed partial class Secretive
{
    [Task]
    public string Login(string account, string password, int attempts) => $"{account} logged in after {attempts} attempts ({password.Length} characters)";
}
