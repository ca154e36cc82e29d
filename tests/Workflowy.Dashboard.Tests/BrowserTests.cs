using System;
using System.Threading.Tasks;
using Microsoft.Playwright;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Workflowy.Dashboard.Tests;

[CollectionDefinition("dashboard")]
public sealed class DashboardCollection : ICollectionFixture<DashboardFixture>
{
}

/// <summary>
/// The dashboard in a real browser (Debian's chromium through Playwright): live updates over the event stream without a
/// reload, the actions, the trigger form, escaping. No timing thresholds: every wait is Playwright's auto-waiting on a
/// page condition.
/// </summary>
[Collection("dashboard")]
public sealed class BrowserTests(DashboardFixture fx)
{
    private static string NewId(string what) => what + "-" + Guid.NewGuid().ToString("N")[..8];

    private async Task<WorkflowRun> StartAsync(string workflow, string inputsJson, string runId) =>
        await WorkflowCatalog.Find(workflow)!.StartAsync(inputsJson, fx.Runner, runId);

    private static async Task EndedAsync(WorkflowRun run)
    {
        try
        {
            await run.Completion;
        }
        catch (Exception)
        {
            // A failed or cancelled run: the page says how.
        }
    }

    private async Task<IPage> OpenRunAsync(WorkflowRun run)
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync(fx.BaseUrl + DashboardFixture.RunPath(run.WorkflowKey, run.RunId));
        await Expect(page.Locator("#live-status")).ToHaveAttributeAsync("data-state", "live");
        return page;
    }

    [Fact]
    public async Task A_task_changes_state_on_the_open_page_over_the_event_stream_without_a_reload()
    {
        var runId = NewId("sse");
        var run = await StartAsync("Gated", """{ "label": "sse" }""", runId);
        var page = await OpenRunAsync(run);
        await Expect(page.Locator("tr[data-task-row='Wait']")).ToHaveAttributeAsync("data-state", "running");
        await Expect(page.Locator("tr[data-task-row='Finish']")).ToHaveAttributeAsync("data-state", "pending");
        await page.EvaluateAsync("() => { window.__sameDocument = 'yes'; }");

        Control.Gate(runId).TrySetResult();

        await Expect(page.Locator("tr[data-task-row='Wait']")).ToHaveAttributeAsync("data-state", "completed");
        await Expect(page.Locator("tr[data-task-row='Finish']")).ToHaveAttributeAsync("data-state", "completed");
        await Expect(page.Locator("figure.graph g.node", new() { HasText = "Finish" })).ToContainTextAsync("completed");
        await Expect(page.Locator("main h1 .state")).ToHaveAttributeAsync("data-state", "completed");
        Assert.Equal("yes", await page.EvaluateAsync<string>("() => window.__sameDocument"));
        await DashboardFixture.ScreenshotAsync(page, "run-completed");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Clicking_retry_reruns_the_failed_tasks_and_the_graph_shows_them_completed()
    {
        var runId = NewId("retry");
        Control.FailWith[runId] = "the disk is full";
        var run = await StartAsync("Flaky", """{ "size": 21 }""", runId);
        await EndedAsync(run);
        var page = await OpenRunAsync(run);
        await Expect(page.Locator("tr[data-task-row='Transform']")).ToHaveAttributeAsync("data-state", "failed");
        await Expect(page.Locator("figure.graph g.node", new() { HasText = "Transform" })).ToContainTextAsync("failed");
        await Expect(page.Locator("tr[data-task-row='Transform'] td.error")).ToContainTextAsync("the disk is full");
        await DashboardFixture.ScreenshotAsync(page, "run-failed");

        Control.FailWith.TryRemove(runId, out _);
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry failed" }).ClickAsync();

        await Expect(page.Locator("figure.graph g.node", new() { HasText = "Transform" })).ToContainTextAsync("completed");
        await Expect(page.Locator("tr[data-task-row='Save']")).ToHaveAttributeAsync("data-state", "completed");
        await Expect(page.Locator("main h1 .state")).ToHaveAttributeAsync("data-state", "completed");
        await Expect(page.Locator("table.audit")).ToContainTextAsync("retry");

        // Retry from a task of the completed run: it and its downstream run again, the rest is restored.
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry from Transform" }).ClickAsync();
        await Expect(page.Locator("table.audit")).ToContainTextAsync("retry-from Transform");
        await Expect(page.Locator("main h1 .state")).ToHaveAttributeAsync("data-state", "completed");
        await DashboardFixture.ScreenshotAsync(page, "run-retried");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_workflow_is_triggered_from_its_form_and_its_task_log_is_shown()
    {
        var page = await fx.NewPageAsync();
        await page.GotoAsync(fx.BaseUrl + "/workflows");
        var form = page.Locator("form[aria-label='Trigger Order']");
        await form.Locator("[name='customer']").FillAsync("Ada");
        await form.Locator("[name='count']").FillAsync("3");
        await form.Locator("[name='express']").CheckAsync();
        await DashboardFixture.ScreenshotAsync(page, "workflows");

        var response = await page.RunAndWaitForResponseAsync(
            () => form.GetByRole(AriaRole.Button, new() { Name = "Trigger Order" }).ClickAsync(),
            static r => r.Url.EndsWith("/trigger", StringComparison.Ordinal));
        if (response.Status != 201)
        {
            Assert.Fail($"trigger answered {response.Status}: {await response.TextAsync()}");
        }

        await page.WaitForURLAsync("**/workflowy/runs/**");
        await Expect(page.Locator("main h1 .state")).ToHaveAttributeAsync("data-state", "completed");
        await Expect(page.Locator("tr[data-task-row='Greet']")).ToHaveAttributeAsync("data-state", "completed");
        await page.Locator("tr[data-task-row='Greet'] a").ClickAsync();
        await Expect(page.Locator("pre.log")).ToContainTextAsync("greeting Ada for 3 items");
        await Expect(page.Locator("pre.output")).ToContainTextAsync("Ada: 3 items, express");
        await DashboardFixture.ScreenshotAsync(page, "task");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_running_run_is_cancelled_from_its_page()
    {
        var runId = NewId("cancel");
        var run = await StartAsync("Gated", """{ "label": "cancel" }""", runId);
        var page = await OpenRunAsync(run);
        await Expect(page.Locator("tr[data-task-row='Wait']")).ToHaveAttributeAsync("data-state", "running");

        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel run" }).ClickAsync();

        await Expect(page.Locator("main h1 .state")).ToHaveAttributeAsync("data-state", "cancelled");
        await Expect(page.Locator("tr[data-task-row='Wait']")).ToHaveAttributeAsync("data-state", "cancelled");
        await Expect(page.Locator("tr[data-task-row='Finish']")).Not.ToHaveAttributeAsync("data-state", "completed");
        await DashboardFixture.ScreenshotAsync(page, "run-cancelled");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_script_in_a_task_exception_is_shown_as_text()
    {
        var runId = NewId("xss");
        const string hostile = "<script>window.__xss = 1</script><img src=x onerror=\"window.__xss = 2\">boom";
        Control.FailWith[runId] = hostile;
        var run = await StartAsync("Flaky", """{ "size": 1 }""", runId);
        await EndedAsync(run);

        var page = await fx.NewPageAsync();
        await page.GotoAsync(fx.BaseUrl + DashboardFixture.RunPath(run.WorkflowKey, runId) + "/tasks/Transform");
        await Expect(page.Locator("p.exception .message")).ToHaveTextAsync(hostile);
        await Expect(page.Locator("main script")).ToHaveCountAsync(0);
        await Expect(page.Locator("main img")).ToHaveCountAsync(0);
        await DashboardFixture.ScreenshotAsync(page, "task-exception");

        await page.GotoAsync(fx.BaseUrl + DashboardFixture.RunPath(run.WorkflowKey, runId));
        await Expect(page.Locator("tr[data-task-row='Transform'] td.error")).ToContainTextAsync("<script>window.__xss = 1</script>");
        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__xss"));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_overview_and_the_runs_page_show_runs_by_state_and_filter_them()
    {
        var failedId = NewId("list-failed");
        Control.FailWith[failedId] = "listing failure";
        await EndedAsync(await StartAsync("Flaky", """{ "size": 2 }""", failedId));
        var doneId = NewId("list-done");
        await EndedAsync(await StartAsync("Flaky", """{ "size": 3 }""", doneId));

        var page = await fx.NewPageAsync();
        await page.GotoAsync(fx.BaseUrl + "/");
        await Expect(page.Locator("main")).ToContainTextAsync("Recent failures");
        await Expect(page.Locator("main")).ToContainTextAsync(failedId);
        await Expect(page.Locator("main")).ToContainTextAsync("No scheduler configured.");
        await Expect(page.Locator("main")).ToContainTextAsync("No worker source configured");
        await DashboardFixture.ScreenshotAsync(page, "overview");

        await page.GotoAsync(fx.BaseUrl + "/runs");
        await Expect(page.Locator($"tr[data-run='{doneId}']")).ToHaveAttributeAsync("data-state", "completed");
        await page.Locator("select[name='state']").SelectOptionAsync("failed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply" }).ClickAsync();
        await page.WaitForURLAsync("**/runs?*state=failed*");
        await Expect(page.Locator($"tr[data-run='{failedId}']")).ToHaveCountAsync(1);
        await Expect(page.Locator($"tr[data-run='{doneId}']")).ToHaveCountAsync(0);

        await page.GotoAsync(fx.BaseUrl + "/runs?id=" + doneId[^6..]);
        await Expect(page.Locator("table.runs tbody tr")).ToHaveCountAsync(1);
        await page.GotoAsync(fx.BaseUrl + "/runs");
        await DashboardFixture.ScreenshotAsync(page, "runs");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_post_from_the_page_without_the_csrf_header_is_refused()
    {
        var runId = NewId("csrf");
        var run = await StartAsync("Gated", """{ "label": "csrf" }""", runId);
        var page = await OpenRunAsync(run);
        var url = fx.BaseUrl + "/api" + DashboardFixture.RunPath(run.WorkflowKey, runId) + "/cancel";
        var status = await page.EvaluateAsync<int>(
            "url => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ expected: 'running' }) }).then(r => r.status)",
            url);
        Assert.Equal(403, status);
        var wrong = await page.EvaluateAsync<int>(
            "url => fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Workflowy-Csrf': 'not-the-token' }, body: JSON.stringify({ expected: 'running' }) }).then(r => r.status)",
            url);
        Assert.Equal(403, wrong);
        await Expect(page.Locator("tr[data-task-row='Wait']")).ToHaveAttributeAsync("data-state", "running");
        Assert.False(run.HasEnded);
        Control.Gate(runId).TrySetResult();
        await EndedAsync(run);
        await page.Context.CloseAsync();
    }
}
