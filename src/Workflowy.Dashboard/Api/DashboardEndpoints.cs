using System;
using System.Globalization;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;

namespace Workflowy.Dashboard;

/// <summary>
/// The routes. Each page is HTML at its path (<c>?fragment=1</c>: only the part the script refreshes) and JSON at the
/// same path under <c>api/</c>; actions are POSTs under <c>api/</c>; <c>api/events</c> is the one live stream. Every
/// handler is a plain <see cref="RequestDelegate"/> (no reflection-built binding): AOT-clean without the request
/// delegate generator.
/// </summary>
internal static class DashboardEndpoints
{
    public static void Map(RouteGroupBuilder group, DashboardContext d, IHostApplicationLifetime? lifetime)
    {
        var data = new DashboardData(d);
        var actions = new DashboardActions(d, data);
        var stopping = lifetime?.ApplicationStopping ?? CancellationToken.None;

        group.MapGet(string.Empty, Read(d, (c, ct) => OverviewAsync(c, d, data, html: true, ct)));
        group.MapGet("/api/overview", Read(d, (c, ct) => OverviewAsync(c, d, data, html: false, ct)));
        group.MapGet("/runs", Read(d, (c, ct) => RunsAsync(c, d, data, html: true, ct)));
        group.MapGet("/api/runs", Read(d, (c, ct) => RunsAsync(c, d, data, html: false, ct)));
        group.MapGet("/runs/{workflow}/{runId}", Read(d, (c, ct) => RunAsync(c, d, data, html: true, ct)));
        group.MapGet("/api/runs/{workflow}/{runId}", Read(d, (c, ct) => RunAsync(c, d, data, html: false, ct)));
        group.MapGet("/runs/{workflow}/{runId}/tasks/{**task}", Read(d, (c, ct) => TaskAsync(c, d, data, html: true, ct)));
        group.MapGet("/api/runs/{workflow}/{runId}/tasks/{**task}", Read(d, (c, ct) => TaskAsync(c, d, data, html: false, ct)));
        group.MapGet("/workflows", Read(d, (c, ct) => WorkflowsAsync(c, d, data, html: true, ct)));
        group.MapGet("/api/workflows", Read(d, (c, ct) => WorkflowsAsync(c, d, data, html: false, ct)));
        group.MapGet("/workflows/{name}", Read(d, (c, ct) => WorkflowsAsync(c, d, data, html: true, ct)));
        group.MapGet("/api/workflows/{name}", Read(d, (c, ct) => WorkflowsAsync(c, d, data, html: false, ct)));
        group.MapGet("/api/session", Read(d, (c, _) => DashboardResponses.JsonAsync(
            c,
            StatusCodes.Status200OK,
            new SessionJson(DashboardGuard.AccessOf(c) == DashboardAccess.Write ? d.CsrfToken : string.Empty, DashboardGuard.AccessOf(c) == DashboardAccess.Write ? "write" : "read", d.Options.ReadOnly, DashboardContext.CsrfHeader),
            DashboardJson.Default.SessionJson)));
        group.MapGet("/api/events", Read(d, (c, ct) => LiveStream.ServeAsync(c, d, stopping, ct)));
        group.MapGet("/assets/dashboard.js", Read(d, (c, _) => Assets.ServeAsync(c, "dashboard.js", "text/javascript; charset=utf-8")));
        group.MapGet("/assets/dashboard.css", Read(d, (c, _) => Assets.ServeAsync(c, "dashboard.css", "text/css; charset=utf-8")));

        foreach (var action in new[] { "cancel", "retry", "rerun" })
        {
            group.MapPost("/api/runs/{workflow}/{runId}/" + action, Write(d, (c, ct) => RunActionAsync(c, actions, action, ct)));
        }

        group.MapPost("/api/runs/{workflow}/{runId}/tasks/{task}/retry", Write(d, (c, ct) => RunActionAsync(c, actions, "retry-from", ct)));
        group.MapPost("/api/runs/bulk", Write(d, async (c, ct) =>
        {
            if (await BodyAsync(c, DashboardJson.Default.BulkRequestJson, ct).ConfigureAwait(false) is not { } request)
            {
                return;
            }

            var (status, json) = await actions.BulkAsync(request, Who(c), ct).ConfigureAwait(false);
            await DashboardResponses.RawJsonAsync(c, status, json).ConfigureAwait(false);
        }));
        group.MapPost("/api/workflows/{name}/trigger", Write(d, async (c, ct) =>
        {
            if (await BodyAsync(c, DashboardJson.Default.TriggerRequestJson, ct).ConfigureAwait(false) is not { } request)
            {
                return;
            }

            var (status, json) = await actions.TriggerAsync(Route(c, "name"), request, Who(c), ct).ConfigureAwait(false);
            await DashboardResponses.RawJsonAsync(c, status, json).ConfigureAwait(false);
        }));
    }

    private static RequestDelegate Read(DashboardContext d, Func<HttpContext, CancellationToken, Task> handler) => async context =>
    {
        if (await DashboardGuard.AdmitAsync(context, d, write: false).ConfigureAwait(false))
        {
            await handler(context, context.RequestAborted).ConfigureAwait(false);
        }
    };

