using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Workflowy.Hosting;

/// <summary>Healthy while the host runs the runner; unhealthy before it started it, while it stops, and once it is disposed.</summary>
internal sealed class RunnerHealthCheck(WorkflowyHostedService host) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var active = host.Runner.ActiveRuns.Count;
        var data = new Dictionary<string, object> { ["state"] = host.State.ToString(), ["activeRuns"] = active };
        var result = host.State switch
        {
            RunnerState.Running => HealthCheckResult.Healthy($"The Workflowy runner is running ({active} active run(s)).", data),
            RunnerState.NotStarted => new HealthCheckResult(context.Registration.FailureStatus, "The Workflowy runner has not been started by the host.", data: data),
            RunnerState.Stopping => new HealthCheckResult(context.Registration.FailureStatus, $"The Workflowy runner is stopping: {active} run(s) draining.", data: data),
            _ => new HealthCheckResult(context.Registration.FailureStatus, "The Workflowy runner is stopped (disposed): no run can start.", data: data),
        };
        return Task.FromResult(result);
    }
}

/// <summary>Healthy when the runner has no store, or its store answers a one-run query; unhealthy with the store's error.</summary>
internal sealed class StoreHealthCheck(WorkflowRunner runner) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (runner.Store is not { } store)
        {
            return HealthCheckResult.Healthy("The Workflowy runner has no store.");
        }

        var name = store.GetType().Name;
        try
        {
            var page = await store.QueryRunsAsync(new RunQuery { Limit = 1 }, cancellationToken).ConfigureAwait(false);
            var data = new Dictionary<string, object> { ["store"] = name, ["unreadable"] = page.Unreadable.Count };
            return HealthCheckResult.Healthy($"The Workflowy store ({name}) answers queries.", data);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new HealthCheckResult(
                context.Registration.FailureStatus,
                $"The Workflowy store ({name}) cannot be queried: {ex.Message}",
                ex,
                new Dictionary<string, object> { ["store"] = name });
        }
    }
}
