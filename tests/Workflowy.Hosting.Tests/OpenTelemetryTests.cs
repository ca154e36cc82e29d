using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Xunit;

namespace Workflowy.Hosting.Tests;

/// <summary>Workflowy.OpenTelemetry: AddWorkflowyInstrumentation on the tracer and meter provider builders.</summary>
public class OpenTelemetryTests
{
    [Fact]
    public async Task ATracerProvider_WithWorkflowyInstrumentation_ExportsTheRunAndItsTasks()
    {
        var exported = new List<Activity>();
        string runId;
        using (var provider = Sdk.CreateTracerProviderBuilder().AddWorkflowyInstrumentation().AddInMemoryExporter(exported).Build())
        {
            var run = await new Traced().RunAsync(20, runId: "traced-" + Guid.NewGuid().ToString("N"));
            Assert.Equal(42, await run.Double);
            runId = run.RunId;
            Assert.True(provider.ForceFlush());
        }

        // Other tests run workflows at the same time: only this run's activities count.
        var mine = exported.Where(a => Equals(a.GetTagItem(WorkflowyDiagnostics.RunTag), runId)).ToList();
        Assert.All(mine, a => Assert.Equal(WorkflowyDiagnostics.Name, a.Source.Name));
        var root = Assert.Single(mine, a => a.DisplayName == "run Traced");
        Assert.Equal("Traced", root.GetTagItem(WorkflowyDiagnostics.WorkflowTag));
        var tasks = mine.Where(a => a.GetTagItem(WorkflowyDiagnostics.TaskTag) is not null).ToList();
        Assert.Equal(["Double", "Seed"], tasks.Select(a => (string)a.GetTagItem(WorkflowyDiagnostics.TaskTag)!).Order(StringComparer.Ordinal));
        Assert.All(tasks, a => Assert.Equal(root.TraceId, a.TraceId));
    }

    [Fact]
    public async Task AMeterProvider_WithWorkflowyInstrumentation_ExportsTheTaskMetrics()
    {
        var exported = new List<Metric>();
        using (var provider = Sdk.CreateMeterProviderBuilder().AddWorkflowyInstrumentation().AddInMemoryExporter(exported).Build())
        {
            var run = await new Traced().RunAsync(1);
            Assert.Equal(4, await run.Double);
            Assert.True(provider.ForceFlush());
        }

        var names = exported.Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("workflowy.tasks.started", names);
        Assert.Contains("workflowy.tasks.completed", names);
        Assert.Contains("workflowy.task.duration", names);
        Assert.All(exported, m => Assert.Equal(WorkflowyDiagnostics.Name, m.MeterName));

        // The histograms are in seconds and bring their own buckets (InstrumentAdvice): no view is needed.
        var duration = exported.First(m => m.Name == "workflowy.task.duration");
        var bounds = new List<double>();
        foreach (ref readonly var point in duration.GetMetricPoints())
        {
            foreach (var bucket in point.GetHistogramBuckets())
            {
                bounds.Add(bucket.ExplicitBound);
            }

            break;
        }

        Assert.Equal(0.0001, bounds[0]);
        Assert.Equal(300, bounds[^2]);
    }

    [Fact]
    public async Task WithoutTheInstrumentation_NoWorkflowyActivityIsExported()
    {
        var exported = new List<Activity>();
        using (var provider = Sdk.CreateTracerProviderBuilder().AddInMemoryExporter(exported).Build())
        {
            await new Traced().RunAsync(2);
            provider.ForceFlush();
        }

        Assert.DoesNotContain(exported, a => a.Source.Name == WorkflowyDiagnostics.Name);
    }
}
