using System;
using Workflowy;

namespace OpenTelemetry.Metrics;

/// <summary>Workflowy's metrics in OpenTelemetry: <c>metrics.AddWorkflowyInstrumentation()</c>.</summary>
public static class WorkflowyMeterProviderBuilderExtensions
{
    /// <summary>
    /// Listens to Workflowy's <see cref="System.Diagnostics.Metrics.Meter"/> (<see cref="WorkflowyDiagnostics.Name"/>):
    /// task counters (<c>workflowy.tasks.*</c>), attempt durations and queue waits, and the ready-queue depth gauge.
    /// </summary>
    /// <param name="builder">The meter provider builder.</param>
    public static MeterProviderBuilder AddWorkflowyInstrumentation(this MeterProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddMeter(WorkflowyDiagnostics.Name);
    }
}
