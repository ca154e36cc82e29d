using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace Workflowy.Tests.Workflows;

[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
internal sealed partial class LeasedJson : JsonSerializerContext
{
}

/// <summary>
/// A checkpointed workflow for run leases (also compiled into the SQLite tests): Work waits for its instance's gate,
/// then Ship records a shipment as a side effect. One instance stands for one process.
/// </summary>
[WorkflowSerialization(typeof(LeasedJson))]
public sealed partial class LeasedWorkflow
{
    /// <summary>How often the shipment's action ran, by run id: at most once per run, whatever resumes it.</summary>
    public static readonly ConcurrentDictionary<string, int> Shipments = new();

    public int WorkCalls;
    public int ShipCalls;

    /// <summary>Set when Work has started.</summary>
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Work waits for it.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>An instance whose gate is open: it runs straight through.</summary>
    public static LeasedWorkflow Open()
    {
        var workflow = new LeasedWorkflow();
        workflow.Gate.SetResult();
        return workflow;
    }

    [Task]
    public async Task<int> Work(int order, TaskContext context)
    {
        Interlocked.Increment(ref WorkCalls);
        Started.TrySetResult();
        await Gate.Task.WaitAsync(context.CancellationToken);
        return order * 2;
    }

    [Task, DependsOn(nameof(Work))]
    public async Task<string> Ship(int work, TaskContext context)
    {
        Interlocked.Increment(ref ShipCalls);
        return await context.SideEffectAsync("shipment", _ =>
        {
            Shipments.AddOrUpdate(context.RunId, 1, (_, n) => n + 1);
            return ValueTask.FromResult($"shipment-{work}");
        });
    }
}
