using System.Text;

namespace Workflowy.Dashboard;

/// <summary>
/// The page around every view: one style sheet and one script, both embedded and served from the dashboard's own path
/// (the CSP allows nothing else), the CSRF token in a meta element for write access, and the live region the script
/// refreshes when the event stream says something changed.
/// </summary>
internal static class HtmlLayout
{
    public static string Page(DashboardContext d, DashboardAccess access, string title, string active, LiveScope live, string body)
    {
        var p = DashboardText.H(d.Prefix);
        var html = new StringBuilder(body.Length + 2048);
        html.Append("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<title>").Append(DashboardText.H(title)).Append(" · ").Append(DashboardText.H(d.Options.Title)).Append("</title>\n")
            .Append("<meta name=\"workflowy-base\" content=\"").Append(p).Append("\">\n");
        if (access == DashboardAccess.Write)
        {
            html.Append("<meta name=\"workflowy-csrf\" content=\"").Append(DashboardText.H(d.CsrfToken)).Append("\">\n");
        }

        html.Append("<link rel=\"stylesheet\" href=\"").Append(p).Append("/assets/dashboard.css\">\n")
            .Append("<script src=\"").Append(p).Append("/assets/dashboard.js\" defer></script>\n")
            .Append("</head>\n<body data-access=\"").Append(access == DashboardAccess.Write ? "write" : "read").Append("\">\n")
            .Append("<header class=\"top\"><a class=\"brand\" href=\"").Append(p).Append("/\">").Append(DashboardText.H(d.Options.Title)).Append("</a>\n<nav>");
        Nav(html, p + "/", "Overview", active == "overview");
        Nav(html, p + "/runs", "Runs", active == "runs");
        Nav(html, p + "/workflows", "Workflows", active == "workflows");
        html.Append("</nav>\n<span id=\"live-status\" class=\"live-status\" data-state=\"connecting\">○ connecting</span>");
        if (access != DashboardAccess.Write)
        {
            html.Append("<span class=\"badge read-only\">read-only</span>");
        }

        html.Append("</header>\n<div id=\"flash\" class=\"flash\" role=\"status\" aria-live=\"polite\"></div>\n")
            .Append("<main id=\"main\" data-live=\"").Append(DashboardText.H(live.Kind)).Append('"');
        if (live.Workflow is not null)
        {
            html.Append(" data-workflow=\"").Append(DashboardText.H(live.Workflow)).Append('"');
        }

        if (live.RunId is not null)
        {
            html.Append(" data-run=\"").Append(DashboardText.H(live.RunId)).Append('"');
        }

        if (live.Task is not null)
        {
            html.Append(" data-task=\"").Append(DashboardText.H(live.Task)).Append('"');
        }

        html.Append(">\n").Append(body).Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static void Nav(StringBuilder html, string href, string text, bool current)
    {
        html.Append("<a href=\"").Append(href).Append('"');
        if (current)
        {
            html.Append(" aria-current=\"page\"");
        }

        html.Append('>').Append(text).Append("</a>");
    }

    /// <summary>A state as a badge: its glyph and its word (never colour alone), and <c>data-state</c> for the style.</summary>
    public static void State(StringBuilder html, string state)
    {
        var s = DashboardText.H(state);
        html.Append("<span class=\"state\" data-state=\"").Append(s).Append("\"><span class=\"glyph\" aria-hidden=\"true\">")
            .Append(DashboardText.Glyph(state)).Append("</span> ").Append(s).Append("</span>");
    }

    /// <summary>An action button; the script posts it with the CSRF token, the expected state and a request id.</summary>
    public static void Action(StringBuilder html, string label, string url, string expected, string? confirm = null, string? name = null)
    {
        html.Append("<button type=\"button\" class=\"action\" data-action=\"").Append(DashboardText.H(url))
            .Append("\" data-expected=\"").Append(DashboardText.H(expected)).Append('"');
        if (confirm is not null)
        {
            html.Append(" data-confirm=\"").Append(DashboardText.H(confirm)).Append('"');
        }

        if (name is not null)
        {
            html.Append(" aria-label=\"").Append(DashboardText.H(name)).Append('"');
        }

        html.Append('>').Append(DashboardText.H(label)).Append("</button>");
    }

    public static void Empty(StringBuilder html, string text) => html.Append("<p class=\"empty\">").Append(DashboardText.H(text)).Append("</p>\n");
}

/// <summary>What a page shows, so the script knows which live events concern it.</summary>
internal sealed record LiveScope(string Kind, string? Workflow = null, string? RunId = null, string? Task = null);
