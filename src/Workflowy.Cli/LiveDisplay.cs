using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Workflowy.Cli;

/// <summary>
/// The live display of a run on a terminal (Spectre.Console's live display, redrawn in place every 100 ms and on
/// every task change): a bar of the run's progress with tasks done out of all and the elapsed time, the tasks counted
/// by state, the running tasks with their progress, message and elapsed time, the tasks waiting to retry, and the
/// latest failures. It is cleared when the run ends; the summary follows.
/// </summary>
internal static class LiveDisplay
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(100);

    public static Task RunAsync(IAnsiConsole console, WorkflowRun run, RunWatcher watcher, CancellationToken cancellationToken)
    {
        var printer = new Printer(console.Profile.Out.Writer, console, console.Profile.Width);
        return console.Live(Render(printer, run, watcher))
            .AutoClear(true)
            .Overflow(VerticalOverflow.Ellipsis)
            .StartAsync(async context =>
            {
                while (!run.Completion.IsCompleted)
                {
                    context.UpdateTarget(Render(printer, run, watcher));
                    try
                    {
                        await Task.WhenAny(run.Completion, Task.Delay(Refresh, cancellationToken)).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        // The run is cancelled with the same token: it ends soon, and the loop with it.
                    }
                }

                context.UpdateTarget(Render(printer, run, watcher));
            });
    }

    /// <summary>One frame of the display.</summary>
    internal static IRenderable Render(Printer p, WorkflowRun run, RunWatcher watcher)
    {
        var progress = run.GetProgress();
        var lines = new List<IRenderable>();
        var width = Math.Max(40, p.Width);
        var barWidth = Math.Clamp(width - 52, 10, 40);
        var elapsed = Printer.Duration(watcher.Elapsed);
        lines.Add(new Markup(
            $"{p.Style(run.Graph.Name, "bold")} {p.Style("run " + Short(run.RunId), "dim")}  {Bar(p, progress.Fraction, barWidth, "green")} "
            + p.Esc(string.Create(CultureInfo.InvariantCulture, $"{progress.Done}/{progress.Total} tasks  {progress.Fraction * 100,3:0}%  {elapsed}"))));

        var counts = new List<string>();
        foreach (var state in new[] { TaskState.Completed, TaskState.Running, TaskState.Retrying, TaskState.Failed, TaskState.Cancelled, TaskState.Skipped, TaskState.Ready, TaskState.Pending })
        {
            var count = progress.Tasks.Count(t => t.State == state);
            if (count > 0 || state is TaskState.Completed or TaskState.Running or TaskState.Failed)
            {
                counts.Add(p.Style(string.Create(CultureInfo.InvariantCulture, $"{count} {Printer.Name(state)}"), Printer.StyleOf(state)));
            }
        }

        lines.Add(new Markup("  " + string.Join(p.Esc(" · "), counts)));

        var tasks = run.Tasks;
        var nameWidth = Math.Clamp(progress.Tasks.Count == 0 ? 8 : progress.Tasks.Max(static t => t.Name.Length), 8, 24);
        var room = Math.Max(3, (p.Styled ? p.Width : 80) / 10);
        var shown = 0;
        var running = new List<int>();
        var retrying = new List<int>();
        var failed = new List<int>();
        for (var i = 0; i < progress.Tasks.Count; i++)
        {
            switch (progress.Tasks[i].State)
            {
                case TaskState.Running:
                    running.Add(i);
                    break;
                case TaskState.Retrying:
                    retrying.Add(i);
                    break;
                case TaskState.Failed:
                    failed.Add(i);
                    break;
            }
        }

        foreach (var i in running)
        {
            if (shown == room)
            {
                break;
            }

            var task = progress.Tasks[i];
            var time = i < tasks.Count ? watcher.TimingOf(tasks[i])?.Duration : null;
            var message = task.Message is null ? string.Empty : "  " + p.Esc(Printer.Cut(task.Message, Math.Max(10, width - nameWidth - barWidth / 2 - 30)));
            var bar = task.Fraction > 0 ? Bar(p, task.Fraction, barWidth / 2, "blue") + p.Esc(string.Create(CultureInfo.InvariantCulture, $" {task.Fraction * 100,3:0}%")) : p.Esc(new string(' ', (barWidth / 2) + 7));
            lines.Add(new Markup($"  {p.Style(p.Unicode ? "▶" : ">", "blue")} {p.Esc(Printer.Cut(task.Name, nameWidth).PadRight(nameWidth))} {bar}  {p.Esc(Printer.Duration(time).PadLeft(7))}{message}"));
            shown++;
        }

        if (running.Count > shown)
        {
            lines.Add(new Markup(p.Style(string.Create(CultureInfo.InvariantCulture, $"    … and {running.Count - shown} more running"), "dim")));
        }

        foreach (var i in retrying.Take(3))
        {
            var handle = i < tasks.Count ? tasks[i] : null;
            var next = handle?.NextAttemptAt is { } at ? " next attempt in " + Printer.Duration(at - run.Runner.TimeProvider.GetUtcNow()) : string.Empty;
            var why = handle?.Exception is { } e ? $" after {e.GetType().Name}: {e.Message}" : string.Empty;
            lines.Add(new Markup($"  {p.Style(p.Unicode ? "↻" : "~", "darkorange")} {p.Esc(Printer.Cut(progress.Tasks[i].Name, nameWidth).PadRight(nameWidth))} {p.Esc(Printer.Cut($"attempt {handle?.Attempts ?? 0}{why};{next}", Math.Max(20, width - nameWidth - 6)))}"));
        }

        foreach (var i in failed.TakeLast(3))
        {
            var handle = i < tasks.Count ? tasks[i] : null;
            var why = handle?.Exception is { } e ? $"{e.GetType().Name}: {e.Message}" : "failed";
            lines.Add(new Markup($"  {p.Style(p.Unicode ? "✗" : "x", "red")} {p.Esc(Printer.Cut(progress.Tasks[i].Name, nameWidth).PadRight(nameWidth))} {p.Style(Printer.Cut(why, Math.Max(20, width - nameWidth - 6)), "red")}"));
        }

        return new Rows(lines);
    }

    /// <summary>A bar of <paramref name="width"/> cells, <paramref name="fraction"/> of them filled.</summary>
    internal static string Bar(Printer p, double fraction, int width, string style)
    {
        var filled = (int)Math.Round(Math.Clamp(fraction, 0, 1) * width);
        var (full, empty) = p.Unicode ? ('━', '━') : ('#', '-');
        return p.Style(new string(full, filled), style) + p.Style(new string(empty, width - filled), "grey");
    }

    internal static string Short(string runId) => runId.Length > 12 ? runId[..12] : runId;
}
