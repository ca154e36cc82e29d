using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Xunit;

namespace Workflowy.Dashboard.Tests;

/// <summary>
/// Runs the dashboard did not see start (another runner on the same store: another process, as far as it knows), runs
/// without a store, and redaction.
/// </summary>
[Collection("dashboard")]
public sealed class StoreTests(DashboardFixture fx)
{
    private async Task<string> TokenAsync(string baseUrl)
    {
        using var session = JsonDocument.Parse(await fx.Http.GetStringAsync(baseUrl + "/api/session"));
        return session.RootElement.GetProperty("csrfToken").GetString()!;
    }

    private async Task<HttpStatusCode> PostAsync(string url, string json, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Workflowy-Csrf", token);
        using var response = await fx.Http.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task EndedAsync(WorkflowRun run)
    {
        try
        {
            await run.Completion;
        }
        catch (Exception)
        {
        }
    }

    [Fact]
    public async Task A_stored_run_of_another_runner_is_shown_from_the_store_and_retried_here()
    {
        var runId = "stored-" + Guid.NewGuid().ToString("N")[..8];
        Control.FailWith[runId] = "failed elsewhere";
        await using (var elsewhere = new WorkflowRunner { Store = fx.Runner.Store })
        {
            await EndedAsync(await WorkflowCatalog.Find("Flaky")!.StartAsync("""{ "size": 4 }""", elsewhere, runId));
        }

        var path = DashboardFixture.RunPath("Workflowy.Dashboard.Tests.Flaky", runId);
        using (var detail = JsonDocument.Parse(await fx.Http.GetStringAsync(fx.BaseUrl + "/api" + path)))
        {
            Assert.Equal("store", detail.RootElement.GetProperty("source").GetString());
            Assert.Equal("failed", detail.RootElement.GetProperty("status").GetString());
            var transform = detail.RootElement.GetProperty("tasks").EnumerateArray().Single(static t => t.GetProperty("name").GetString() == "Transform");
            Assert.Equal("failed", transform.GetProperty("state").GetString());
            Assert.Contains("failed elsewhere", transform.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.True(detail.RootElement.GetProperty("actions").GetProperty("retryFailed").GetBoolean());
        }

        var page = await fx.Http.GetStringAsync(fx.BaseUrl + path);
        Assert.Contains("<svg", page, StringComparison.Ordinal);
        Assert.Contains(">failed</text>", page, StringComparison.Ordinal);
        var task = await fx.Http.GetStringAsync(fx.BaseUrl + path + "/tasks/Transform");
        Assert.Contains("failed elsewhere", task, StringComparison.Ordinal);

        Control.FailWith.TryRemove(runId, out _);
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        EventHandler<WorkflowRunEventArgs> onEnded = (_, e) =>
        {
            if (e.Run.RunId == runId)
            {
                _ = e.Run.Completion.ContinueWith(_ => ended.TrySetResult(), TaskScheduler.Default);
            }
        };
        fx.Runner.RunEnded += onEnded;
        try
        {
            Assert.Equal(HttpStatusCode.Accepted, await PostAsync(fx.BaseUrl + "/api" + path + "/retry", """{ "expected": "failed" }""", await TokenAsync(fx.BaseUrl)));
            await ended.Task;
        }
        finally
        {
            fx.Runner.RunEnded -= onEnded;
        }

        using var after = JsonDocument.Parse(await fx.Http.GetStringAsync(fx.BaseUrl + "/api" + path));
        Assert.Equal("completed", after.RootElement.GetProperty("status").GetString());
        Assert.Equal("this process", after.RootElement.GetProperty("source").GetString());
    }

    [Fact]
    public async Task Without_a_store_the_runs_of_this_process_are_listed_and_a_failed_one_is_retried_in_place()
    {
        await using var runner = new WorkflowRunner();
        var options = new WorkflowyDashboardServerOptions { Runner = runner };
        options.Urls.Add("http://127.0.0.1:0");
        await using var app = WorkflowyDashboardServer.Create(options);
        await app.StartAsync();
        var baseUrl = app.Urls.Single() + "/workflowy";

        var runId = "memory-" + Guid.NewGuid().ToString("N")[..8];
        Control.FailWith[runId] = "no store";
        var run = await WorkflowCatalog.Find("Flaky")!.StartAsync("""{ "size": 6 }""", runner, runId);
        await EndedAsync(run);

        using (var list = JsonDocument.Parse(await fx.Http.GetStringAsync(baseUrl + "/api/runs?state=failed")))
        {
            Assert.False(list.RootElement.GetProperty("hasStore").GetBoolean());
            Assert.Contains(list.RootElement.GetProperty("runs").EnumerateArray(), r => r.GetProperty("runId").GetString() == runId);
        }

        Control.FailWith.TryRemove(runId, out _);
        var path = "/api" + DashboardFixture.RunPath(run.WorkflowKey, runId);
        Assert.Equal(HttpStatusCode.Accepted, await PostAsync(baseUrl + path + "/retry", """{ "expected": "failed" }""", await TokenAsync(baseUrl)));
        await EndedAsync(run);
        Assert.Equal(TaskState.Completed, run.Tasks.Single(static t => t.Name == "Save").State);
        Assert.Equal(HttpStatusCode.Conflict, await PostAsync(baseUrl + path + "/tasks/Load/retry", """{ "expected": "completed" }""", await TokenAsync(baseUrl)));
        await app.StopAsync();
    }

    [Fact]
    public async Task Secret_inputs_are_redacted_in_pages_and_json()
    {
        var options = new WorkflowyDashboardServerOptions { Runner = fx.Runner, Configure = static o => o.RedactedInputs.Add("Secretive.account") };
        options.Urls.Add("http://127.0.0.1:0");
        await using var app = WorkflowyDashboardServer.Create(options);
        await app.StartAsync();
        var baseUrl = app.Urls.Single() + "/workflowy";
        var run = await WorkflowCatalog.Find("Secretive")!.StartAsync("""{ "account": "ada-account", "password": "hunter2-secret", "attempts": 3 }""", fx.Runner, "secret-" + Guid.NewGuid().ToString("N")[..8]);
        await EndedAsync(run);

        var path = DashboardFixture.RunPath(run.WorkflowKey, run.RunId);
        var json = await fx.Http.GetStringAsync(baseUrl + "/api" + path);
        var page = await fx.Http.GetStringAsync(baseUrl + path);
        foreach (var text in new[] { json, page })
        {
            Assert.DoesNotContain("hunter2-secret", text, StringComparison.Ordinal);
            Assert.DoesNotContain("ada-account", text, StringComparison.Ordinal);
        }

        using var detail = JsonDocument.Parse(json);
        var inputs = detail.RootElement.GetProperty("inputs").EnumerateArray().ToDictionary(static i => i.GetProperty("name").GetString()!, static i => i.GetProperty("valueJson").GetString());
        Assert.Equal("***", inputs["password"]);
        Assert.Equal("***", inputs["account"]);
        Assert.Equal("3", inputs["attempts"]);
        await app.StopAsync();
    }
}
