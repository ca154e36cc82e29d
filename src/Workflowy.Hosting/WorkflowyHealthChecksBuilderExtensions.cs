using System;
using System.Collections.Generic;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Workflowy;
using Workflowy.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Workflowy's health checks: <c>services.AddHealthChecks().AddWorkflowyHealthChecks()</c>.</summary>
public static class WorkflowyHealthChecksBuilderExtensions
{
    /// <summary>The name of the check that the runner is running (started by the host, not stopping or disposed).</summary>
    public const string RunnerCheckName = "workflowy-runner";

    /// <summary>The name of the check that the runner's store answers a query (healthy without a store).</summary>
    public const string StoreCheckName = "workflowy-store";

    /// <summary>
    /// Adds two checks: <see cref="RunnerCheckName"/> (the runner registered by <c>AddWorkflowy</c> runs: the host
    /// started it and has not begun to stop it) and <see cref="StoreCheckName"/> (its store, if it has one, answers
    /// <see cref="IWorkflowStore.QueryRunsAsync"/> for one run). A failing check reports its registration's failure
    /// status (<see cref="HealthStatus.Unhealthy"/> by default) with the reason.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="tags">Tags of both checks, to filter them (e.g. <c>["ready"]</c>).</param>
    public static IHealthChecksBuilder AddWorkflowyHealthChecks(this IHealthChecksBuilder builder, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(new HealthCheckRegistration(
            RunnerCheckName,
            provider => new RunnerHealthCheck(provider.GetRequiredService<WorkflowyHostedService>()),
            failureStatus: null,
            tags));
        builder.Add(new HealthCheckRegistration(
            StoreCheckName,
            provider => new StoreHealthCheck(provider.GetRequiredService<WorkflowRunner>()),
            failureStatus: null,
            tags));
        return builder;
    }
}
