using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Spectre.Console;
using Workflowy;
using Workflowy.Observability;

// dotnet run --project samples/Workflowy.Observability [-- --plain] [-- --otel] [-- --svg run.svg]
var clock = Stopwatch.StartNew();
if (CommandLine.Parse(args, Console.Error) is not { } options)
{
    return 2;
}

// Live display: the console logger writes to stderr, and stderr goes through Spectre.Console, above the bars.
if (!options.Plain)
{
    Console.SetError(new SpectreLogWriter());
}

using var loggerFactory = LoggerFactory.Create(logging => logging
    .SetMinimumLevel(LogLevel.Information)
    .AddConsole(console => console.LogToStandardErrorThreshold = options.Plain ? LogLevel.None : LogLevel.Trace)
    .AddSimpleConsole(console =>
    {
        console.IncludeScopes = true;        // the runner's scope: run id, task, attempt, throughline
        console.SingleLine = true;
        console.TimestampFormat = "HH:mm:ss.fff ";
        console.ColorBehavior = options.Plain ? LoggerColorBehavior.Default : LoggerColorBehavior.Disabled;
    }));

// OpenTelemetry only with --otel: the runtime emits through System.Diagnostics, the SDK listens.
using var sampleSource = new ActivitySource("Workflowy.Observability");
double[] secondsBuckets = { 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30 };
var resource = ResourceBuilder.CreateDefault().AddService("Workflowy.Observability");
using var tracing = options.Otel
    ? Sdk.CreateTracerProviderBuilder()
        .SetResourceBuilder(resource)
        .AddSource(WorkflowyDiagnostics.Name, sampleSource.Name)   // "Workflowy": a run activity and one per task attempt
        .AddConsoleExporter()
        .Build()
    : null;
var metrics = options.Otel
    ? Sdk.CreateMeterProviderBuilder()
        .SetResourceBuilder(resource)
        .AddMeter(WorkflowyDiagnostics.Name)                       // "Workflowy": counters, histograms, a gauge
        // The SDK's default buckets are made for milliseconds; Workflowy's histograms are in seconds.
        .AddView("workflowy.task.*", new ExplicitBucketHistogramConfiguration { Boundaries = secondsBuckets })
        .AddConsoleExporter((_, reader) => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 60_000)
        .Build()
    : null;

var timings = new RunTimings();
var plain = new PlainProgress(clock);
await using var runner = new WorkflowRunner { Logger = loggerFactory.CreateLogger("Workflowy") };
runner.TaskStateChanged += timings.OnStateChanged;   // the runner's event sees a run from its first transition
if (options.Plain)
{
    runner.TaskStateChanged += plain.OnStateChanged;
}

var workflow = new NightlyReport(loggerFactory.CreateLogger("NightlyReport"), step: TimeSpan.FromMilliseconds(60));
var reportDate = new DateOnly(2025, 11, 3);
NightlyReport.NightlyReportRun run;
Exception? failure = null;
using (sampleSource.StartActivity("nightly-report"))
using (Throughline.Push("nightly-report"))
{
    var header = $"Nightly report for {reportDate:yyyy-MM-dd}: {NightlyReport.NightlyReportRun.Definition.Count} tasks";
    if (options.Plain)
    {
        Console.WriteLine(header);
        run = workflow.Start(reportDate, runner);
        await plain.RunAsync(run);
    }
    else
    {
        AnsiConsole.WriteLine(header);
        run = workflow.Start(reportDate, runner);
        await LiveProgress.RunAsync(run);
    }

    try
    {
        await run.Completion;
    }
    catch (Exception ex)
    {
        failure = ex;
    }
}

// Ending the providers exports what is left: the metrics are exported once, here, at the end.
tracing?.Dispose();
metrics?.Dispose();
loggerFactory.Dispose();   // the console logger writes on a background thread: drain it before the summary

Console.WriteLine();
Console.WriteLine($"Run {run.RunId} ended in {clock.Elapsed.TotalSeconds:0.00} s{(failure is null ? string.Empty : $": {failure.GetType().Name}: {failure.Message}")}");
if (options.Plain)
{
    Console.WriteLine($"{"task",-20} {"state",-10} {"attempts",8} {"duration",9}  note");
    foreach (var task in run.Tasks)
    {
        Console.WriteLine($"{task.Name,-20} {task.State,-10} {task.Attempts,8} {Seconds(timings.Duration(task)),9}  {Note(task)}");
    }
}
else
{
    var table = new Table().AddColumns("task", "state", "attempts", "duration", "note");
    foreach (var task in run.Tasks)
    {
        table.AddRow(Markup.Escape(task.Name), task.State.ToString(), task.Attempts.ToString(), Seconds(timings.Duration(task)), Markup.Escape(Note(task)));
    }

    AnsiConsole.Write(table);
}

if (run.Publish.State == TaskState.Completed)
{
    Console.WriteLine($"Published: {run.Publish.Result}");
}

if (options.SvgPath is { } svgPath)
{
    // The run with each task's state and attempts (docs/graphs.md); the runtime renders it, no Graphviz needed.
    File.WriteAllText(svgPath, WorkflowRenderer.ToSvg(run));
    Console.WriteLine($"Graph of the run: {Path.GetFullPath(svgPath)}");
}

var completed = failure is null && run.Tasks.All(t => t.State == TaskState.Completed);
return completed ? 0 : 1;

static string Seconds(TimeSpan? duration) => duration is { } d ? $"{d.TotalSeconds:0.000} s" : "-";

string Note(TaskHandle task)
{
    var retried = timings.RetriedFailures(task);
    if (task.Exception is { } error)
    {
        return $"{error.GetType().Name}: {error.Message}";
    }

    if (retried.Count > 0)
    {
        var first = retried[0];
        var chain = Throughline.ChainOf(first);
        return $"retried after {retried.Count} x {first.GetType().Name} ({first.Message}), thrown at {(chain is null ? "?" : string.Join(" > ", chain))}";
    }

    return task.ProgressMessage ?? string.Empty;
}
