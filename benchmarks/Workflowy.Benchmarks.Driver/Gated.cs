using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Workflowy;
using Workflowy.Benchmarks.Graphs;

/// <summary>
/// Separates submission from execution: every source of the graph depends on a gate task that blocks until the whole
/// graph is submitted, so the submission loop wakes no worker; then the gate opens and the graph executes.
/// </summary>
public static class Gated
{
    /// <summary>Prints submission and execution ns/task, and allocations of each phase.</summary>
    public static async Task RunAsync(WorkflowRunner runner, Dag dag, int rounds)
    {
        var submitTimes = new double[rounds];
        var executeTimes = new double[rounds];
        var submitBytes = new double[rounds];
        var executeBytes = new double[rounds];
        for (var r = 0; r < rounds; r++)
        {
            using var open = new ManualResetEventSlim();
            var run = runner.CreateRun("gated");
            var gate = run.Submit(_ =>
            {
                open.Wait();
                return 0;
            });
            var handles = new TaskHandle<int>[dag.Count];
            var deps = dag.Dependencies;
            var b0 = GC.GetTotalAllocatedBytes(true);
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < handles.Length; i++)
            {
                switch (deps[i].Length)
                {
                    case 0:
                        handles[i] = run.Submit(gate, static _ => 1);
                        break;
                    case 1:
                        handles[i] = run.Submit(handles[deps[i][0]], static a => a + 1);
                        break;
                    case 2:
                        handles[i] = run.Submit(handles[deps[i][0]], handles[deps[i][1]], static (x, y) => x + y + 1);
                        break;
                    default:
                        var all = Array.ConvertAll(deps[i], d => handles[d]);
                        handles[i] = run.Submit(all, static _ => 1);
                        break;
                }
            }

            var submitted = watch.Elapsed;
            var b1 = GC.GetTotalAllocatedBytes(true);
            run.Complete();
            watch.Restart();
            open.Set();
            await run.Completion;
            var executed = watch.Elapsed;
            var b2 = GC.GetTotalAllocatedBytes(true);
            submitTimes[r] = submitted.TotalNanoseconds / dag.Count;
            executeTimes[r] = executed.TotalNanoseconds / dag.Count;
            submitBytes[r] = (double)(b1 - b0) / dag.Count;
            executeBytes[r] = (double)(b2 - b1) / dag.Count;
        }

        Array.Sort(submitTimes);
        Array.Sort(executeTimes);
        Array.Sort(submitBytes);
        Array.Sort(executeBytes);
        var m = rounds / 2;
        Console.WriteLine($"{dag.Name,-18} gated: submit {submitTimes[m],7:F0} ns/task {submitBytes[m],6:F0} B/task | execute {executeTimes[m],7:F0} ns/task {executeBytes[m],6:F0} B/task");
    }
}
