using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Workflowy.PostgreSql.ChaosApp;
using Workflowy.PostgreSql.Tests.Infrastructure;

namespace Workflowy.PostgreSql.Tests.Distributed;

/// <summary>A generated workflow runs unchanged on PostgreSQL workers, found through the catalogue, with the results of an in-process run.</summary>
public sealed class GeneratedWorkflowTests(PostgresServer server) : PostgresTest(server)
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TheWorkflowsOwnGraph_StartedByName_RunsOnTwoWorkers_WithTheResultsOfAnInProcessRun()
    {
        var definition = WorkflowCatalog.Find(typeof(LayeredDag).FullName!)!;
        await using var worker1 = Track(new PostgreSqlWorker(Options()));
        await using var worker2 = Track(new PostgreSqlWorker(Options()));
        await worker1.StartAsync();
        await worker2.StartAsync();
        await using var client = new PostgreSqlWorkflowClient(Options());

        var runId = await client.StartAsync(definition, "{\"index\":3}");
        var distributed = await client.WaitForRunAsync(definition.FullName, runId).WaitAsync(Guard);

        var local = await definition.StartAsync("{\"index\":3}", new WorkflowRunner());
        await local.Completion.WaitAsync(Guard);
        Assert.Equal(RunStatus.Completed, distributed.Status);
        Assert.Equal(["L0", "L1", "L2", "L3", "L4"], distributed.Tasks.Select(t => t.Key));
        Assert.Equal(distributed.Tasks.Select(t => local.ResultJson(t.Key)), distributed.Tasks.Select(t => t.ResultJson));
        Assert.Equal(5, worker1.Statistics.Accepted + worker2.Statistics.Accepted);
    }

    [Fact]
    public async Task APlan_InstantiatesTheGraphsTasks_EachWithItsOwnInputsAndDependencies()
    {
        var definition = WorkflowCatalog.Find(typeof(LayeredDag).FullName!)!;
        await using var worker = Track(new PostgreSqlWorker(Options()));
        await worker.StartAsync();
        await using var client = new PostgreSqlWorkflowClient(Options());

        var runId = await client.StartPlanAsync(definition, "{}", LayeredDag.Plan(7));
        var run = await client.WaitForRunAsync(definition.FullName, runId).WaitAsync(Guard);

        var expected = LayeredDag.Expected(7);
        Assert.Equal(35, run.Tasks.Count);
        Assert.All(run.Tasks, t => Assert.Equal(expected[t.Key].ToString(CultureInfo.InvariantCulture), t.ResultJson));
    }

    [Fact]
    public void AHeartbeatNoShorterThanTheLease_IsRefused()
    {
        var options = new PostgreSqlWorkflowyOptions { ConnectionString = Server.ConnectionString, Schema = Schema, LeaseDuration = TimeSpan.FromSeconds(5), HeartbeatInterval = TimeSpan.FromSeconds(5) };
        var thrown = Assert.Throws<ArgumentException>(() => new PostgreSqlWorker(options));
        Assert.Contains("must be shorter than the lease", thrown.Message);
    }

    [Fact]
    public async Task ABadPlan_IsRefusedBeforeAnythingIsStored()
    {
        var definition = WorkflowCatalog.Find(typeof(LayeredDag).FullName!)!;
        await using var client = new PostgreSqlWorkflowClient(Options());

        await Assert.ThrowsAsync<ArgumentException>(() => client.StartPlanAsync(definition, "{}", [new PlannedTask("a", "Nope", [])]));
        await Assert.ThrowsAsync<ArgumentException>(() => client.StartPlanAsync(definition, "{}", [new PlannedTask("a", "L0", [1]), new PlannedTask("b", "L1", [0])]));
        await Assert.ThrowsAsync<ArgumentException>(() => client.StartPlanAsync(definition, "{}", [new PlannedTask("a", "L0", []), new PlannedTask("a", "L1", [0])]));
        await Assert.ThrowsAsync<ArgumentException>(() => client.StartPlanAsync(definition, "[1]", [new PlannedTask("a", "L0", [])]));
        await Assert.ThrowsAsync<ArgumentException>(() => client.StartPlanAsync(definition, "{}", [new PlannedTask("a", "L0", [], "not json")]));
        Assert.Empty((await client.Store.QueryRunsAsync(new RunQuery())).Runs);
    }
}

/// <summary>The worker as a hosted service.</summary>
public sealed class HostedWorkerTests(PostgresServer server) : PostgresTest(server)
{
    [Fact]
    public async Task AHostedWorker_RunsRuns_WhileTheHostRuns_AndStopsWithIt()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddWorkflowyPostgreSqlWorker(Options());
        using var host = builder.Build();
        await host.StartAsync();
        var worker = host.Services.GetRequiredService<PostgreSqlWorker>();
        await using var client = new PostgreSqlWorkflowClient(Options());
        var definition = WorkflowCatalog.Find(typeof(LayeredDag).FullName!)!;

        var run = await client.WaitForRunAsync(definition.FullName, await client.StartAsync(definition, "{\"index\":1}")).WaitAsync(TimeSpan.FromSeconds(60));
        await host.StopAsync();

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.True(worker.Completion.IsCompletedSuccessfully);
        Assert.Empty(await QueryAsync<Guid>($"SELECT id FROM \"{Schema}\".workers"));
    }
}
