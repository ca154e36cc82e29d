using System;
using System.Diagnostics;
using System.Threading.Tasks;
using Workflowy;
using Workflowy.Benchmarks.Graphs;

/// <summary>Profiling experiments on the Workflowy submission path.</summary>
public static class Experiments
{
    /// <summary>Splits a Workflowy run into the submission loop and the wait for completion.</summary>
    public static async Task SplitAsync(WorkflowRunner runner, Dag dag, int rounds)
    {
        for (var r = 0; r < rounds; r++)
        {
            var watch = Stopwatch.StartNew();
            var run = runner.CreateRun("bench");
            var handles = new TaskHandle<int>[dag.Count];
            var deps = dag.Dependencies;
            for (var i = 0; i < handles.Length; i++)
            {
                switch (deps[i].Length)
                {
                    case 0:
                        handles[i] = run.Submit(static _ => 1);
                        break;
                    case 1:
                        var a = handles[deps[i][0]];
                        handles[i] = run.Submit(_ => a.Result + 1, a);
                        break;
                    default:
                        var all = Array.ConvertAll(deps[i], d => (TaskHandle)handles[d]);
                        handles[i] = run.Submit(_ => 1, all);
                        break;
                }
            }

            var submitted = watch.Elapsed;
            run.Complete();
            await run.Completion;
            var total = watch.Elapsed;
            var done = 0;
            foreach (var h in handles)
            {
                if (h.State == TaskState.Completed)
                {
                    done++;
                }
            }

            Console.WriteLine($"{dag.Name}: submit loop {submitted.TotalNanoseconds / dag.Count:F0} ns/task, total {total.TotalNanoseconds / dag.Count:F0} ns/task, completed {done}");
        }
    }
}
