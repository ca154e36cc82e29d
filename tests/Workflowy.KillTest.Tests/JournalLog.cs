using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Workflowy.KillTest.Tests;

/// <summary>One line of the app's journal: <c>start|end|effect &lt;task&gt; &lt;pid&gt;</c>, <c>process|done &lt;pid&gt;</c>.</summary>
internal sealed record JournalLine(int Index, string Kind, string? Task, int Pid)
{
    public override string ToString() => Task is null ? $"{Index,4}: {Kind} {Pid}" : $"{Index,4}: {Kind} {Task} {Pid}";
}

/// <summary>Reads the journal: complete lines only (a line cut short by a kill has no newline and is left out).</summary>
internal static class JournalLog
{
    public static IReadOnlyList<JournalLine> Read(string path)
    {
        if (!File.Exists(path))
        {
            return Array.Empty<JournalLine>();
        }

        string text;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        using (var reader = new StreamReader(stream, Encoding.UTF8))
        {
            text = reader.ReadToEnd();
        }

        var lines = new List<JournalLine>();
        var complete = text.LastIndexOf('\n') is var last and >= 0 ? text[..(last + 1)] : string.Empty;
        foreach (var raw in complete.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = raw.Split(' ');
            var line = parts switch
            {
                ["start" or "end" or "effect", var task, var pid] => new JournalLine(lines.Count, parts[0], task, int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture)),
                ["process" or "done", var pid] => new JournalLine(lines.Count, parts[0], null, int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture)),
                _ => throw new InvalidDataException($"Unexpected journal line {lines.Count}: '{raw}' in {path}"),
            };
            lines.Add(line);
        }

        return lines;
    }

    /// <summary>The last <paramref name="count"/> lines, for failure messages.</summary>
    public static string Excerpt(IReadOnlyList<JournalLine> lines, int count = 80) =>
        string.Join(Environment.NewLine, lines.Skip(Math.Max(0, lines.Count - count)));
}