    private static RequestDelegate Write(DashboardContext d, Func<HttpContext, CancellationToken, Task> handler) => async context =>
    {
        if (await DashboardGuard.AdmitAsync(context, d, write: true).ConfigureAwait(false))
        {
            await handler(context, context.RequestAborted).ConfigureAwait(false);
        }
    };

    private static string Route(HttpContext context, string name) => context.Request.RouteValues[name]?.ToString() ?? string.Empty;

    private static string Who(HttpContext context) =>
        context.User.Identity?.Name is { Length: > 0 } name ? name : context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    private static bool Fragment(HttpContext context) => context.Request.Query["fragment"] == "1";

    private static async Task<T?> BodyAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync(context.Request.Body, typeInfo, cancellationToken).ConfigureAwait(false);
            if (value is not null)
            {
                return value;
            }
        }
        catch (JsonException ex)
        {
            await DashboardResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, "The request body is not the JSON this action takes: " + ex.Message).ConfigureAwait(false);
            return null;
        }

        await DashboardResponses.ErrorAsync(context, StatusCodes.Status400BadRequest, "The request body is empty: send a JSON object.").ConfigureAwait(false);
        return null;
    }

    private static async Task RunActionAsync(HttpContext context, DashboardActions actions, string action, CancellationToken cancellationToken)
    {
        if (await BodyAsync(context, DashboardJson.Default.ActionRequestJson, cancellationToken).ConfigureAwait(false) is not { } request)
        {
            return;
        }

        var task = context.Request.RouteValues.ContainsKey("task") ? Route(context, "task") : null;
        var (status, json) = await actions.OnRunAsync(action, Route(context, "workflow"), Route(context, "runId"), task, request, Who(context), cancellationToken).ConfigureAwait(false);
        await DashboardResponses.RawJsonAsync(context, status, json).ConfigureAwait(false);
    }

    private static async Task OverviewAsync(HttpContext context, DashboardContext d, DashboardData data, bool html, CancellationToken cancellationToken)
    {
        var overview = await data.OverviewAsync(cancellationToken).ConfigureAwait(false);
        if (!html)
        {
            await DashboardResponses.JsonAsync(context, StatusCodes.Status200OK, overview, DashboardJson.Default.OverviewJson).ConfigureAwait(false);
            return;
        }

        await PageAsync(context, d, "Overview", "overview", new LiveScope("overview"), OverviewPage.Body(d, overview)).ConfigureAwait(false);
    }

    private static async Task RunsAsync(HttpContext context, DashboardContext d, DashboardData data, bool html, CancellationToken cancellationToken)
    {
        var q = context.Request.Query;
        var limit = int.TryParse(q["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? Math.Clamp(l, 1, 500) : 25;
        var filter = new RunFilterJson(
            Text(q["workflow"]),
            DashboardText.ParseStatus(q["state"]) is { } status ? DashboardText.Status(status) : null,
            TimeOf(q["from"]),
            TimeOf(q["to"]),
            Text(q["id"]),
            limit);
        var list = await data.RunsAsync(filter, Text(q["continuation"]), cancellationToken).ConfigureAwait(false);
        if (!html)
        {
            await DashboardResponses.JsonAsync(context, StatusCodes.Status200OK, list, DashboardJson.Default.RunListJson).ConfigureAwait(false);
            return;
        }

        await PageAsync(context, d, "Runs", "runs", new LiveScope("runs"), RunsPage.Body(d, DashboardGuard.AccessOf(context), list)).ConfigureAwait(false);
    }

    private static async Task RunAsync(HttpContext context, DashboardContext d, DashboardData data, bool html, CancellationToken cancellationToken)
    {
        var workflow = Route(context, "workflow");
        var runId = Route(context, "runId");
        var view = await data.RunAsync(workflow, runId, cancellationToken).ConfigureAwait(false);
        if (view is null)
        {
            await NotFoundAsync(context, d, html, $"There is no run '{runId}' of {workflow}.").ConfigureAwait(false);
            return;
        }

        if (!html)
        {
            await DashboardResponses.JsonAsync(context, StatusCodes.Status200OK, view.Detail, DashboardJson.Default.RunDetailJson).ConfigureAwait(false);
            return;
        }

        await PageAsync(context, d, "Run " + runId, "runs", new LiveScope("run", workflow, runId), RunPage.Body(d, DashboardGuard.AccessOf(context), view)).ConfigureAwait(false);
    }

    private static async Task TaskAsync(HttpContext context, DashboardContext d, DashboardData data, bool html, CancellationToken cancellationToken)
    {
        var workflow = Route(context, "workflow");
        var runId = Route(context, "runId");
        var task = Route(context, "task");
        var detail = await data.TaskAsync(workflow, runId, task, cancellationToken).ConfigureAwait(false);
        if (detail is null)
        {
            await NotFoundAsync(context, d, html, $"There is no task '{task}' in run '{runId}' of {workflow}.").ConfigureAwait(false);
            return;
        }

        if (!html)
        {
            await DashboardResponses.JsonAsync(context, StatusCodes.Status200OK, detail, DashboardJson.Default.TaskDetailJson).ConfigureAwait(false);
            return;
        }

        var runStatus = (await data.RunAsync(workflow, runId, cancellationToken).ConfigureAwait(false))?.Detail.Status ?? "running";
        await PageAsync(context, d, task + " · run " + runId, "runs", new LiveScope("task", workflow, runId, task), TaskPage.Body(d, DashboardGuard.AccessOf(context), detail, runStatus)).ConfigureAwait(false);
    }

    private static async Task WorkflowsAsync(HttpContext context, DashboardContext d, DashboardData data, bool html, CancellationToken cancellationToken)
    {
        string? only = null;
        if (context.Request.RouteValues.ContainsKey("name"))
        {
            var name = Route(context, "name");
            if (DashboardData.FindWorkflow(name) is not { } definition)
            {
                await NotFoundAsync(context, d, html, $"There is no workflow '{name}'.").ConfigureAwait(false);
                return;
            }

            only = definition.FullName;
        }

        var list = await data.WorkflowsAsync(only, cancellationToken).ConfigureAwait(false);
        if (!html)
        {
            if (only is not null)
            {
                await DashboardResponses.JsonAsync(context, StatusCodes.Status200OK, list.Workflows[0], DashboardJson.Default.WorkflowJson).ConfigureAwait(false);
                return;
            }

            await DashboardResponses.JsonAsync(context, StatusCodes.Status200OK, list, DashboardJson.Default.WorkflowListJson).ConfigureAwait(false);
            return;
        }

        await PageAsync(context, d, only is null ? "Workflows" : list.Workflows[0].Name, "workflows", new LiveScope("none"), WorkflowsPage.Body(d, DashboardGuard.AccessOf(context), list, only is not null)).ConfigureAwait(false);
    }

    private static Task PageAsync(HttpContext context, DashboardContext d, string title, string active, LiveScope live, string body) =>
        DashboardResponses.HtmlAsync(context, StatusCodes.Status200OK, Fragment(context) ? body : HtmlLayout.Page(d, DashboardGuard.AccessOf(context), title, active, live, body));

    private static Task NotFoundAsync(HttpContext context, DashboardContext d, bool html, string message)
    {
        if (!html)
        {
            return DashboardResponses.ErrorAsync(context, StatusCodes.Status404NotFound, message);
        }

        var body = "<h1>Not found</h1>\n<p class=\"error\">" + DashboardText.H(message) + "</p>\n";
        return DashboardResponses.HtmlAsync(context, StatusCodes.Status404NotFound, Fragment(context) ? body : HtmlLayout.Page(d, DashboardGuard.AccessOf(context), "Not found", string.Empty, new LiveScope("none"), body));
    }

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static DateTimeOffset? TimeOf(string? value) =>
        Text(value) is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time) ? time : null;
}

