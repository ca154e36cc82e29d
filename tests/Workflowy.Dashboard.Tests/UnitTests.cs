using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Workflowy.Dashboard.Tests;

/// <summary>The parts without a browser: listening checks, the stored-run SVG, the worker and schedule sources.</summary>
public sealed class UnitTests
{
    [Fact]
    public async Task A_mapped_dashboard_refuses_every_request_when_the_app_listens_beyond_loopback_without_a_hook()
    {
        await using var runner = new WorkflowRunner();
        using var open = new DashboardContext(new WorkflowyDashboardOptions(), runner, null, null, null, null, "/workflowy");
        WorkflowyDashboardExtensions.CheckListening(open, new FakeServer("http://127.0.0.1:5000", "http://0.0.0.0:5000"));
        Assert.Contains("http://0.0.0.0:5000", open.Refusal, StringComparison.Ordinal);

        using var loopback = new DashboardContext(new WorkflowyDashboardOptions(), runner, null, null, null, null, "/workflowy");
        WorkflowyDashboardExtensions.CheckListening(loopback, new FakeServer("http://127.0.0.1:5000", "http://[::1]:5000", "http://localhost:5001"));
        Assert.Null(loopback.Refusal);

        var hooked = new WorkflowyDashboardOptions { Authorize = static _ => ValueTask.FromResult(DashboardAccess.Read) };
        using var withHook = new DashboardContext(hooked, runner, null, null, null, null, "/workflowy");
        WorkflowyDashboardExtensions.CheckListening(withHook, new FakeServer("http://0.0.0.0:5000"));
        Assert.Null(withHook.Refusal);
    }

    [Fact]
    public void A_stored_run_renders_with_its_states_and_a_wrong_count_is_refused()
    {
        var graph = WorkflowCatalog.Find("Flaky")!.Graph;
        var svg = WorkflowRenderer.ToSvg(graph, "r1", [TaskState.Completed, TaskState.Failed, TaskState.Skipped], [1, 3, 0]);
        Assert.Contains("run r1", svg, StringComparison.Ordinal);
        Assert.Contains("failed, 3 attempts", svg, StringComparison.Ordinal);
        Assert.Contains("stroke-dasharray", svg, StringComparison.Ordinal);
        var wrong = Assert.Throws<ArgumentException>(() => WorkflowRenderer.ToSvg(graph, "r1", [TaskState.Completed]));
        Assert.Equal("states", wrong.ParamName);
    }

    [Fact]
    public async Task Workers_and_schedules_come_from_their_sources()
    {
        await using var runner = new WorkflowRunner();
        var next = new DateTimeOffset(2030, 1, 2, 3, 4, 0, TimeSpan.Zero);
        var options = new WorkflowyDashboardServerOptions
        {
            Runner = runner,
            ConfigureServices = services =>
            {
                services.AddSingleton<IDashboardWorkerSource>(new Workers([new DashboardWorker("worker-<1>", "pg", next, Stale: true)]));
                services.AddSingleton<IDashboardScheduleSource>(new Schedules([new DashboardSchedule("Workflowy.Dashboard.Tests.Flaky", "nightly", "0 3 * * *", next, null, false)]));
            },
        };
        options.Urls.Add("http://127.0.0.1:0");
        await using var app = WorkflowyDashboardServer.Create(options);
        await app.StartAsync();
        using var http = new HttpClient();
        var baseUrl = app.Urls.Single() + "/workflowy";

        var page = await http.GetStringAsync(baseUrl + "/");
        Assert.Contains("worker-&lt;1&gt;", page, StringComparison.Ordinal);
        Assert.Contains("⚠ stale", page, StringComparison.Ordinal);
        Assert.Contains("0 3 * * *", page, StringComparison.Ordinal);
        Assert.Contains("2030-01-02 03:04:00Z", page, StringComparison.Ordinal);
        using var overview = JsonDocument.Parse(await http.GetStringAsync(baseUrl + "/api/overview"));
        Assert.True(overview.RootElement.GetProperty("schedules").GetProperty("configured").GetBoolean());
        Assert.Equal("nightly", overview.RootElement.GetProperty("schedules").GetProperty("schedules")[0].GetProperty("name").GetString());
        using var flaky = JsonDocument.Parse(await http.GetStringAsync(baseUrl + "/api/workflows/Flaky"));
        Assert.Equal(1, flaky.RootElement.GetProperty("schedules").GetProperty("schedules").GetArrayLength());
        using var gated = JsonDocument.Parse(await http.GetStringAsync(baseUrl + "/api/workflows/Gated"));
        Assert.Equal(0, gated.RootElement.GetProperty("schedules").GetProperty("schedules").GetArrayLength());
        await app.StopAsync();
    }

    private sealed class Workers(IReadOnlyList<DashboardWorker> workers) : IDashboardWorkerSource
    {
        public ValueTask<IReadOnlyList<DashboardWorker>> GetWorkersAsync(CancellationToken cancellationToken) => ValueTask.FromResult(workers);
    }

    private sealed class Schedules(IReadOnlyList<DashboardSchedule> schedules) : IDashboardScheduleSource
    {
        public ValueTask<IReadOnlyList<DashboardSchedule>> GetSchedulesAsync(CancellationToken cancellationToken) => ValueTask.FromResult(schedules);
    }

    private sealed class FakeServer : IServer
    {
        public FakeServer(params string[] addresses)
        {
            var feature = new ServerAddressesFeature();
            foreach (var address in addresses)
            {
                feature.Addresses.Add(address);
            }

            Features.Set<IServerAddressesFeature>(feature);
        }

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public void Dispose()
        {
        }

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
            where TContext : notnull => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
