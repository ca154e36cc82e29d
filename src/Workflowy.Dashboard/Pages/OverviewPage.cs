using System;
using System.Linq;
using System.Text;

namespace Workflowy.Dashboard;

/// <summary>The overview: runs and tasks by state, throughput per minute, recent failures, workers, schedules.</summary>
internal static class OverviewPage
{
    public static string Body(DashboardContext d, OverviewJson o)
    {
        var html = new StringBuilder(8192);
        var p = d.Prefix;
        html.Append("<h1>Overview</h1>\n<section class=\"cards\">\n");
        Card(html, "Runs", o.RunsCounted, [("running", o.Runs.Running), ("completed", o.Runs.Completed), ("failed", o.Runs.Failed), ("cancelled", o.Runs.Cancelled)], p + "/runs?state=");
        Card(html, "Tasks", o.Tasks.Total, [("completed", o.Tasks.Completed), ("failed", o.Tasks.Failed), ("cancelled", o.Tasks.Cancelled), ("skipped", o.Tasks.Skipped), ("pending", o.Tasks.NotTerminal)], null);
        html.Append("<div class=\"card\"><h2>Now</h2><dl><dt>Active runs</dt><dd id=\"active-runs\">").Append(DashboardText.Int(o.ActiveRuns))
            .Append("</dd><dt>Queued tasks</dt><dd>").Append(DashboardText.Int(o.QueuedTasks)).Append("</dd><dt>Store</dt><dd>")
            .Append(o.HasStore ? "yes" : "none (runs of this process only)").Append("</dd></dl></div>\n</section>\n");
        if (o.CountCut)
        {
            html.Append("<p class=\"note\">Counted the newest ").Append(DashboardText.Int(o.RunsCounted)).Append(" runs.</p>\n");
        }

        html.Append("<section><h2>Throughput (tasks per minute, last 30 minutes)</h2>\n");
        Throughput(html, o);
        html.Append("</section>\n");

        html.Append("<section><h2>Recent failures</h2>\n");
        if (o.RecentFailures.Count == 0)
        {
            HtmlLayout.Empty(html, "No failed runs.");
        }
        else
        {
            html.Append("<table><thead><tr><th>Run</th><th>Workflow</th><th>Ended</th><th>Task</th><th>Error</th></tr></thead><tbody>\n");
            foreach (var f in o.RecentFailures)
            {
                html.Append("<tr><td><a href=\"").Append(DashboardText.H(RunsPage.RunHref(p, f.Workflow, f.RunId))).Append("\">").Append(DashboardText.H(f.RunId)).Append("</a></td><td>")
                    .Append(DashboardText.H(f.Workflow)).Append("</td><td>").Append(DashboardText.Time(f.EndedAt)).Append("</td><td>")
                    .Append(DashboardText.H(f.Task)).Append("</td><td class=\"error\">").Append(DashboardText.H(f.Error)).Append("</td></tr>\n");
            }

            html.Append("</tbody></table>\n");
        }

        html.Append("</section>\n<section class=\"two\"><div><h2>Workers</h2>\n");
        if (!o.Workers.Configured)
        {
            HtmlLayout.Empty(html, "No worker source configured: this process runs tasks on its own executors (below). Register an IDashboardWorkerSource to list workers with their heartbeat.");
        }
        else if (o.Workers.Error is { } workerError)
        {
            html.Append("<p class=\"error\">The worker source failed: ").Append(DashboardText.H(workerError)).Append("</p>\n");
        }
        else if (o.Workers.Workers.Count == 0)
        {
            HtmlLayout.Empty(html, "No workers.");
        }
        else
        {
            html.Append("<table><thead><tr><th>Worker</th><th>Detail</th><th>Last heartbeat</th><th>Stale</th></tr></thead><tbody>\n");
            foreach (var w in o.Workers.Workers)
            {
                html.Append("<tr><td>").Append(DashboardText.H(w.Name)).Append("</td><td>").Append(DashboardText.H(w.Detail)).Append("</td><td>")
                    .Append(DashboardText.Time(w.LastHeartbeat)).Append("</td><td>").Append(w.Stale ? "⚠ stale" : "ok").Append("</td></tr>\n");
            }

            html.Append("</tbody></table>\n");
        }

        html.Append("<table><thead><tr><th>Executor</th><th>Queued</th></tr></thead><tbody>");
        foreach (var e in o.Workers.Executors)
        {
            html.Append("<tr><td>").Append(DashboardText.H(e.Backend)).Append("</td><td>").Append(DashboardText.Int(e.Queued)).Append("</td></tr>");
        }

        html.Append("</tbody></table>\n</div><div><h2>Next scheduled</h2>\n");
        WorkflowsPage.Schedules(html, o.Schedules, showWorkflow: true);
        html.Append("</div></section>\n");
        return html.ToString();
    }

