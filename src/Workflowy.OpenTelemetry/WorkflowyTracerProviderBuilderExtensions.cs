using System;
using Workflowy;

namespace OpenTelemetry.Trace;

/// <summary>Workflowy's traces in OpenTelemetry: <c>tracing.AddWorkflowyInstrumentation()</c>.</summary>
public static class WorkflowyTracerProviderBuilderExtensions
{
    /// <summary>
    /// Listens to Workflowy's <see cref="System.Diagnostics.ActivitySource"/> (<see cref="WorkflowyDiagnostics.Name"/>):
    /// an activity per run and per task attempt, tagged with the workflow, run id, task, attempt, backend and outcome.
    /// </summary>
    /// <param name="builder">The tracer provider builder.</param>
    public static TracerProviderBuilder AddWorkflowyInstrumentation(this TracerProviderBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddSource(WorkflowyDiagnostics.Name);
    }
}
