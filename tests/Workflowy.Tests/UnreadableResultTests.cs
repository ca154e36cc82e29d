using System.Collections.Generic;
using System.IO;
using Workflowy.Tests.Infrastructure;
using Workflowy.Tests.Workflows;

namespace Workflowy.Tests;

/// <summary>
/// A stored result that no longer reads back (the result type changed between deploys, or a record was edited) makes
/// its task run again, logged; it never blocks the run (issue 17, item 5).
/// </summary>
public sealed class UnreadableResultTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "workflowy-unreadable-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    public static TheoryData<string> Stores => new() { "memory", "json" };

    private IWorkflowStore Store(string kind) => kind == "memory" ? new InMemoryWorkflowStore() : new JsonFileWorkflowStore(_directory);

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task AGraphTaskWhoseStoredResultNoLongerReadsBack_RunsAgain_AndIsLogged(string kind)
    {
        var store = Store(kind);
        var runId = "changed-" + Guid.NewGuid().ToString("N");
        var first = await new DurableWorkflow { Repaired = true }.RunAsync(4, "Oak Lane", new WorkflowRunner { Store = store }, runId).WaitAsync(Guard);
        var now = DateTimeOffset.UtcNow;

        // An earlier deploy stored Load's result as a string and Charge's as an object: neither reads back as Order / decimal.
        await store.SaveAsync(new RunCheckpoint(first.WorkflowKey, runId, null, new[]
        {
            new TaskRecord("Load", TaskState.Completed, "\"order 4\"", 1, null, now, now),
            new TaskRecord("Charge", TaskState.Completed, "{\"amount\":40}", 1, null, now, now),
        }, new Dictionary<string, string>()));

        var logger = new ListLogger();
        var workflow = new DurableWorkflow { Repaired = true };
        var resumed = await workflow.ResumeAsync(runId, new WorkflowRunner { Store = store, Logger = logger }).WaitAsync(Guard);

        Assert.Equal((1, 1, 0), (workflow.LoadCalls, workflow.ChargeCalls, workflow.ShipCalls));
        Assert.Equal(new Order(4, 40m), resumed.Load.Result);
        Assert.Equal(40m, resumed.Charge.Result);
        Assert.Equal("paid 40, shipped 40 to Oak Lane", resumed.Ship.Result);
        Assert.Equal(1, DurableWorkflow.Payments[runId]); // the side effect was recorded: its action does not run again

        var logged = logger.Entries.Where(e => e.Id.Id == 8).ToList();
        Assert.Equal(2, logged.Count);
        Assert.Contains(logged, e => e.Message.Contains("'Load'", StringComparison.Ordinal) && e.Message.Contains(runId, StringComparison.Ordinal) && e.Exception is System.Text.Json.JsonException);
        Assert.Contains(logged, e => e.Message.Contains("'Charge'", StringComparison.Ordinal));

        // The new results were recorded: the next resume restores everything.
        var checkpoint = (await store.LoadAsync(resumed.WorkflowKey, runId))!;
        Assert.Equal("{\"Id\":4,\"Amount\":40}", checkpoint.Tasks.Single(t => t.Key == "Load").ResultJson);
        var again = new DurableWorkflow();
        await again.ResumeAsync(runId, new WorkflowRunner { Store = store }).WaitAsync(Guard);
        Assert.Equal((0, 0, 0), (again.LoadCalls, again.ChargeCalls, again.ShipCalls));
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task RunAsyncWithTheRunsId_AlsoRunsTheTaskAgain(string kind)
    {
        var store = Store(kind);
        var runId = "changed-" + Guid.NewGuid().ToString("N");
        await new DurableWorkflow { Repaired = true }.RunAsync(2, "Oak Lane", new WorkflowRunner { Store = store }, runId).WaitAsync(Guard);
        var now = DateTimeOffset.UtcNow;
        await store.SaveAsync(new RunCheckpoint("Workflowy.Tests.Workflows.DurableWorkflow", runId, null, new[]
        {
            new TaskRecord("Ship", TaskState.Completed, "[1, 2, 3]", 1, null, now, now),
        }, new Dictionary<string, string>()));

        var workflow = new DurableWorkflow { Repaired = true };
        var run = await workflow.RunAsync(2, "Oak Lane", new WorkflowRunner { Store = store }, runId).WaitAsync(Guard);

        Assert.Equal((0, 0, 1), (workflow.LoadCalls, workflow.ChargeCalls, workflow.ShipCalls));
        Assert.Equal("paid 20, shipped 20 to Oak Lane", run.Ship.Result);
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task AStoredNull_ForAResultDeclaredNotNullable_RunsTheTaskAgain(string kind)
    {
        var store = Store(kind);
        var runId = "null-" + Guid.NewGuid().ToString("N");
        await new DurableWorkflow { Repaired = true }.RunAsync(3, "Oak Lane", new WorkflowRunner { Store = store }, runId).WaitAsync(Guard);
        var now = DateTimeOffset.UtcNow;
        await store.SaveAsync(new RunCheckpoint("Workflowy.Tests.Workflows.DurableWorkflow", runId, null, new[]
        {
            new TaskRecord("Ship", TaskState.Completed, "null", 1, null, now, now), // Ship returns string, not string?
        }, new Dictionary<string, string>()));

        var logger = new ListLogger();
        var workflow = new DurableWorkflow { Repaired = true };
        var run = await workflow.ResumeAsync(runId, new WorkflowRunner { Store = store, Logger = logger }).WaitAsync(Guard);

        Assert.Equal((0, 0, 1), (workflow.LoadCalls, workflow.ChargeCalls, workflow.ShipCalls));
        Assert.Equal("paid 30, shipped 30 to Oak Lane", run.Ship.Result);
        if (kind == "memory")
        {
            // The JSON store reads a stored null as no result at all: the task runs again without this message.
            Assert.Contains(logger.Entries, e => e.Id.Id == 8 && e.Message.Contains("'Ship'", StringComparison.Ordinal) && e.Exception!.Message.Contains("is null, but the result type string is not nullable", StringComparison.Ordinal));
        }
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task ASubmittedTaskWhoseStoredResultNoLongerReadsBack_RunsAgain_InsteadOfSubmitThrowing(string kind)
    {
        var store = Store(kind);
        var runId = Guid.NewGuid().ToString("N");
        var first = await new WorkflowRunner { Store = store, SerializerContext = DurableJson.Default }.ResumeRunAsync("batch", runId);
        _ = first.Submit(new TaskOptions { Key = "count" }, _ => "three"); // an earlier deploy returned text
        await first.CompleteAsync().WaitAsync(Guard);

        var logger = new ListLogger();
        var calls = 0;
        var again = await new WorkflowRunner { Store = store, SerializerContext = DurableJson.Default, Logger = logger }.ResumeRunAsync("batch", runId);
        var count = again.Submit(new TaskOptions { Key = "count" }, _ => ++calls + 2); // now it returns a number
        await again.CompleteAsync().WaitAsync(Guard);

        Assert.Equal(3, count.Result);
        Assert.Equal(1, calls);
        Assert.Contains(logger.Entries, e => e.Id.Id == 8 && e.Message.Contains("'count'", StringComparison.Ordinal));
        Assert.Equal("3", (await store.LoadAsync("batch", runId))!.Tasks.Single().ResultJson);
    }
}
