using System;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Workflowy.Dashboard;

/// <summary>How states, statuses, times and any value become text, and text becomes HTML (always escaped).</summary>
internal static class DashboardText
{
    public static string State(TaskState state) => state switch
    {
        TaskState.Pending => "pending",
        TaskState.Ready => "ready",
        TaskState.Running => "running",
        TaskState.Retrying => "retrying",
        TaskState.Completed => "completed",
        TaskState.Failed => "failed",
        TaskState.Cancelled => "cancelled",
        TaskState.Skipped => "skipped",
        _ => "unknown",
    };

    /// <summary>A glyph per state, shown beside its word (state is never told by colour alone).</summary>
    public static string Glyph(string state) => state switch
    {
        "pending" => "○",
        "ready" => "◔",
        "running" => "▶",
        "retrying" => "↻",
        "completed" => "✓",
        "failed" => "✗",
        "cancelled" => "⊘",
        "skipped" => "–",
        _ => "?",
    };

    public static string Status(RunStatus status) => status switch
    {
        RunStatus.Running => "running",
        RunStatus.Completed => "completed",
        RunStatus.Failed => "failed",
        RunStatus.Cancelled => "cancelled",
        _ => "unknown",
    };

    public static RunStatus? ParseStatus(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "running" => RunStatus.Running,
        "completed" => RunStatus.Completed,
        "failed" => RunStatus.Failed,
        "cancelled" => RunStatus.Cancelled,
        _ => null,
    };

    /// <summary>HTML-escapes any text (element content and attribute values alike).</summary>
    public static string H(string? text) => text is null ? string.Empty : HtmlEncoder.Default.Encode(text);

    /// <summary>Escapes a path segment of a dashboard URL.</summary>
    public static string U(string text) => Uri.EscapeDataString(text);

    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "Z" : "–";

    /// <summary>A time of day to the millisecond, for log lines.</summary>
    public static string Clock(DateTimeOffset time) => time.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Duration(double? milliseconds)
    {
        if (milliseconds is not { } ms)
        {
            return "–";
        }

        var span = TimeSpan.FromMilliseconds(ms);
        return ms < 1 ? "< 1 ms"
            : ms < 10 ? ms.ToString("0.#", CultureInfo.InvariantCulture) + " ms"
            : span.TotalSeconds < 1 ? Int((int)ms) + " ms"
            : span.TotalMinutes < 1 ? span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"
            : span.TotalHours < 1 ? Int((int)span.TotalMinutes) + " min " + Int(span.Seconds) + " s"
            : Int((int)span.TotalHours) + " h " + Int(span.Minutes) + " min";
    }

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Num(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    /// <summary>The text cut to <paramref name="max"/> characters; whether it was cut.</summary>
    public static (string Text, bool Cut) Cap(string text, int max) =>
        text.Length <= max ? (text, false) : (text[..max], true);

    public static string FirstLine(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }

    public static void Append(StringBuilder html, string? text) => html.Append(H(text));
}

/// <summary>The status of a run object of this process (as the CLI reads it).</summary>
internal static class RunStates
{
    public static RunStatus Of(WorkflowRun run)
    {
        if (!run.HasEnded)
        {
            return RunStatus.Running;
        }

        // RunEnded is raised before the last checkpoint completes the run: the failure and the tasks say as much.
        var completion = run.Completion;
        if (completion.IsCanceled || run.Failure is OperationCanceledException)
        {
            return RunStatus.Cancelled;
        }

        if (completion.IsFaulted || run.Failure is not null)
        {
            return RunStatus.Failed;
        }

        foreach (var task in run.Tasks)
        {
            if (task.State == TaskState.Failed)
            {
                return RunStatus.Failed;
            }
        }

        foreach (var task in run.Tasks)
        {
            if (task.State == TaskState.Cancelled)
            {
                return RunStatus.Cancelled;
            }
        }

        return RunStatus.Completed;
    }
}
