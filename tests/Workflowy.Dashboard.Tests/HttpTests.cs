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

/// <summary>The JSON API and the security checks over plain HTTP against the same in-process server.</summary>
[Collection("dashboard")]
public sealed class HttpTests(DashboardFixture fx)
{
    private static string NewId(string what) => what + "-" + Guid.NewGuid().ToString("N")[..8];

    private async Task<string> TokenAsync()
    {
        using var session = JsonDocument.Parse(await fx.Http.GetStringAsync(fx.BaseUrl + "/api/session"));
        return session.RootElement.GetProperty("csrfToken").GetString()!;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, string json, string? token, Action<HttpRequestMessage>? change = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, fx.BaseUrl + path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (token is not null)
        {
            request.Headers.Add("X-Workflowy-Csrf", token);
        }

        change?.Invoke(request);
        using var response = await fx.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "null" : text).RootElement.Clone());
    }

    private async Task<WorkflowRun> FlakyAsync(string runId, bool fail)
    {
        if (fail)
        {
            Control.FailWith[runId] = "failed on purpose";
        }

        var run = await WorkflowCatalog.Find("Flaky")!.StartAsync("""{ "size": 5 }""", fx.Runner, runId);
        try
        {
            await run.Completion;
        }
        catch (Exception)
        {
        }

        return run;
    }

    [Fact]
    public async Task A_foreign_host_header_is_refused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, fx.BaseUrl + "/");
        request.Headers.Host = "attacker.example";
        using var response = await fx.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain("workflowy-csrf", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var token = await TokenAsync();
        var run = await FlakyAsync(NewId("host"), fail: true);
        var (status, _) = await PostAsync("/api" + DashboardFixture.RunPath(run.WorkflowKey, run.RunId) + "/retry", """{ "expected": "failed" }""", token, r => r.Headers.Host = "attacker.example:80");
        Assert.Equal(HttpStatusCode.BadRequest, status);

        using var local = new HttpRequestMessage(HttpMethod.Get, fx.BaseUrl + "/");
        local.Headers.Host = "localhost";
        using var ok = await fx.Http.SendAsync(local);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Every_page_sends_a_strict_content_security_policy_and_its_assets_are_served_from_the_dashboard()
    {
        using var response = await fx.Http.GetAsync(fx.BaseUrl + "/workflows");
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("<script>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.Contains("/workflowy/assets/dashboard.js", html, StringComparison.Ordinal);

        Assert.Contains("EventSource", await fx.Http.GetStringAsync(fx.BaseUrl + "/assets/dashboard.js"), StringComparison.Ordinal);
        Assert.Contains("data-state", await fx.Http.GetStringAsync(fx.BaseUrl + "/assets/dashboard.css"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_action_on_a_run_that_moved_on_is_refused_with_409_and_a_repeated_request_gets_the_first_answer()
    {
        var token = await TokenAsync();
        var run = await FlakyAsync(NewId("conflict"), fail: false);
        var path = "/api" + DashboardFixture.RunPath(run.WorkflowKey, run.RunId);

        var (status, body) = await PostAsync(path + "/cancel", """{ "expected": "running" }""", token);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal("completed", body.GetProperty("actual").GetString());

        (status, body) = await PostAsync(path + "/retry", """{ "expected": "completed" }""", token);
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("Only a failed or cancelled run is retried", body.GetProperty("error").GetString(), StringComparison.Ordinal);

        (status, _) = await PostAsync(path + "/rerun", """{ "requestId": "r1" }""", token);
        Assert.Equal(HttpStatusCode.BadRequest, status);

        var requestId = Guid.NewGuid().ToString("N");
        (status, body) = await PostAsync(path + "/rerun", $$"""{ "expected": "completed", "requestId": "{{requestId}}" }""", token);
        Assert.Equal(HttpStatusCode.Created, status);
        var rerun = body.GetProperty("runId").GetString();
        Assert.NotEqual(run.RunId, rerun);
        (status, body) = await PostAsync(path + "/rerun", $$"""{ "expected": "completed", "requestId": "{{requestId}}" }""", token);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(rerun, body.GetProperty("runId").GetString());

        using var detail = JsonDocument.Parse(await fx.Http.GetStringAsync(fx.BaseUrl + "/api" + DashboardFixture.RunPath(run.WorkflowKey, rerun!)));
        Assert.Equal(run.RunId, detail.RootElement.GetProperty("rerunOf").GetString());
    }

    [Fact]
    public async Task A_post_with_the_token_from_another_site_is_refused()
    {
        var token = await TokenAsync();
        var run = await FlakyAsync(NewId("site"), fail: true);
        var path = "/api" + DashboardFixture.RunPath(run.WorkflowKey, run.RunId) + "/retry";
        var (status, _) = await PostAsync(path, """{ "expected": "failed" }""", token, r => r.Headers.Add("Sec-Fetch-Site", "cross-site"));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        (status, _) = await PostAsync(path, """{ "expected": "failed" }""", token, r => r.Headers.Add("Origin", "http://attacker.example"));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        (status, _) = await PostAsync(path, """{ "expected": "failed" }""", null);
        Assert.Equal(HttpStatusCode.Forbidden, status);
    }

    [Fact]
    public async Task Bulk_retry_retries_the_failed_runs_and_refuses_the_others()
    {
        var token = await TokenAsync();
        var failed = await FlakyAsync(NewId("bulk-failed"), fail: true);
        Control.FailWith.TryRemove(failed.RunId, out _);
        var done = await FlakyAsync(NewId("bulk-done"), fail: false);
        var json = $$"""
            { "action": "retry", "runs": [
              { "workflow": "{{failed.WorkflowKey}}", "runId": "{{failed.RunId}}", "expected": "failed" },
              { "workflow": "{{done.WorkflowKey}}", "runId": "{{done.RunId}}", "expected": "failed" } ] }
            """;
        var (status, body) = await PostAsync("/api/runs/bulk", json, token);
        Assert.Equal(HttpStatusCode.OK, status);
        var results = body.GetProperty("results");
        Assert.Equal(202, results[0].GetProperty("status").GetInt32());
        Assert.Equal(409, results[1].GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task The_json_api_has_every_page()
    {
        var run = await FlakyAsync(NewId("json"), fail: false);
        using var overview = JsonDocument.Parse(await fx.Http.GetStringAsync(fx.BaseUrl + "/api/overview"));
        Assert.True(overview.RootElement.GetProperty("hasStore").GetBoolean());
        Assert.False(overview.RootElement.GetProperty("schedules").GetProperty("configured").GetBoolean());
        Assert.Equal(
            "Async,Thread,Serial,Process",
            string.Join(",", overview.RootElement.GetProperty("workers").GetProperty("executors").EnumerateArray().Select(static e => e.GetProperty("backend").GetString())));
        using var runs = JsonDocument.Parse(await fx.Http.GetStringAsync(fx.BaseUrl + "/api/runs?limit=1"));
        Assert.Equal(1, runs.RootElement.GetProperty("runs").GetArrayLength());
        Assert.NotNull(runs.RootElement.GetProperty("continuation").GetString());
        using var detail = JsonDocument.Parse(await fx.Http.GetStringAsync(fx.BaseUrl + "/api" + DashboardFixture.RunPath(run.WorkflowKey, run.RunId)));
        Assert.Equal("completed", detail.RootElement.GetProperty("status").GetString());
        Assert.Equal("Load,Transform,Save", string.Join(",", detail.RootElement.GetProperty("criticalPath").EnumerateArray().Select(static e => e.GetString())));
        using var task = JsonDocument.Parse(await fx.Http.GetStringAsync(fx.BaseUrl + "/api" + DashboardFixture.RunPath(run.WorkflowKey, run.RunId) + "/tasks/Save"));
        Assert.Equal("\"saved 10\"", task.RootElement.GetProperty("output").GetString());
        using var workflows = JsonDocument.Parse(await fx.Http.GetStringAsync(fx.BaseUrl + "/api/workflows/Order"));
        var inputs = workflows.RootElement.GetProperty("inputs").EnumerateArray().Select(static i => i.GetProperty("name").GetString() + ":" + i.GetProperty("kind").GetString()).ToArray();
        Assert.Equal("customer:string,count:integer,express:boolean,discount:number", string.Join(",", inputs));
        using var missing = await fx.Http.GetAsync(fx.BaseUrl + "/api/runs/Nope/none");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Read_only_mode_hides_the_actions_and_refuses_them()
    {
        var options = new WorkflowyDashboardServerOptions { Runner = fx.Runner, Configure = static o => o.ReadOnly = true };
        options.Urls.Add("http://127.0.0.1:0");
        await using var app = WorkflowyDashboardServer.Create(options);
        await app.StartAsync();
        var baseUrl = app.Urls.Single() + "/workflowy";
        var run = await FlakyAsync(NewId("readonly"), fail: true);
        var page = await fx.Http.GetStringAsync(baseUrl + DashboardFixture.RunPath(run.WorkflowKey, run.RunId));
        Assert.Contains("read-only", page, StringComparison.Ordinal);
        Assert.DoesNotContain("data-action", page, StringComparison.Ordinal);
        Assert.DoesNotContain("workflowy-csrf", page, StringComparison.Ordinal);
        var workflows = await fx.Http.GetStringAsync(baseUrl + "/workflows");
        Assert.DoesNotContain("data-trigger", workflows, StringComparison.Ordinal);

        using var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/api" + DashboardFixture.RunPath(run.WorkflowKey, run.RunId) + "/retry")
        {
            Content = new StringContent("""{ "expected": "failed" }""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Workflowy-Csrf", await TokenAsync());
        using var response = await fx.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await app.StopAsync();
    }

    [Fact]
    public void The_server_refuses_to_listen_beyond_loopback_without_an_authorization_hook()
    {
        var options = new WorkflowyDashboardServerOptions { Runner = fx.Runner };
        options.Urls.Add("http://0.0.0.0:0");
        var refused = Assert.Throws<InvalidOperationException>(() => WorkflowyDashboardServer.Create(options));
        Assert.Contains("only loopback addresses", refused.Message, StringComparison.Ordinal);

        var withHook = new WorkflowyDashboardServerOptions { Runner = fx.Runner, Configure = static o => o.Authorize = static _ => ValueTask.FromResult(DashboardAccess.Read) };
        withHook.Urls.Add("http://0.0.0.0:0");
        var app = WorkflowyDashboardServer.Create(withHook);
        Assert.NotNull(app);
        Assert.True(DashboardGuard.IsLoopbackUrl("http://[::1]:5000"));
        Assert.True(DashboardGuard.IsLoopbackUrl("http://localhost:5000"));
        Assert.False(DashboardGuard.IsLoopbackUrl("http://*:5000"));
        Assert.False(DashboardGuard.IsLoopbackUrl("http://+:5000"));
        Assert.False(DashboardGuard.IsLoopbackUrl("http://10.1.2.3:5000"));
    }

    [Fact]
    public async Task The_event_stream_says_hello_and_carries_task_changes()
    {
        using var stream = await fx.Http.GetStreamAsync(fx.BaseUrl + "/api/events");
        using var reader = new System.IO.StreamReader(stream);
        Assert.Equal("retry: 2000", await reader.ReadLineAsync());
        await reader.ReadLineAsync();
        Assert.Equal("event: hello", await reader.ReadLineAsync());
        var runId = NewId("stream");
        await FlakyAsync(runId, fail: false);
        string? line;
        do
        {
            line = await reader.ReadLineAsync();
        }
        while (line is not null && !(line.StartsWith("data:", StringComparison.Ordinal) && line.Contains(runId, StringComparison.Ordinal) && line.Contains("\"task\":\"Save\"", StringComparison.Ordinal) && line.Contains("completed", StringComparison.Ordinal)));
        Assert.NotNull(line);
    }
}
