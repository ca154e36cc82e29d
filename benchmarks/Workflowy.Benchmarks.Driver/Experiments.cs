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

    /// <summary>
    /// The graph submitted to a run that has not started (<c>startNow: false</c>), then started: prints the median
    /// submission and execution time per task, apart (the typed overloads, as in <c>WorkflowySubmit</c>).
    /// </summary>
    public static async Task DeferredSplitAsync(WorkflowRunner runner, Dag dag, int rounds)
    {
        var submit = new System.Collections.Generic.List<double>();
        var execute = new System.Collections.Generic.List<double>();
        for (var r = 0; r < rounds + 1; r++)
        {
            var deps = dag.Dependencies;
            var watch = Stopwatch.StartNew();
            var run = runner.CreateRun("bench", startNow: false);
            var handles = new TaskHandle<int>[dag.Count];
            for (var i = 0; i < handles.Length; i++)
            {
                var d = deps[i];
                handles[i] = d.Length switch
                {
                    0 => run.Submit(static () => 1),
                    1 => run.Submit(handles[d[0]], static a => unchecked(a + 1)),
                    2 => run.Submit(handles[d[0]], handles[d[1]], static (x, y) => unchecked(x + y + 1)),
                    _ => run.Submit(Array.ConvertAll(d, k => handles[k]), static all => all.Length),
                };
            }

            var submitted = watch.Elapsed;
            run.Complete();
            await run.Completion.ConfigureAwait(false);
            var total = watch.Elapsed;
            if (r > 0)
            {
                submit.Add(submitted.TotalNanoseconds / dag.Count);
                execute.Add((total - submitted).TotalNanoseconds / dag.Count);
            }
        }

        submit.Sort();
        execute.Sort();
        Console.WriteLine($"{dag.Name,-18} submit {submit[submit.Count / 2],7:F1} ns/task  execute {execute[execute.Count / 2],7:F1} ns/task");
    }
}
