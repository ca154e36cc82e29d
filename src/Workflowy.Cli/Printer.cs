using System;
using System.Globalization;
using System.IO;
using Spectre.Console;

namespace Workflowy.Cli;

/// <summary>
/// Writes lines of text, styled through Spectre.Console markup on a terminal, plain otherwise. Callers build a line
/// from <see cref="Esc"/> (plain text) and <see cref="Style"/> (styled text), so one piece of code writes both.
/// </summary>
internal sealed class Printer
{
    private readonly IAnsiConsole? _console;
    private readonly TextWriter _out;

    public Printer(TextWriter @out, IAnsiConsole? console, int width)
    {
        _out = @out;
        _console = console;
        Width = width;
    }

    /// <summary>Whether lines are markup for a terminal.</summary>
    public bool Styled => _console is not null;

    /// <summary>Columns available.</summary>
    public int Width { get; }

    /// <summary>Whether the terminal can show Unicode box and block characters.</summary>
    public bool Unicode => _console?.Profile.Capabilities.Unicode ?? true;

    /// <summary>Plain text as part of a line.</summary>
    public string Esc(string text) => Styled ? Markup.Escape(text) : text;

    /// <summary>Text in a style (Spectre style names: <c>green</c>, <c>bold red</c>, <c>dim</c>).</summary>
    public string Style(string text, string style) => Styled && text.Length > 0 ? $"[{style}]{Markup.Escape(text)}[/]" : text;

    /// <summary>Writes a line.</summary>
    public void Line(string content = "")
    {
        if (_console is not null)
        {
            _console.MarkupLine(content);
        }
        else
        {
            _out.WriteLine(content);
        }
    }

    /// <summary>The style of a task state.</summary>
    public static string StyleOf(TaskState? state) => state switch
    {
        TaskState.Completed => "green",
        TaskState.Failed => "red",
        TaskState.Running => "blue",
        TaskState.Retrying => "darkorange",
        TaskState.Cancelled => "grey",
        TaskState.Skipped => "grey",
        _ => "dim",
    };

    /// <summary>The style of a run status.</summary>
    public static string StyleOf(RunStatus? status) => status switch
    {
        RunStatus.Completed => "bold green",
        RunStatus.Failed => "bold red",
        RunStatus.Cancelled => "bold grey",
        RunStatus.Running => "bold blue",
        _ => "dim",
    };

    /// <summary>A duration for people: <c>12 ms</c>, <c>1.23 s</c>, <c>2m 03s</c>, <c>1h 02m</c>.</summary>
    public static string Duration(TimeSpan? duration)
    {
        if (duration is not { } d)
        {
            return "-";
        }

        if (d < TimeSpan.Zero)
        {
            d = TimeSpan.Zero;
        }

        return d.TotalSeconds switch
        {
            < 1 => string.Create(CultureInfo.InvariantCulture, $"{d.TotalMilliseconds:0} ms"),
            < 10 => string.Create(CultureInfo.InvariantCulture, $"{d.TotalSeconds:0.00} s"),
            < 60 => string.Create(CultureInfo.InvariantCulture, $"{d.TotalSeconds:0.0} s"),
            < 3600 => string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalMinutes}m {d.Seconds:00}s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalHours}h {d.Minutes:00}m"),
        };
    }

    /// <summary>A time for people, in UTC: <c>2026-11-23 18:20:02Z</c>.</summary>
    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    /// <summary>Text cut to <paramref name="max"/> characters with an ellipsis.</summary>
    public static string Cut(string text, int max)
    {
        text = text.ReplaceLineEndings(" ");
        return max <= 1 || text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");
    }

    /// <summary>The name of a state in lower case, as the summary shows it.</summary>
    public static string Name(TaskState? state) => state is { } s ? s.ToString().ToLowerInvariant() : "not recorded";
}
