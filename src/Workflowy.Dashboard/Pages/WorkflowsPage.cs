using System.Linq;
using System.Text;

namespace Workflowy.Dashboard;

/// <summary>The workflows: each graph, its tasks' policies, its schedules, and a trigger form made from its typed inputs.</summary>
internal static class WorkflowsPage
{
    public static string Body(DashboardContext d, DashboardAccess access, WorkflowListJson list, bool single)
    {
        var p = d.Prefix;
        var html = new StringBuilder(16384);
        html.Append("<h1>").Append(single && list.Workflows.Count == 1 ? DashboardText.H(list.Workflows[0].Name) : "Workflows").Append("</h1>\n");
        if (list.Workflows.Count == 0)
        {
            HtmlLayout.Empty(html, "This program has no workflows in its catalogue.");
            return html.ToString();
        }

        if (!single)
        {
            html.Append("<ul class=\"toc\">");
            foreach (var w in list.Workflows)
            {
                html.Append("<li><a href=\"#wf-").Append(DashboardText.H(w.FullName)).Append("\">").Append(DashboardText.H(w.Name)).Append("</a></li>");
            }

            html.Append("</ul>\n");
        }

        foreach (var w in list.Workflows)
        {
            var definition = DashboardData.Definition(w.FullName);
            html.Append("<section class=\"workflow\" id=\"wf-").Append(DashboardText.H(w.FullName)).Append("\"><h2><a href=\"").Append(DashboardText.H(p + "/workflows/" + DashboardText.U(w.FullName)))
                .Append("\">").Append(DashboardText.H(w.Name)).Append("</a> <span class=\"meta\">").Append(DashboardText.H(w.FullName)).Append("</span></h2>\n")
                .Append("<p><a href=\"").Append(DashboardText.H(p + "/runs?workflow=" + DashboardText.U(w.FullName))).Append("\">Its runs →</a></p>\n");
            if (definition is not null)
            {
                html.Append("<figure class=\"graph\">").Append(WorkflowRenderer.ToSvg(definition.Graph)).Append("</figure>\n");
            }

            html.Append("<div class=\"two\"><div><h3>Tasks and policies</h3><table class=\"policies\"><thead><tr><th>Task</th><th>After</th><th>Attempts</th><th>Backoff</th><th>Timeout</th><th>On dependency failure</th><th>Backend</th></tr></thead><tbody>\n");
            foreach (var t in w.Tasks)
            {
                html.Append("<tr><td>").Append(DashboardText.H(t.Name)).Append("</td><td>").Append(DashboardText.H(t.DependsOn.Count == 0 ? "–" : string.Join(", ", t.DependsOn))).Append("</td><td>")
                    .Append(DashboardText.Int(t.Policy.MaxAttempts)).Append("</td><td>").Append(t.Policy.Retries > 0 ? DashboardText.H(t.Policy.Backoff) + " " + DashboardText.Duration(t.Policy.BackoffBaseMs) : "–")
                    .Append("</td><td>").Append(t.Policy.TimeoutMs is { } timeout ? DashboardText.Duration(timeout) : "–").Append("</td><td>").Append(DashboardText.H(t.Policy.OnDependencyFailure))
                    .Append("</td><td>").Append(DashboardText.H(t.Policy.Backend)).Append("</td></tr>\n");
            }

            html.Append("</tbody></table></div><div><h3>Trigger now</h3>\n");
            Trigger(html, p, access, w);
            html.Append("<h3>Schedules</h3>\n");
            Schedules(html, w.Schedules, showWorkflow: false);
            html.Append("</div></div></section>\n");
        }

        return html.ToString();
    }

