using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace Workflowy.Tests.Workflows;

public sealed record Order(int Id, decimal Amount);

[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(Order))]
[JsonSerializable(typeof(decimal))]
internal sealed partial class DurableJson : JsonSerializerContext
{
}

/// <summary>A checkpointed workflow: Ship fails until repaired; Charge records its payment as a side effect.</summary>
[WorkflowSerialization(typeof(DurableJson))]
public sealed partial class DurableWorkflow
{
    public static readonly ConcurrentDictionary<string, int> Payments = new();
    public volatile bool Repaired;
    public int LoadCalls;
    public int ChargeCalls;
    public int ShipCalls;

    [Task]
    public Order Load(int orderId)
    {
        Interlocked.Increment(ref LoadCalls);
        return new Order(orderId, orderId * 10m);
    }

    [Task, DependsOn(nameof(Load))]
    public async Task<decimal> Charge(Order load, TaskContext context)
    {
        Interlocked.Increment(ref ChargeCalls);
        var receipt = await context.SideEffectAsync("payment", _ =>
        {
            Payments.AddOrUpdate(context.RunId, 1, (_, n) => n + 1);
            return ValueTask.FromResult($"paid {load.Amount}");
        });
        context.SetState("receipt", receipt);
        return load.Amount;
    }

    [Task, DependsOn(nameof(Charge))]
    public string Ship(decimal charge, string address, TaskContext context)
    {
        Interlocked.Increment(ref ShipCalls);
        if (!Repaired)
        {
            throw new InvalidOperationException("the courier is on strike");
        }

        return $"{context.GetState<string>("receipt")}, shipped {charge} to {address}";
    }
}
