using System.Collections.Concurrent;

namespace Workflowy.Scheduling.Tests;

/// <summary>Declared with an attribute: registered by the generated module initializer of this assembly.</summary>
[Every("00:00:10")]
[WorkflowSerialization(typeof(TestJson))]
public partial class DeclaredTick
{
    [Task] public int One() => 1;
}

/// <summary>A [Workflow] entry point with an event trigger, a filter and a bound input.</summary>
[WorkflowSerialization(typeof(TestJson))]
public partial class DeclaredOrder
{
    public static readonly ConcurrentQueue<(string Trigger, int OrderId)> Seen = new();

    [Workflow, OnEvent("declared.order"), EventFilter("region", "eu")]
    public partial Task<DeclaredOrderRun> HandleAsync([FromEvent("order.id")] int orderId);

    [Task] public int Handle(int orderId)
    {
        Seen.Enqueue(("Workflowy.Scheduling.Tests.DeclaredOrder.HandleAsync#trigger", orderId));
        return orderId;
    }
}
