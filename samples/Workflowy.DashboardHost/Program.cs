using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Workflowy;
using Workflowy.Dashboard;
using Workflowy.DashboardHost;
using Workflowy.Hosting;
using Workflowy.Scheduling;

// The dashboard mapped into a slim ASP.NET Core app. Loopback only (the dashboard refuses anything else without an
// authorization hook); another address or port with --urls, e.g. --urls http://127.0.0.1:8080.
var builder = WebApplication.CreateSlimBuilder(args);
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls(WorkflowyDashboardServer.DefaultUrl);
}

builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
builder.Services.AddWorkflowy(static o =>
{
    o.Store = WorkflowyStoreKind.InMemory;
    o.ErrorPolicy = ErrorPolicy.Log;
}).AddWorkflow<Nightly>();
builder.Services.AddWorkflowyDashboard();

// A scheduler with the nightly run at 02:00 UTC, shown on the overview and the workflows page through SchedulerSource.
builder.Services.AddSingleton(static services => new WorkflowScheduler(services.GetRequiredService<WorkflowRunner>()));
builder.Services.AddSingleton<IDashboardScheduleSource, SchedulerSource>();

var app = builder.Build();
app.MapWorkflowyDashboard("/workflowy");
app.MapGet("/", (RequestDelegate)(static context =>
{
    context.Response.Redirect("/workflowy/");
    return System.Threading.Tasks.Task.CompletedTask;
}));

await app.StartAsync();
var scheduler = app.Services.GetRequiredService<WorkflowScheduler>();
await scheduler.AddScheduleAsync(
    "nightly-0200", ScheduleSpec.Cron("0 2 * * *"), "Nightly",
    """{ "source": "sales.csv", "rows": 1200, "recipient": "ops@example.com", "apiToken": "s3cr3t-t0ken" }""");
await scheduler.StartAsync();
if (!string.Equals(app.Configuration["demo"], "false", StringComparison.OrdinalIgnoreCase))
{
    var runner = app.Services.GetRequiredService<WorkflowRunner>();
    await WorkflowCatalog.Find("Nightly")!.StartAsync("""{ "source": "sales.csv", "rows": 1200, "recipient": "ops@example.com", "apiToken": "s3cr3t-t0ken" }""", runner, "nightly-1");
}

foreach (var url in app.Urls)
{
    Console.WriteLine($"Workflowy dashboard: {url}/workflowy/");
}

await app.WaitForShutdownAsync();
await scheduler.DisposeAsync();
