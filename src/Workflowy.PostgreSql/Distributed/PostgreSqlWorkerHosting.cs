using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Workflowy;

/// <summary>Runs a <see cref="PostgreSqlWorker"/> in a .NET generic host.</summary>
public static class PostgreSqlWorkerServiceCollectionExtensions
{
    /// <summary>
    /// Adds a hosted service that starts a <see cref="PostgreSqlWorker"/> with the host and stops it with the host
    /// (running bodies get the host's shutdown timeout, then are cancelled). A <see cref="WorkflowRunner"/> registered in
    /// the container (for example by <c>AddWorkflowy</c>) provides the services that make workflow objects.
    /// </summary>
    public static IServiceCollection AddWorkflowyPostgreSqlWorker(this IServiceCollection services, PostgreSqlWorkflowyOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(provider => new PostgreSqlWorker(options, provider.GetService<WorkflowRunner>()));
        services.AddHostedService(provider => new PostgreSqlWorkerService(provider.GetRequiredService<PostgreSqlWorker>()));
        return services;
    }

    private sealed class PostgreSqlWorkerService(PostgreSqlWorker worker) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => worker.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => worker.StopAsync(cancellationToken);
    }
}