    private static void Trigger(StringBuilder html, string p, DashboardAccess access, WorkflowJson w)
    {
        if (!w.Startable)
        {
            HtmlLayout.Empty(html, "Not startable by name: the workflow has no [WorkflowSerialization] context.");
            return;
        }

        if (access != DashboardAccess.Write)
        {
            HtmlLayout.Empty(html, "Read-only: triggering is not available.");
            return;
        }

        var id = "t-" + Fnv(w.FullName);
        html.Append("<form class=\"trigger\" data-trigger=\"").Append(DashboardText.H(p + "/api/workflows/" + DashboardText.U(w.FullName) + "/trigger")).Append("\" aria-label=\"Trigger ")
            .Append(DashboardText.H(w.Name)).Append("\">\n");
        foreach (var input in w.Inputs)
        {
            var field = id + "-" + DashboardText.H(input.Name);
            html.Append("<div class=\"field\"><label for=\"").Append(field).Append("\">").Append(DashboardText.H(input.Name)).Append(" <code>").Append(DashboardText.H(input.Type)).Append("</code></label>");
            var common = " id=\"" + field + "\" name=\"" + DashboardText.H(input.Name) + "\" data-kind=\"" + input.Kind + "\" data-nullable=\"" + (input.Nullable ? "true" : "false") + "\"";
            switch (input.Kind)
            {
                case "integer":
                    html.Append("<input type=\"number\" step=\"1\"").Append(common).Append(input.Nullable ? string.Empty : " required").Append('>');
                    break;
                case "number":
                    html.Append("<input type=\"number\" step=\"any\"").Append(common).Append(input.Nullable ? string.Empty : " required").Append('>');
                    break;
                case "boolean":
                    html.Append("<input type=\"checkbox\"").Append(common).Append('>');
                    break;
                case "string":
                    html.Append("<input type=\"").Append(input.Redacted ? "password" : "text").Append('"').Append(common).Append(" autocomplete=\"off\">");
                    break;
                default:
                    html.Append("<textarea rows=\"3\"").Append(common).Append(" placeholder=\"JSON\"></textarea>");
                    break;
            }

            html.Append("</div>\n");
        }

        if (w.Inputs.Count == 0)
        {
            html.Append("<p class=\"note\">No inputs.</p>\n");
        }

        html.Append("<div class=\"field\"><label for=\"").Append(id).Append("-runid\">run id <span class=\"note\">(optional)</span></label><input type=\"text\" id=\"").Append(id)
            .Append("-runid\" name=\"__runId\" data-kind=\"runid\"></div>\n<button type=\"submit\">Trigger ").Append(DashboardText.H(w.Name)).Append("</button>\n</form>\n");
    }

    public static void Schedules(StringBuilder html, SchedulesJson schedules, bool showWorkflow)
    {
        if (!schedules.Configured)
        {
            HtmlLayout.Empty(html, "No scheduler configured.");
            return;
        }

        if (schedules.Error is { } error)
        {
            html.Append("<p class=\"error\">The schedule source failed: ").Append(DashboardText.H(error)).Append("</p>\n");
            return;
        }

        if (schedules.Schedules.Count == 0)
        {
            HtmlLayout.Empty(html, "No schedules.");
            return;
        }

        html.Append("<table class=\"schedules\"><thead><tr>").Append(showWorkflow ? "<th>Workflow</th>" : string.Empty).Append("<th>Schedule</th><th>When</th><th>Next</th><th>Last</th></tr></thead><tbody>\n");
        foreach (var s in schedules.Schedules.Take(50))
        {
            html.Append("<tr>");
            if (showWorkflow)
            {
                html.Append("<td>").Append(DashboardText.H(RunsPage.Short(s.Workflow))).Append("</td>");
            }

            html.Append("<td>").Append(DashboardText.H(s.Name)).Append("</td><td><code>").Append(DashboardText.H(s.Expression)).Append("</code></td><td>")
                .Append(s.Paused ? "⏸ paused" : DashboardText.Time(s.NextOccurrence)).Append("</td><td>").Append(DashboardText.Time(s.LastOccurrence)).Append("</td></tr>\n");
        }

        html.Append("</tbody></table>\n");
    }

    private static string Fnv(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
    }
}
