using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Xunit;

namespace Workflowy.Hosting.Tests;

/// <summary>
/// The hosted service on the host's shutdown: runs in flight drain within HostOptions.ShutdownTimeout; what outlives it
/// is cancelled, and with a store it is recorded as Cancelled and resumes in a new host.
/// </summary>
public class ShutdownTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ARunThatEndsWithinTheShutdownTimeout_Completes_AndTheHostStopsCleanly()
    {
        var probe = new DeployProbe();
        using var host = TestHost.Build(
            b =>
            {
                b.Services.AddSingleton(probe);
                b.Services.AddWorkflowy(o => o.Store = WorkflowyStoreKind.InMemory).AddWorkflow<Deploy>();
            },
            shutdownTimeout: Patience);
        await host.StartAsync();
        var runner = host.Services.GetRequiredService<WorkflowRunner>();
        var run = host.Services.GetRequiredService<Deploy>().Start("1.0", runner, runId: "deploy-drained");
        await probe.RollStarted.Task.WaitAsync(Patience);

        var stopping = host.StopAsync();
        await Task.Delay(300);
        Assert.False(stopping.IsCompleted, "the host stopped while a run was in flight");
        Assert.False(run.HasEnded);

        // While the host stops, a new run (here by name) is cancelled before any of its tasks runs.
        var late = await WorkflowCatalog.Find("Deploy")!.StartAsync("""{ "version": "2.0" }""", runner, runId: "deploy-late");
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => late.Completion.WaitAsync(Patience));
        Assert.All(late.Tasks, t => Assert.Equal(TaskState.Cancelled, t.State));
        Assert.Equal(1, probe.Prepared);

        // The run in flight finishes within the timeout: it completes, and only then does the host stop.
        probe.Release.SetResult();
        await stopping.WaitAsync(Patience);
        Assert.True(run.HasEnded);
        await run.Completion;
        Assert.Equal("pkg-1.0 rolled, notified", run.Notify.Result);
        var checkpoint = await runner.Store!.LoadAsync(run.WorkflowKey, run.RunId);
        Assert.Equal(RunStatus.Completed, checkpoint!.Status);
        Assert.Equal(RunStatus.Cancelled, (await runner.Store.LoadAsync(late.WorkflowKey, late.RunId))!.Status);

        // The runner went with the host: nothing starts on it any more.
        Assert.Empty(runner.ActiveRuns);
        Assert.Throws<ObjectDisposedException>(() => new Deploy(probe).Start("3.0", runner));
    }

    public static TheoryData<string, string> StoresAndResumes => new()
    {
        { "InMemory", "ResumeAsync" },
        { "JsonFile", "ResumeAsync" },
        { "InMemory", "ByName" },
        { "JsonFile", "ByName" },
    };

    [Theory]
    [MemberData(nameof(StoresAndResumes))]
    public async Task ARunThatOutlivesTheShutdownTimeout_IsCancelled_AndResumesInANewHost(string storeKind, string resume)
    {
        using var directory = TestHost.TempDirectory();

        // The store outlives the hosts: a JSON folder named in the configuration, or one in-memory store registered in
        // each host's services (as a database would be).
        var shared = new InMemoryWorkflowStore();
        var settings = storeKind == "JsonFile"
            ? new Dictionary<string, string?> { ["Workflowy:Store"] = "JsonFile", ["Workflowy:StoreDirectory"] = directory.Path }
            : new Dictionary<string, string?>();
        IHost NewHost(DeployProbe probe, TimeSpan shutdownTimeout) => TestHost.Build(
            b =>
            {
                b.Services.AddSingleton(probe);
                if (storeKind == "InMemory")
                {
                    b.Services.AddSingleton<IWorkflowStore>(shared);
                }

                b.Services.AddWorkflowy(b.Configuration.GetSection("Workflowy")).AddWorkflow<Deploy>();
            },
            settings,
            shutdownTimeout);

        // First host: Roll never gets its release; the shutdown timeout cancels it.
        var first = new DeployProbe();
        WorkflowRun run;
        var timeout = TimeSpan.FromMilliseconds(500);
        using (var host = NewHost(first, timeout))
        {
            await host.StartAsync();
            var runner = host.Services.GetRequiredService<WorkflowRunner>();
            run = await WorkflowCatalog.Find("Deploy")!.StartAsync("""{ "version": "4.2" }""", runner, runId: $"deploy-{storeKind}-{resume}");
            await first.RollStarted.Task.WaitAsync(Patience);

            var clock = Stopwatch.StartNew();
            await host.StopAsync().WaitAsync(Patience);
            Assert.True(clock.Elapsed >= timeout - TimeSpan.FromMilliseconds(50), $"stopped after {clock.Elapsed}, before the timeout");
            Assert.True(run.HasEnded);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.Completion);
            var typed = (Deploy.DeployRun)run;
            Assert.Equal(TaskState.Completed, typed.Prepare.State);
            Assert.Equal(TaskState.Cancelled, typed.Roll.State);
            Assert.Equal(TaskState.Cancelled, typed.Notify.State);

            var stored = await runner.Store!.LoadAsync(run.WorkflowKey, run.RunId);
            Assert.Equal(RunStatus.Cancelled, stored!.Status);
            Assert.Equal(TaskState.Completed, Assert.Single(stored.Tasks, t => t.Key == "Prepare").State);
            Assert.Equal(1, first.Prepared);
            Assert.Equal(0, first.Rolled);
        }

        // Second host, same store: the workflow from its container resumes the run; Prepare is restored, not run.
        var second = new DeployProbe(released: true);
        using (var host = NewHost(second, Patience))
        {
            await host.StartAsync();
            var runner = host.Services.GetRequiredService<WorkflowRunner>();
            Deploy.DeployRun resumed;
            if (resume == "ResumeAsync")
            {
                resumed = await host.Services.GetRequiredService<Deploy>().ResumeAsync(run.RunId, runner).WaitAsync(Patience);
            }
            else
            {
                // As a host would after a restart (docs/hosting.md): list the cancelled runs, start each by name with its
                // stored inputs and its run id, which continues it.
                var page = await runner.Store!.QueryRunsAsync(new RunQuery { Status = RunStatus.Cancelled });
                var summary = Assert.Single(page.Runs);
                var checkpoint = await runner.Store.LoadAsync(summary.Workflow, summary.RunId);
                var again = await WorkflowCatalog.Find(summary.Workflow)!.StartAsync(checkpoint!.InputsJson!, runner, summary.RunId);
                await again.Completion.WaitAsync(Patience);
                resumed = (Deploy.DeployRun)again;
            }

            Assert.Equal("pkg-4.2 rolled, notified", resumed.Notify.Result);
            Assert.Equal(0, second.Prepared);
            Assert.Equal(1, second.Rolled);
            Assert.Equal(RunStatus.Completed, (await runner.Store!.LoadAsync(run.WorkflowKey, run.RunId))!.Status);
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task DynamicTasksSubmittedToTheRunner_Drain_AndItsOwnRunEnds()
    {
        using var host = TestHost.Build(b => b.Services.AddWorkflowy(), shutdownTimeout: Patience);
        await host.StartAsync();
        var runner = host.Services.GetRequiredService<WorkflowRunner>();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handle = runner.Submit(async _ =>
        {
            await release.Task;
            return 7;
        });

        var stopping = host.StopAsync();
        await Task.Delay(200);
        Assert.False(stopping.IsCompleted);
        release.SetResult();

        // The runner's own run of dynamic tasks takes no more submissions from outside, so it ends when its tasks do:
        // the host stops long before the timeout.
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(7, await handle);
    }
}
