using System;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Workflowy;

namespace Workflowy.Observability;

/// <summary>
/// Progress as plain lines, for CI logs and redirected output: a line per state change that matters (from
/// <see cref="WorkflowRunner.TaskStateChanged"/>), and a line whenever <see cref="WorkflowRun.GetProgress"/>,
/// polled every 100 ms, has moved by a tenth.
/// </summary>
internal sealed class PlainProgress
{
    private readonly Stopwatch _clock;

    public PlainProgress(Stopwatch clock) => _clock = clock;

    public void OnStateChanged(object? sender, TaskStateChangedEventArgs e)
    {
        var detail = e.NewState switch
        {
            TaskState.Running => $" (attempt {e.Attempt})",
            TaskState.Retrying => $" (attempt {e.Attempt} failed: {Describe(e.Exception)})",
            TaskState.Failed or TaskState.Cancelled or TaskState.Skipped => $" ({Describe(e.Exception)})",
            TaskState.Completed => string.Empty,
            _ => null,
        };
        if (detail is not null)
        {
            Console.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.00}s] {e.Task.Name,-20} {e.NewState}{detail}");
        }
    }

    public async Task RunAsync(WorkflowRun run)
    {
        var lastTenth = -1;
        while (true)
        {
            var ended = run.Completion.IsCompleted;
            var progress = run.GetProgress();
            var tenth = (int)Math.Floor(progress.Fraction * 10);
            if (tenth != lastTenth || ended)
            {
                lastTenth = tenth;
                var running = progress.Tasks
                    .Where(t => t.State is TaskState.Running or TaskState.Retrying)
                    .Select(t => $"{t.Name} {t.Fraction:0%}{(t.Message is null ? string.Empty : $" ({t.Message})")}");
                Console.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:0.00}s] progress {progress.Done}/{progress.Total} tasks, {progress.Fraction:0%}{(ended ? ", run ended" : string.Empty)}  {string.Join(", ", running)}");
            }

            if (ended)
            {
                return;
            }

            await Task.WhenAny(run.Completion, Task.Delay(100)).ConfigureAwait(false);
        }
    }

    private static string Describe(Exception? exception)
    {
        if (exception is null)
        {
            return "no exception";
        }

        var chain = Throughline.ChainOf(exception);
        return $"{exception.GetType().Name}: {exception.Message}{(chain is null ? string.Empty : $"; thrown at {string.Join(" > ", chain)}")}";
    }
}
