using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Workflowy.Cli;

/// <summary>
/// Writes a <see cref="RunReport"/> for people: the run summary that ends <c>run</c>, <c>resume</c> and <c>rerun</c>
/// (tasks by state, duration, the slowest tasks, failures with their chain, the outcomes' results), and the fuller
/// view of <c>show</c> (every task with its state, attempts, duration and error).
/// </summary>
internal static class ReportPrinter
{
    private const int SlowestShown = 5;

    public static void Summary(Printer p, RunReport report, bool allTasks)
    {
        var rule = p.Unicode ? "─" : "-";
        var status = report.Status?.ToString() ?? "no status recorded";
        var exit = report.ExitCode is { } code && !allTasks ? string.Create(CultureInfo.InvariantCulture, $" (exit code {code})") : string.Empty;
        var title = $"{(allTasks ? "Run" : "Run summary")}: {ShortName(report.Workflow)} run {report.RunId}";
        p.Line($"{p.Style(rule + rule + " " + title + " ", "bold")}{p.Style(new string(rule[0], Math.Max(2, Math.Min(p.Width, 100) - title.Length - 4)), "dim")}");
        Field(p, "workflow", p.Esc(report.Workflow));
        Field(p, "status", p.Style(status, Printer.StyleOf(report.Status)) + p.Esc(exit));
        if (report.RerunOf is { } original)
        {
            Field(p, "rerun of", p.Esc(original));
        }

        if (allTasks || report.Source == "store")
        {
            Field(p, "started", p.Esc(Printer.Time(report.StartedAt)));
            Field(p, "ended", p.Esc(report.EndedAt is null ? "-" : Printer.Time(report.EndedAt)));
        }

        Field(p, "duration", p.Esc(Printer.Duration(report.Duration)));
        var counts = report.Counts();
        Field(p, "tasks", p.Esc(string.Create(CultureInfo.InvariantCulture, $"{report.Tasks.Count}: ")) + string.Join(
            p.Esc(", "),
            counts.Select(c => p.Style(string.Create(CultureInfo.InvariantCulture, $"{c.Count} {report.StateName(c.State)}"), Printer.StyleOf(c.State)))));
        var restored = report.Tasks.Where(static t => t.Restored).Select(static t => t.Name).ToList();
        if (restored.Count > 0)
        {
            Field(p, "restored", p.Esc($"{string.Join(", ", restored)} (completed in an earlier process)"));
        }

        if (report.RunError is { } runError)
        {
            Field(p, "run error", p.Style(Printer.Cut(runError, 300), "red"));
        }

        if (allTasks)
        {
            Tasks(p, report);
        }
        else
        {
            var slowest = report.Tasks.Where(static t => t.Duration is not null && !t.Restored)
                .OrderByDescending(static t => t.Duration)
                .Take(SlowestShown)
                .Select(t => p.Esc($"{t.Name} {Printer.Duration(t.Duration)}{(t.Attempts > 1 ? string.Create(CultureInfo.InvariantCulture, $" ({t.Attempts} attempts)") : string.Empty)}"))
                .ToList();
            if (slowest.Count > 0)
            {
                Field(p, "slowest", string.Join(p.Esc(", "), slowest));
            }
        }

        Failures(p, report);
        Results(p, report, allTasks);
    }

    private static void Tasks(Printer p, RunReport report)
    {
        if (report.Tasks.Count == 0)
        {
            return;
        }

        var nameWidth = Math.Clamp(report.Tasks.Max(static t => t.Name.Length), 4, 30);
        p.Line(p.Style("  " + "task".PadRight(nameWidth) + "  state         attempts  duration  started", "dim"));
        foreach (var task in report.Tasks)
        {
            var state = report.StateName(task.State) + (task.Restored ? " (restored)" : string.Empty);
            var line = "  " + p.Esc(Printer.Cut(task.Name, nameWidth).PadRight(nameWidth)) + "  "
                + p.Style(state.PadRight(12), Printer.StyleOf(task.State))
                + p.Esc(string.Create(CultureInfo.InvariantCulture, $"  {task.Attempts,8}  {Printer.Duration(task.Duration),8}  {Printer.Time(task.StartedAt)}"));
            p.Line(line);
        }
    }

