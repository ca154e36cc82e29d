// Schedules and triggers with Workflowy.Scheduling:
//   - NightlyReport runs every night at 02:00 Paris time ([Cron], checked at build time: try "61 2 * * *");
//   - OrderFlow runs for each "order.created" event from the EU ([OnEvent] + [EventFilter]), its order id bound from the payload.
// The sample does not wait for 02:00: it lists the next nights, fires the report by hand, publishes three events and
// prints what became of every occurrence.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Serialization;
using System.Threading.Tasks;
using Workflowy;
using Workflowy.Scheduling;

await using var runner = new WorkflowRunner();
await using var scheduler = new WorkflowScheduler(runner);
var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
var runs = new List<WorkflowRun>();
runner.RunStarted += (_, e) =>
{
    lock (runs)
    {
        runs.Add(e.Run);
    }
};

await scheduler.StartAsync();
foreach (var info in scheduler.GetSchedules())
{
    Console.WriteLine($"{info.Id}: {info.Description}");
}

const string nightly = "Workflowy.Scheduling.Sample.NightlyReport#0";
Console.WriteLine("next nights: " + string.Join(", ", scheduler.GetUpcoming(nightly, 3).Select(t => TimeZoneInfo.ConvertTime(t, TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris")).ToString("yyyy-MM-dd HH:mm zzz"))));

await scheduler.TriggerNowAsync(nightly);
await scheduler.PublishEventAsync("order.created", """{"order":{"id":7},"region":"eu"}""");
await scheduler.PublishEventAsync("order.created", """{"order":{"id":8},"region":"us"}""");   // filtered out
await scheduler.PublishEventAsync("order.created", """{"order":{},"region":"eu"}""");         // no order id: BindingFailed
await scheduler.WhenIdleAsync();
WorkflowRun[] started;
lock (runs)
{
    started = [.. runs];
}

foreach (var run in started)
{
    await run.Completion;
}

foreach (var occurrence in await scheduler.GetOccurrencesAsync())
{
    Console.WriteLine($"{occurrence.ScheduleId}: {occurrence.Outcome}{(occurrence.Detail is null ? "" : " - " + occurrence.Detail)}");
}

Console.WriteLine("report: " + started.Single(r => r.Graph.Name == "NightlyReport").ResultJson("Build"));
Console.WriteLine("order: " + started.Single(r => r.Graph.Name == "OrderFlow").ResultJson("Confirm"));

namespace Workflowy.Scheduling.Sample
{
    /// <summary>Every night at 02:00 in Paris; a missed night (the process was down) runs once at start.</summary>
    [Cron("0 2 * * *", TimeZone = "Europe/Paris", Misfire = MisfirePolicy.FireOnce)]
    [WorkflowSerialization(typeof(SampleJson))]
    public partial class NightlyReport
    {
        [Task] public int Count() => 42;

        [Task, DependsOn(nameof(Count))] public string Build(int count) => $"{count} orders yesterday";
    }

    /// <summary>One run per EU order event.</summary>
    [WorkflowSerialization(typeof(SampleJson))]
    public partial class OrderFlow
    {
        [Workflow, OnEvent("order.created"), EventFilter("region", "eu")]
        public partial System.Threading.Tasks.Task<OrderFlowRun> HandleAsync([FromEvent("order.id")] int orderId);

        [Task] public string Confirm(int orderId) => $"order {orderId} confirmed";
    }

    [JsonSerializable(typeof(int))]
    [JsonSerializable(typeof(string))]
    internal partial class SampleJson : JsonSerializerContext
    {
    }
}
