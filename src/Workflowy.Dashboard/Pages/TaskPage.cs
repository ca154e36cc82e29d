using System.Text;

namespace Workflowy.Dashboard;

/// <summary>
/// A task of a run: its attempts, the exception with its throughline, the retry policy with the next retry, the
/// size-capped output, and the live tail of its log lines.
/// </summary>
internal static class TaskPage
{
    public static string Body(DashboardContext d, DashboardAccess access, TaskDetailJson t, string runStatus)
    {
        var p = d.Prefix;
        var runHref = RunsPage.RunHref(p, t.Workflow, t.RunId);
        var html = new StringBuilder(8192);
        html.Append("<p class=\"crumbs\"><a href=\"").Append(DashboardText.H(runHref)).Append("\">← run ").Append(DashboardText.H(t.RunId)).Append("</a> of ")
            .Append(DashboardText.H(t.Workflow)).Append("</p>\n<h1>").Append(DashboardText.H(t.Task)).Append(' ');
        HtmlLayout.State(html, t.State);
        html.Append("</h1>\n");
        if (access == DashboardAccess.Write && t.CanRetryFrom)
        {
            html.Append("<div class=\"actions\">");
            HtmlLayout.Action(html, "Retry from this task", p + "/api/runs/" + DashboardText.U(t.Workflow) + "/" + DashboardText.U(t.RunId) + "/tasks/" + DashboardText.U(t.Task) + "/retry", runStatus);
            html.Append(" <span class=\"note\">runs again: ").Append(DashboardText.H(string.Join(", ", t.Downstream))).Append("</span></div>\n");
        }

        html.Append("<section class=\"two\"><div><h2>Attempts</h2>\n");
        if (t.Attempts.Count == 0)
        {
            HtmlLayout.Empty(html, "No attempt recorded.");
        }
        else
        {
            html.Append("<table><thead><tr><th>#</th><th>Started</th><th>Ended</th><th>Outcome</th><th>Error</th></tr></thead><tbody>\n");
            foreach (var a in t.Attempts)
            {
                html.Append("<tr><td>").Append(DashboardText.Int(a.Number)).Append("</td><td>").Append(DashboardText.Time(a.StartedAt)).Append("</td><td>").Append(DashboardText.Time(a.EndedAt))
                    .Append("</td><td>").Append(DashboardText.H(a.Outcome)).Append("</td><td class=\"error\">").Append(DashboardText.H(a.Error)).Append("</td></tr>\n");
            }

            html.Append("</tbody></table>\n");
        }

        html.Append("</div><div><h2>Retry policy</h2>\n");
        if (t.Policy is { } policy)
        {
            html.Append("<dl class=\"policy\"><dt>Attempts at most</dt><dd>").Append(DashboardText.Int(policy.MaxAttempts)).Append(" (").Append(DashboardText.Int(policy.Retries)).Append(" retries)</dd>")
                .Append("<dt>Backoff</dt><dd>").Append(policy.Retries == 0 ? "– (no retries)" : DashboardText.H(policy.Backoff) + ", base " + DashboardText.Duration(policy.BackoffBaseMs) + ", cap "
                    + DashboardText.Duration(policy.BackoffCapMs) + ", jitter " + DashboardText.Num(policy.Jitter)).Append("</dd>")
                .Append("<dt>Timeout per attempt</dt><dd>").Append(policy.TimeoutMs is { } timeout ? DashboardText.Duration(timeout) : "none").Append("</dd>")
                .Append("<dt>On dependency failure</dt><dd>").Append(DashboardText.H(policy.OnDependencyFailure)).Append("</dd>")
                .Append("<dt>Backend</dt><dd>").Append(DashboardText.H(policy.Backend)).Append("</dd>")
                .Append("<dt>Next retry</dt><dd class=\"next-retry\">").Append(t.NextAttemptAt is { } next ? DashboardText.Time(next) + " (in " + DashboardText.Duration((next - d.Monitor.Now).TotalMilliseconds) + ")" : "–").Append("</dd></dl>\n");
        }
        else
        {
            HtmlLayout.Empty(html, "Not a task of this program's workflows: no policy known.");
        }

        html.Append("</div></section>\n<section><h2>Exception</h2>\n");
        if (t.Exception is { } ex)
        {
            html.Append("<p class=\"exception\"><code>").Append(DashboardText.H(ex.Type)).Append("</code>: <span class=\"message\">").Append(DashboardText.H(ex.Message)).Append("</span></p>\n");
            if (ex.Throughline.Count > 0)
            {
                html.Append("<p>Throughline:</p><ol class=\"throughline\">");
                foreach (var frame in ex.Throughline)
                {
                    html.Append("<li>").Append(DashboardText.H(frame)).Append("</li>");
                }

                html.Append("</ol>\n");
            }

            html.Append("<details><summary>Details").Append(ex.DetailCut ? " (cut)" : string.Empty).Append("</summary><pre>").Append(DashboardText.H(ex.Detail)).Append("</pre></details>\n");
        }
        else if (t.StoredError is { } stored)
        {
            html.Append("<pre class=\"exception\">").Append(DashboardText.H(stored)).Append("</pre>\n");
        }
        else
        {
            HtmlLayout.Empty(html, "None.");
        }

        html.Append("</section>\n<section><h2>Output</h2>\n");
        if (t.Output is { } output)
        {
            html.Append("<pre class=\"output\">").Append(DashboardText.H(output)).Append("</pre>\n");
            if (t.OutputCut)
            {
                html.Append("<p class=\"note\">Cut at ").Append(DashboardText.Int(d.Options.MaxOutputChars)).Append(" characters.</p>\n");
            }
        }
        else
        {
            HtmlLayout.Empty(html, t.State == "completed" ? "No result (or none that crosses as JSON)." : "No result: the task has not completed.");
        }

        html.Append("</section>\n<section><h2>Log</h2>\n");
        if (!t.LogsCaptured)
        {
            HtmlLayout.Empty(html, "Log lines are not captured: register the dashboard with services.AddWorkflowyDashboard() (it adds the logger provider).");
        }
        else if (t.Logs.Count == 0)
        {
            HtmlLayout.Empty(html, "No log lines from this task yet.");
        }
        else
        {
            html.Append("<pre class=\"log\" id=\"log\">");
            foreach (var line in t.Logs)
            {
                html.Append("<span class=\"line\" data-level=\"").Append(DashboardText.H(line.Level)).Append("\">").Append(DashboardText.Clock(line.At)).Append(' ')
                    .Append(DashboardText.H(line.Level)).Append(' ').Append(DashboardText.H(line.Category)).Append(": ").Append(DashboardText.H(line.Message)).Append("</span>\n");
            }

            html.Append("</pre>\n");
        }

        html.Append("</section>\n");
        return html.ToString();
    }
}