    private static void Failures(Printer p, RunReport report)
    {
        var failures = report.Failures();
        var notStarted = report.Ended
            ? report.Tasks.Where(static t => t.State is TaskState.Pending or TaskState.Ready).Select(static t => t.Name).ToList()
            : new List<string>();
        if (failures.Count == 0 && notStarted.Count == 0)
        {
            return;
        }

        p.Line(p.Style("  failures", "bold"));

        var arrow = p.Unicode ? " ← " : " <- ";
        var errorWidth = p.Styled ? Math.Max(40, p.Width - 9) : 2000;
        var cancelled = new List<string>();
        foreach (var failure in failures)
        {
            var task = failure.Task;
            if (task.State == TaskState.Cancelled && failure.Chain.Count == 1)
            {
                // Cancelled tasks say nothing each: one line names them.
                cancelled.Add(task.Name);
                continue;
            }

            var mark = task.State == TaskState.Failed ? (p.Unicode ? "✗" : "x") : (p.Unicode ? "⊘" : "-");
            var head = $"    {p.Style(mark, Printer.StyleOf(task.State))} {p.Style(task.Name, "bold")} {p.Style(Printer.Name(task.State), Printer.StyleOf(task.State))}";
            if (failure.Chain.Count > 1)
            {
                var chain = string.Join(p.Esc(arrow), failure.Chain.Skip(1).Select(c => p.Esc(c.Name + " " + Printer.Name(c.State))));
                p.Line(head + p.Esc(arrow) + chain);
                if (failure.Root.Error is { } rootError)
                {
                    p.Line($"        {p.Style(Printer.Cut(rootError, errorWidth), "red")}");
                }

                continue;
            }

            var attempts = task.Attempts > 1 ? string.Create(CultureInfo.InvariantCulture, $" after {task.Attempts} attempts") : string.Empty;
            p.Line(head + p.Esc(attempts));
            if (task.Error is { } error)
            {
                p.Line($"        {p.Style(Printer.Cut(error, errorWidth), task.State == TaskState.Failed ? "red" : "grey")}");
            }

            if (task.Throughline is { Count: > 1 } throughline)
            {
                p.Line(p.Style($"        throughline: {string.Join(" > ", throughline)}", "dim"));
            }
        }

        if (cancelled.Count > 0)
        {
            p.Line($"    {p.Style(p.Unicode ? "⊘" : "-", "grey")} {p.Esc(string.Join(", ", cancelled))} {p.Style("cancelled", "grey")}");
        }

        if (notStarted.Count > 0)
        {
            p.Line($"    {p.Style(p.Unicode ? "·" : "-", "dim")} {p.Esc(string.Join(", ", notStarted))} {p.Style("not started: the run stopped at the first failure", "dim")}");
        }
    }

    private static void Results(Printer p, RunReport report, bool allTasks)
    {
        var names = allTasks ? report.Results.Keys.ToList() : report.Outcomes.Where(report.Results.ContainsKey).ToList();
        if (names.Count == 0)
        {
            return;
        }

        p.Line(p.Style("  results", "bold"));
        var width = Math.Clamp(names.Max(static n => n.Length), 4, 30);
        foreach (var name in names)
        {
            p.Line($"    {p.Esc(name.PadRight(width))}  {p.Esc(Printer.Cut(CliJson.Relaxed(report.Results[name]), Math.Max(20, p.Width - width - 8)))}");
        }
    }

    private static void Field(Printer p, string name, string value) => p.Line($"  {p.Style(name.PadRight(9), "dim")} {value}");

    private static string ShortName(string workflow)
    {
        var dot = workflow.LastIndexOf('.');
        return dot >= 0 && dot < workflow.Length - 1 ? workflow[(dot + 1)..] : workflow;
    }
}
