using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Workflowy.Hosting.Tests;

/// <summary>AddWorkflowyHealthChecks: the runner runs; the store answers.</summary>
public class HealthCheckTests
{
    private static IHost WithChecks(Action<IServiceCollection> configure) => TestHost.Build(b =>
    {
        configure(b.Services);
        b.Services.AddHealthChecks().AddWorkflowyHealthChecks(["ready"]);
    });

    private static Task<HealthReport> Check(IHost host) => host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

    [Fact]
    public async Task ARunningHost_WithAReachableStore_IsHealthy()
    {
        using var directory = TestHost.TempDirectory();
        using var host = WithChecks(s => s.AddWorkflowy(o =>
        {
            o.Store = WorkflowyStoreKind.JsonFile;
            o.StoreDirectory = directory.Path;
        }));
        await host.StartAsync();
        var report = await Check(host);
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Equal(HealthStatus.Healthy, report.Entries[WorkflowyHealthChecksBuilderExtensions.RunnerCheckName].Status);
        var store = report.Entries[WorkflowyHealthChecksBuilderExtensions.StoreCheckName];
        Assert.Equal(HealthStatus.Healthy, store.Status);
        Assert.Equal("JsonFileWorkflowStore", store.Data["store"]);
        Assert.Contains("ready", store.Tags);
        await host.StopAsync();
    }

    [Fact]
    public async Task WithoutAStore_TheStoreCheckIsHealthy()
    {
        using var host = WithChecks(s => s.AddWorkflowy());
        await host.StartAsync();
        var report = await Check(host);
        Assert.Equal(HealthStatus.Healthy, report.Status);
        Assert.Contains("no store", report.Entries[WorkflowyHealthChecksBuilderExtensions.StoreCheckName].Description, StringComparison.Ordinal);
        await host.StopAsync();
    }

    [Fact]
    public async Task TheRunner_IsUnhealthy_BeforeTheHostStartsIt_AndAfterItStopped()
    {
        using var host = WithChecks(s => s.AddWorkflowy());
        var before = (await Check(host)).Entries[WorkflowyHealthChecksBuilderExtensions.RunnerCheckName];
        Assert.Equal(HealthStatus.Unhealthy, before.Status);
        Assert.Contains("not been started", before.Description, StringComparison.Ordinal);

        await host.StartAsync();
        Assert.Equal(HealthStatus.Healthy, (await Check(host)).Entries[WorkflowyHealthChecksBuilderExtensions.RunnerCheckName].Status);

        await host.StopAsync();
        var after = (await Check(host)).Entries[WorkflowyHealthChecksBuilderExtensions.RunnerCheckName];
        Assert.Equal(HealthStatus.Unhealthy, after.Status);
        Assert.Contains("stopped", after.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStoreThatCannotBeQueried_IsUnhealthy_WithItsError()
    {
        using var host = WithChecks(s =>
        {
            s.AddSingleton<IWorkflowStore>(new UnreachableStore());
            s.AddWorkflowy();
        });
        await host.StartAsync();
        var report = await Check(host);
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Equal(HealthStatus.Healthy, report.Entries[WorkflowyHealthChecksBuilderExtensions.RunnerCheckName].Status);
        var store = report.Entries[WorkflowyHealthChecksBuilderExtensions.StoreCheckName];
        Assert.Equal(HealthStatus.Unhealthy, store.Status);
        Assert.Contains("UnreachableStore", store.Description, StringComparison.Ordinal);
        Assert.Contains("the database server is down", store.Description, StringComparison.Ordinal);
        Assert.IsType<IOException>(store.Exception);
        await host.StopAsync();
    }

    /// <summary>A store whose backend is gone: every call fails.</summary>
    private sealed class UnreachableStore : IWorkflowStore
    {
        private static IOException Down() => new("the database server is down");

        public ValueTask<RunCheckpoint?> LoadAsync(string workflow, string runId, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask SaveAsync(RunCheckpoint batch, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask<RunQueryResult> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken = default) => ValueTask.FromException<RunQueryResult>(Down());

        public ValueTask<string?> GetEventAsync(string name, CancellationToken cancellationToken = default) => throw Down();

        public ValueTask PublishEventAsync(string name, string payloadJson, CancellationToken cancellationToken = default) => throw Down();
    }
}
