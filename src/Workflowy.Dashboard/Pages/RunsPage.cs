using System.Text;

namespace Workflowy.Dashboard;

/// <summary>The runs: a filter form (workflow, state, time, id), a page of runs, the next-page link, bulk actions.</summary>
internal static class RunsPage
{
    private static readonly string[] States = ["running", "completed", "failed", "cancelled"];

    public static string RunHref(string prefix, string workflow, string runId) => prefix + "/runs/" + DashboardText.U(workflow) + "/" + DashboardText.U(runId);

    public static string Body(DashboardContext d, DashboardAccess access, RunListJson list)
    {
        var html = new StringBuilder(8192);
        var p = d.Prefix;
        var f = list.Filter;
        html.Append("<h1>Runs</h1>\n<form class=\"filters\" method=\"get\" action=\"").Append(DashboardText.H(p)).Append("/runs\">\n")
            .Append("<label>Workflow <select name=\"workflow\"><option value=\"\">all</option>");
        foreach (var definition in WorkflowCatalog.All)
        {
            html.Append("<option value=\"").Append(DashboardText.H(definition.FullName)).Append('"').Append(definition.FullName == f.Workflow ? " selected" : string.Empty)
                .Append('>').Append(DashboardText.H(definition.Name)).Append("</option>");
        }

        html.Append("</select></label>\n<label>State <select name=\"state\"><option value=\"\">all</option>");
        foreach (var state in States)
        {
            html.Append("<option value=\"").Append(state).Append('"').Append(state == f.State ? " selected" : string.Empty).Append('>').Append(state).Append("</option>");
        }

        html.Append("</select></label>\n<label>Started from (UTC) <input type=\"datetime-local\" name=\"from\" value=\"").Append(Local(f.From)).Append("\"></label>\n")
            .Append("<label>to <input type=\"datetime-local\" name=\"to\" value=\"").Append(Local(f.To)).Append("\"></label>\n")
            .Append("<label>Run id <input type=\"search\" name=\"id\" value=\"").Append(DashboardText.H(f.Id)).Append("\" placeholder=\"part of an id\"></label>\n")
            .Append("<button type=\"submit\">Apply</button></form>\n<div id=\"runs-list\" data-live-part>\n");

        foreach (var message in list.Unreadable)
        {
            html.Append("<p class=\"error\">Unreadable run: ").Append(DashboardText.H(message)).Append("</p>\n");
        }

        if (list.Runs.Count == 0)
        {
            HtmlLayout.Empty(html, list.HasStore ? "No runs match." : "No runs match (the runner has no store: only runs of this process are listed).");
            return html.Append("</div>\n").ToString();
        }

        var write = access == DashboardAccess.Write;
        if (write)
        {
            html.Append("<div class=\"bulk\" data-bulk-url=\"").Append(DashboardText.H(p)).Append("/api/runs/bulk\">")
                .Append("<button type=\"button\" data-bulk=\"cancel\">Cancel selected</button> ")
                .Append("<button type=\"button\" data-bulk=\"retry\">Retry selected failed</button></div>\n");
        }

        html.Append("<table class=\"runs\"><thead><tr>");
        if (write)
        {
            html.Append("<th><span class=\"sr-only\">Select</span></th>");
        }

        html.Append("<th>Run</th><th>Workflow</th><th>State</th><th>Started</th><th>Duration</th><th>Tasks</th></tr></thead><tbody>\n");
        foreach (var run in list.Runs)
        {
            html.Append("<tr data-run=\"").Append(DashboardText.H(run.RunId)).Append("\" data-state=\"").Append(run.Status).Append("\">");
            if (write)
            {
                html.Append("<td><input type=\"checkbox\" class=\"pick\" aria-label=\"Select run ").Append(DashboardText.H(run.RunId))
                    .Append("\" data-workflow=\"").Append(DashboardText.H(run.Workflow)).Append("\" data-run=\"").Append(DashboardText.H(run.RunId))
                    .Append("\" data-expected=\"").Append(run.Status).Append("\"></td>");
            }

            html.Append("<td><a href=\"").Append(DashboardText.H(RunHref(p, run.Workflow, run.RunId))).Append("\">").Append(DashboardText.H(run.RunId)).Append("</a>")
                .Append(run.InThisProcess ? " <span class=\"badge\" title=\"running or ran in this process\">here</span>" : string.Empty).Append("</td><td>")
                .Append(DashboardText.H(Short(run.Workflow))).Append("</td><td>");
            HtmlLayout.State(html, run.Status);
            html.Append("</td><td>").Append(DashboardText.Time(run.StartedAt)).Append("</td><td>").Append(DashboardText.Duration(run.DurationMs)).Append("</td><td>")
                .Append(Counts(run.Tasks)).Append("</td></tr>\n");
        }

        html.Append("</tbody></table>\n");
        if (list.Continuation is { } next)
        {
            html.Append("<p><a class=\"next\" href=\"").Append(DashboardText.H(p)).Append("/runs?")
                .Append(Query(f)).Append("continuation=").Append(DashboardText.H(DashboardText.U(next))).Append("\">Next page →</a></p>\n");
        }

        return html.Append("</div>\n").ToString();
    }

    private static string Query(RunFilterJson f)
    {
        var q = new StringBuilder();
        Add("workflow", f.Workflow);
        Add("state", f.State);
        Add("from", f.From is { } from ? DashboardText.Iso(from) : null);
        Add("to", f.To is { } to ? DashboardText.Iso(to) : null);
        return DashboardText.H(q.ToString());

        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                q.Append(name).Append('=').Append(DashboardText.U(value)).Append('&');
            }
        }
    }

    private static string Local(System.DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", System.Globalization.CultureInfo.InvariantCulture) : string.Empty;

    public static string Short(string workflow)
    {
        var dot = workflow.LastIndexOf('.');
        return dot < 0 ? workflow : workflow[(dot + 1)..];
    }

    public static string Counts(TaskCountsJson c)
    {
        var parts = new StringBuilder();
        Part(c.Completed, "completed");
        Part(c.Failed, "failed");
        Part(c.Cancelled, "cancelled");
        Part(c.Skipped, "skipped");
        Part(c.NotTerminal, "not ended");
        return parts.Length == 0 ? "–" : parts.ToString();

        void Part(int count, string word)
        {
            if (count > 0)
            {
                parts.Append(parts.Length == 0 ? string.Empty : ", ").Append(DashboardText.Int(count)).Append(' ').Append(word);
            }
        }
    }
}
