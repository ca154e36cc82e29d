using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Workflowy;

/// <summary>
/// The scale figures of docs/reliability.md: a million independent tasks and a million-long chain submitted to one run
/// (no stack overflow, bytes per task after submission and after the run, peak working set), and many concurrent runs
/// with random failures, retries, timeouts and cancellation (every task terminal, no unobserved exception).
/// </summary>
public static class Scale
{
    /// <summary>Runs the scale checks with <paramref name="count"/> tasks and prints one line each.</summary>
    public static async Task RunAsync(int count)
    {
        var unobserved = 0;
        TaskScheduler.UnobservedTaskException += (_, _) => Interlocked.Increment(ref unobserved);

        await OneRunAsync("independent", count, static (run, i, previous) => run.Submit(static () => 1));
        await OneRunAsync("chain", count, static (run, i, previous) => previous is null ? run.Submit(static () => 1) : run.Submit(previous, static x => x + 1));
        await ConcurrentRunsAsync(runs: 50, tasksPerRun: 100);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        Console.WriteLine($"unobserved task exceptions: {unobserved}");
    }

    private static async Task OneRunAsync(string name, int count, Func<DynamicRun, int, TaskHandle<int>?, TaskHandle<int>> submit)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var process = Process.GetCurrentProcess();
        await using var runner = new WorkflowRunner();
        var run = runner.CreateRun(name, startNow: false);
        var handles = new TaskHandle<int>[count];
        TaskHandle<int>? previous = null;
        for (var i = 0; i < count; i++)
        {
            previous = handles[i] = submit(run, i, previous);
        }

        var submitted = GC.GetTotalMemory(forceFullCollection: true) - before;
        var watch = Stopwatch.StartNew();
        await run.CompleteAsync();
        watch.Stop();
        var after = GC.GetTotalMemory(forceFullCollection: true) - before;
        process.Refresh();
        var terminal = handles.Count(h => h.IsTerminal);
        Console.WriteLine(
            $"{name,-12} {count:N0} tasks: {terminal:N0} terminal, {watch.Elapsed.TotalMilliseconds:N0} ms, " +
            $"{(double)submitted / count:F0} B/task retained after submission, {(double)after / count:F0} B/task after the run, " +
            $"peak working set {process.PeakWorkingSet64 / (1024 * 1024):N0} MB");
        GC.KeepAlive(handles);
    }

    private static async Task ConcurrentRunsAsync(int runs, int tasksPerRun)
    {
        var random = new Random(20261203);
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue, MaxWorkers = 4 };
        var all = new List<DynamicRun>();
        for (var r = 0; r < runs; r++)
        {
            var run = runner.CreateRun("load-" + r);
            all.Add(run);
            TaskHandle<int>? previous = null;
            for (var t = 0; t < tasksPerRun; t++)
            {
                var fail = random.Next(10) == 0;
                var slow = random.Next(20) == 0;
                var options = new TaskOptions { Retries = random.Next(3), BackoffBase = TimeSpan.FromMilliseconds(1), Timeout = slow ? TimeSpan.FromMilliseconds(20) : null };
                Func<CancellationToken, Task<int>> body = async token =>
                {
                    await Task.Delay(slow ? 50 : 0, token);
                    return fail ? throw new InvalidOperationException("random failure") : 1;
                };
                previous = previous is null || random.Next(3) == 0
                    ? run.Submit(options, ctx => body(ctx.CancellationToken))
                    : run.Submit(options, ctx => body(ctx.CancellationToken), previous);
            }

            if (random.Next(10) == 0)
            {
                _ = Task.Run(async () => { await Task.Delay(5); run.Cancel(); });
            }

            run.Complete();
        }

        foreach (var run in all)
        {
            try
            {
                await run.Completion;
            }
            catch (OperationCanceledException)
            {
                // A cancelled run.
            }
        }

        var tasks = all.SelectMany(r => r.Tasks).ToList();
        var byState = tasks.GroupBy(t => t.State).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}");
        Console.WriteLine($"concurrent   {runs} runs x {tasksPerRun} tasks: {tasks.Count(t => t.IsTerminal)} of {tasks.Count} terminal ({string.Join(", ", byState)})");
    }
}
