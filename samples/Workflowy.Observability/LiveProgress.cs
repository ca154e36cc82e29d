using System.Collections.Generic;
using System.Threading.Tasks;
using Spectre.Console;
using Workflowy;

namespace Workflowy.Observability;

/// <summary>
/// A live Spectre.Console display: one progress bar per task of the run (tasks submitted while it runs get theirs
/// when they appear), driven by <see cref="WorkflowRun.GetProgress"/> polled every 100 ms until the run ends.
/// </summary>
internal static class LiveProgress
{
    public static Task RunAsync(WorkflowRun run) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var bars = new List<ProgressTask>();
                while (true)
                {
                    var ended = run.Completion.IsCompleted;
                    var progress = run.GetProgress();
                    for (var i = 0; i < progress.Tasks.Count; i++)
                    {
                        var task = progress.Tasks[i];
                        if (i == bars.Count)
                        {
                            bars.Add(context.AddTask(Markup.Escape(task.Name), autoStart: false, maxValue: 1));
                        }

                        Update(bars[i], task);
                    }

                    if (ended)
                    {
                        return;
                    }

                    await Task.WhenAny(run.Completion, Task.Delay(100)).ConfigureAwait(false);
                }
            });

    private static void Update(ProgressTask bar, RunProgress.TaskProgress task)
    {
        if (task.State >= TaskState.Running && !bar.IsStarted)
        {
            bar.StartTask();
        }

        var colour = task.State switch
        {
            TaskState.Completed => "green",
            TaskState.Running => "yellow",
            TaskState.Retrying => "darkorange",
            TaskState.Failed => "red",
            TaskState.Cancelled or TaskState.Skipped => "grey",
            _ => "silver",
        };
        var message = task.Message is null ? string.Empty : " " + Markup.Escape(task.Message);
        bar.Description = $"{Markup.Escape(task.Name),-20} [{colour}]{task.State,-9}[/]{message}";
        bar.Value = task.Fraction;
        if (task.State >= TaskState.Completed && !bar.IsFinished)
        {
            bar.StopTask();
        }
    }
}
