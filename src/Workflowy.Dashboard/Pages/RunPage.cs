using System;
using System.Linq;
using System.Text;

namespace Workflowy.Dashboard;

/// <summary>
/// A run: its actions, the graph with live states, the tasks, a timeline of attempts with the critical path, inputs
/// (redacted where marked), state history and the audit of actions on it.
/// </summary>
internal static class RunPage
{
    public static string Body(DashboardContext d, DashboardAccess access, RunView view)
    {
        var r = view.Detail;
        var p = d.Prefix;
        var api = p + "/api/runs/" + DashboardText.U(r.Workflow) + "/" + DashboardText.U(r.RunId);
        var html = new StringBuilder(16384);
        html.Append("<h1>").Append(DashboardText.H(r.WorkflowName)).Append(" <span class=\"run-id\">run ").Append(DashboardText.H(r.RunId)).Append("</span> ");
        HtmlLayout.State(html, r.Status);
        html.Append("</h1>\n<p class=\"meta\">").Append(DashboardText.H(r.Workflow)).Append(" · started ").Append(DashboardText.Time(r.StartedAt))
            .Append(" · ended ").Append(DashboardText.Time(r.EndedAt)).Append(" · ").Append(DashboardText.Duration(r.DurationMs))
            .Append(" · from ").Append(DashboardText.H(r.Source));
        if (r.RerunOf is { } of)
        {
            html.Append(" · rerun of <a href=\"").Append(DashboardText.H(RunsPage.RunHref(p, r.Workflow, of))).Append("\">").Append(DashboardText.H(of)).Append("</a>");
        }

        html.Append("</p>\n");
        if (r.Error is { } error)
        {
            html.Append("<p class=\"error\">").Append(DashboardText.H(error)).Append("</p>\n");
        }

        if (access == DashboardAccess.Write)
        {
            html.Append("<div class=\"actions\">");
            if (r.Actions.Cancel)
            {
                HtmlLayout.Action(html, "Cancel run", api + "/cancel", r.Status, "Cancel run " + r.RunId + "?");
            }

            if (r.Actions.RetryFailed)
            {
                HtmlLayout.Action(html, "Retry failed", api + "/retry", r.Status);
            }

            if (r.Actions.Rerun)
            {
                HtmlLayout.Action(html, "Rerun as new", api + "/rerun", r.Status);
            }

            html.Append("</div>\n");
        }

        if (r.Actions.Note is { } note)
        {
            html.Append("<p class=\"note\">").Append(DashboardText.H(note)).Append("</p>\n");
        }

        html.Append("<section><h2>Graph</h2>\n<figure class=\"graph\">");
        html.Append(view.Svg ?? "<p class=\"empty\">This workflow is not one of this program's: no graph.</p>");
        html.Append("</figure></section>\n");

        html.Append("<section><h2>Tasks</h2>\n<table class=\"tasks\"><thead><tr><th>Task</th><th>State</th><th>Attempts</th><th>Started</th><th>Duration</th><th>Next retry</th><th>Error</th>");
        var retryFrom = access == DashboardAccess.Write && r.Actions.RetryFrom;
        if (retryFrom)
        {
            html.Append("<th><span class=\"sr-only\">Actions</span></th>");
        }

        html.Append("</tr></thead><tbody>\n");
        foreach (var t in r.Tasks)
        {
            html.Append("<tr data-task-row=\"").Append(DashboardText.H(t.Name)).Append("\" data-state=\"").Append(t.State).Append("\"><td><a href=\"")
                .Append(DashboardText.H(RunsPage.RunHref(p, r.Workflow, r.RunId) + "/tasks/" + DashboardText.U(t.Name))).Append("\">").Append(DashboardText.H(t.Name)).Append("</a></td><td>");
            HtmlLayout.State(html, t.State);
            html.Append("</td><td>").Append(DashboardText.Int(t.Attempts)).Append("</td><td>").Append(DashboardText.Time(t.StartedAt)).Append("</td><td>")
                .Append(DashboardText.Duration(t.DurationMs)).Append("</td><td>").Append(t.NextAttemptAt is { } next ? DashboardText.Time(next) : "–").Append("</td><td class=\"error\">")
                .Append(DashboardText.H(t.Error)).Append("</td>");
            if (retryFrom)
            {
                html.Append("<td>");
                HtmlLayout.Action(html, "Retry from here", api + "/tasks/" + DashboardText.U(t.Name) + "/retry", r.Status, null, "Retry from " + t.Name);
                html.Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody></table></section>\n");

        html.Append("<section><h2>Timeline</h2>\n");
        Timeline(html, r, d.Monitor.Now);
        html.Append("</section>\n");

        html.Append("<section class=\"two\"><div><h2>Inputs</h2>\n");
        if (r.Inputs.Count == 0)
        {
            HtmlLayout.Empty(html, "No inputs recorded.");
        }
        else
        {
            html.Append("<table><thead><tr><th>Input</th><th>Type</th><th>Value</th></tr></thead><tbody>\n");
            foreach (var input in r.Inputs)
            {
                html.Append("<tr><td>").Append(DashboardText.H(input.Name)).Append("</td><td><code>").Append(DashboardText.H(input.Type)).Append("</code></td><td>")
                    .Append(input.Redacted ? "<span class=\"redacted\">*** (redacted)</span>" : "<code>" + DashboardText.H(input.ValueJson) + "</code>").Append("</td></tr>\n");
            }

            html.Append("</tbody></table>\n");
        }

        html.Append("</div><div><h2>Audit</h2>\n");
        if (r.Audit.Count == 0)
        {
            HtmlLayout.Empty(html, "No actions on this run from the dashboard.");
        }
        else
        {
            html.Append("<table class=\"audit\"><thead><tr><th>When</th><th>Who</th><th>Action</th><th>Outcome</th></tr></thead><tbody>\n");
            foreach (var a in r.Audit)
            {
                html.Append("<tr><td>").Append(DashboardText.Time(a.At)).Append("</td><td>").Append(DashboardText.H(a.Who)).Append("</td><td>").Append(DashboardText.H(a.Action))
                    .Append(a.Task is null ? string.Empty : " " + DashboardText.H(a.Task)).Append("</td><td>").Append(DashboardText.Int(a.Status)).Append(' ').Append(DashboardText.H(a.Outcome)).Append("</td></tr>\n");
            }

            html.Append("</tbody></table>\n");
        }

        html.Append("</div></section>\n<section><h2>State history</h2>\n");
        if (r.History.Count == 0)
        {
            HtmlLayout.Empty(html, r.Source == "store" ? "The store keeps each task's last state only (above); the history is kept for runs of this process." : "No state changes yet.");
        }
        else
        {
            html.Append("<table class=\"history\"><thead><tr><th>When</th><th>Task</th><th>From</th><th>To</th><th>Attempt</th><th>Error</th></tr></thead><tbody>\n");
            foreach (var h in r.History.Reverse().Take(200))
            {
                html.Append("<tr><td>").Append(DashboardText.Time(h.At)).Append("</td><td>").Append(DashboardText.H(h.Task)).Append("</td><td>").Append(DashboardText.H(h.From)).Append("</td><td>");
                HtmlLayout.State(html, h.To);
                html.Append("</td><td>").Append(DashboardText.Int(h.Attempt)).Append("</td><td class=\"error\">").Append(DashboardText.H(h.Error)).Append("</td></tr>\n");
            }

            html.Append("</tbody></table>\n");
        }

        html.Append("</section>\n");
        return html.ToString();
    }

    /// <summary>A Gantt chart of attempts as SVG; the critical path is outlined and starred.</summary>
    private static void Timeline(StringBuilder html, RunDetailJson r, DateTimeOffset now)
    {
        if (r.Timeline.Count == 0)
        {
            HtmlLayout.Empty(html, "No attempt has started yet.");
            return;
        }

        const double width = 760, labelWidth = 170, row = 24, top = 8, right = 40;
        var rows = r.Timeline.Select(static b => b.Task).Distinct().ToList();
        var start = r.Timeline.Min(static b => b.Start);
        var end = r.Timeline.Max(b => b.End ?? now);
        var span = Math.Max(1, (end - start).TotalMilliseconds);
        var scale = (width - labelWidth - right) / span;
        var height = top + (rows.Count * row) + 22;
        html.Append("<svg class=\"timeline\" role=\"img\" aria-labelledby=\"tl-title\" viewBox=\"0 0 ").Append(DashboardText.Num(width)).Append(' ').Append(DashboardText.Num(height))
            .Append("\" width=\"").Append(DashboardText.Num(width)).Append("\" height=\"").Append(DashboardText.Num(height)).Append("\"><title id=\"tl-title\">Attempts over time; the critical path is starred</title>\n");
        for (var i = 0; i < rows.Count; i++)
        {
            var critical = r.CriticalPath.Contains(rows[i]);
            html.Append("<text class=\"tl-label\" x=\"4\" y=\"").Append(DashboardText.Num(top + (i * row) + 16)).Append("\">").Append(critical ? "★ " : string.Empty)
                .Append(DashboardText.H(rows[i])).Append("</text>\n");
        }

        foreach (var bar in r.Timeline)
        {
            var y = top + (rows.IndexOf(bar.Task) * row) + 4;
            var x = labelWidth + ((bar.Start - start).TotalMilliseconds * scale);
            var w = Math.Max(4, ((bar.End ?? now) - bar.Start).TotalMilliseconds * scale);
            var labelLeft = x + w + 40 > width;
            var state = bar.Outcome.StartsWith("failed", StringComparison.Ordinal) ? "failed" : bar.Outcome;
            html.Append("<g class=\"tl-bar").Append(bar.Critical ? " critical" : string.Empty).Append("\" data-state=\"").Append(DashboardText.H(state)).Append("\"><title>")
                .Append(DashboardText.H(bar.Task + " attempt " + DashboardText.Int(bar.Attempt) + ": " + bar.Outcome + ", " + DashboardText.Duration(((bar.End ?? now) - bar.Start).TotalMilliseconds) + (bar.Critical ? " (critical path)" : string.Empty)))
                .Append("</title><rect x=\"").Append(DashboardText.Num(x)).Append("\" y=\"").Append(DashboardText.Num(y)).Append("\" width=\"").Append(DashboardText.Num(w))
                .Append("\" height=\"16\" rx=\"3\"/><text").Append(labelLeft ? " text-anchor=\"end\"" : string.Empty).Append(" x=\"").Append(DashboardText.Num(labelLeft ? x - 4 : x + w + 4)).Append("\" y=\"").Append(DashboardText.Num(y + 12)).Append("\">")
                .Append(DashboardText.Glyph(state)).Append(' ').Append(DashboardText.Int(bar.Attempt)).Append("</text></g>\n");
        }

        html.Append("<text class=\"axis-label\" x=\"").Append(DashboardText.Num(labelWidth)).Append("\" y=\"").Append(DashboardText.Num(height - 4)).Append("\">0</text>")
            .Append("<text class=\"axis-label\" text-anchor=\"end\" x=\"").Append(DashboardText.Num(width - 10)).Append("\" y=\"").Append(DashboardText.Num(height - 4)).Append("\">")
            .Append(DashboardText.H(DashboardText.Duration(span))).Append("</text></svg>\n");
        if (r.CriticalPath.Count > 0)
        {
            html.Append("<p class=\"legend\">Critical path (★): ").Append(DashboardText.H(string.Join(" → ", r.CriticalPath))).Append("</p>\n");
        }
    }
}