/// <summary>The one server-sent-events stream: a hello, then every event of the live feed, and a comment every 15 s.</summary>
internal static class LiveStream
{
    public static async Task ServeAsync(HttpContext context, DashboardContext d, CancellationToken stopping, CancellationToken aborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stopping, aborted);
        var token = linked.Token;
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        var channel = d.Feed.Subscribe();
        try
        {
            await context.Response.WriteAsync("retry: 2000\n\n" + LiveFeed.Frame("hello", "{}"), token).ConfigureAwait(false);
            await context.Response.Body.FlushAsync(token).ConfigureAwait(false);
            var reader = channel.Reader;
            while (!token.IsCancellationRequested)
            {
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(token))
                {
                    wait.CancelAfter(TimeSpan.FromSeconds(15));
                    try
                    {
                        if (!await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                        {
                            return;
                        }
                    }
                    catch (OperationCanceledException) when (!token.IsCancellationRequested)
                    {
                        await context.Response.WriteAsync(LiveFeed.Comment("keep-alive"), token).ConfigureAwait(false);
                        await context.Response.Body.FlushAsync(token).ConfigureAwait(false);
                        continue;
                    }
                }

                while (reader.TryRead(out var frame))
                {
                    await context.Response.WriteAsync(frame, token).ConfigureAwait(false);
                }

                await context.Response.Body.FlushAsync(token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The page went away, or the app is stopping.
        }
        finally
        {
            d.Feed.Unsubscribe(channel);
        }
    }
}

/// <summary>The embedded script and style sheet, read once.</summary>
internal static class Assets
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte[]> Cache = new(StringComparer.Ordinal);

    public static Task ServeAsync(HttpContext context, string name, string contentType)
    {
        var bytes = Cache.GetOrAdd(name, static n =>
        {
            using var stream = typeof(Assets).Assembly.GetManifestResourceStream("Workflowy.Dashboard." + n)
                ?? throw new InvalidOperationException($"The dashboard asset {n} is not embedded in Workflowy.Dashboard.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        });
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = contentType;
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes, 0, bytes.Length, context.RequestAborted);
    }
}