    private static void Card(StringBuilder html, string title, int total, (string State, int Count)[] parts, string? link)
    {
        html.Append("<div class=\"card\"><h2>").Append(title).Append(" <span class=\"total\">").Append(DashboardText.Int(total)).Append("</span></h2><ul class=\"counts\">");
        foreach (var (state, count) in parts)
        {
            html.Append("<li data-state=\"").Append(state).Append("\">");
            if (link is not null)
            {
                html.Append("<a href=\"").Append(DashboardText.H(link + state)).Append("\">");
            }

            HtmlLayout.State(html, state);
            html.Append(" <strong>").Append(DashboardText.Int(count)).Append("</strong>");
            if (link is not null)
            {
                html.Append("</a>");
            }

            html.Append("</li>");
        }

        html.Append("</ul></div>\n");
    }

    private static void Throughput(StringBuilder html, OverviewJson o)
    {
        const double width = 720, height = 140, left = 36, bottom = 22;
        var points = o.Throughput;
        var max = Math.Max(1, points.Max(static t => t.Completed + t.Failed));
        var slot = (width - left) / Math.Max(1, points.Count);
        html.Append("<svg class=\"throughput\" role=\"img\" aria-labelledby=\"tp-title\" viewBox=\"0 0 ").Append(DashboardText.Num(width)).Append(' ').Append(DashboardText.Num(height))
            .Append("\" width=\"").Append(DashboardText.Num(width)).Append("\" height=\"").Append(DashboardText.Num(height)).Append("\">")
            .Append("<title id=\"tp-title\">Tasks completed and failed per minute</title>")
            .Append("<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" class=\"hatch-bg\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" class=\"hatch-line\"/></pattern></defs>");
        var plot = height - bottom - 8;
        html.Append("<line class=\"axis\" x1=\"").Append(DashboardText.Num(left)).Append("\" y1=\"").Append(DashboardText.Num(height - bottom))
            .Append("\" x2=\"").Append(DashboardText.Num(width)).Append("\" y2=\"").Append(DashboardText.Num(height - bottom)).Append("\"/>")
            .Append("<text class=\"axis-label\" x=\"4\" y=\"14\">").Append(DashboardText.Int(max)).Append("</text>")
            .Append("<text class=\"axis-label\" x=\"4\" y=\"").Append(DashboardText.Num(height - bottom)).Append("\">0</text>");
        for (var i = 0; i < points.Count; i++)
        {
            var point = points[i];
            var x = left + (i * slot) + 2;
            var w = Math.Max(1, slot - 4);
            var hc = plot * point.Completed / max;
            var hf = plot * point.Failed / max;
            var y = height - bottom - hc;
            var label = point.Minute.UtcDateTime.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture) + "Z: " + DashboardText.Int(point.Completed) + " completed, " + DashboardText.Int(point.Failed) + " failed";
            html.Append("<g><title>").Append(DashboardText.H(label)).Append("</title>");
            if (point.Completed > 0)
            {
                html.Append("<rect class=\"bar-completed\" x=\"").Append(DashboardText.Num(x)).Append("\" y=\"").Append(DashboardText.Num(y)).Append("\" width=\"").Append(DashboardText.Num(w)).Append("\" height=\"").Append(DashboardText.Num(hc)).Append("\"/>");
            }

            if (point.Failed > 0)
            {
                html.Append("<rect class=\"bar-failed\" fill=\"url(#hatch)\" x=\"").Append(DashboardText.Num(x)).Append("\" y=\"").Append(DashboardText.Num(y - hf)).Append("\" width=\"").Append(DashboardText.Num(w)).Append("\" height=\"").Append(DashboardText.Num(hf)).Append("\"/>");
            }

            html.Append("</g>");
            if (i % 5 == 0 || i == points.Count - 1)
            {
                html.Append("<text class=\"axis-label\"").Append(i == points.Count - 1 ? " text-anchor=\"end\"" : string.Empty).Append(" x=\"").Append(DashboardText.Num(i == points.Count - 1 ? width - 2 : x)).Append("\" y=\"").Append(DashboardText.Num(height - 6)).Append("\">")
                    .Append(point.Minute.UtcDateTime.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture)).Append("</text>");
            }
        }

        html.Append("</svg>\n<p class=\"legend\"><span class=\"key key-completed\" aria-hidden=\"true\"></span> ✓ completed (solid) <span class=\"key key-failed\" aria-hidden=\"true\"></span> ✗ failed (hatched, stacked on top)</p>\n");
    }
}
