using System.Threading.Tasks;

namespace Workflowy.Benchmarks.Graphs;

/// <summary>
/// The graph built with Workflowy's dynamic submission: <c>runner.CreateRun()</c>, one <c>run.Submit(...)</c> per node
/// naming its dependencies' handles, <c>run.Complete()</c>, <c>await run.Completion</c>. A body reads its dependencies'
/// results through the handles it captured (the only way a submitted body can see them), so every task with
/// dependencies costs the benchmark a closure and a delegate, and the compiler a <c>params</c> array.
/// </summary>
public static class WorkflowySubmit
{
    /// <summary>Submits every node in index order (the run executes them as they become ready) and returns the checksum.</summary>
    public static async Task<int> RunAsync(WorkflowRunner runner, Dag dag)
    {
        var dependencies = dag.Dependencies;
        var run = runner.CreateRun("bench");
        var handles = new TaskHandle<int>[dependencies.Length];
        for (var i = 0; i < handles.Length; i++)
        {
            var deps = dependencies[i];
            switch (deps.Length)
            {
                case 0:
                    handles[i] = run.Submit(static _ => Dag.Body(0, 0));
                    break;
                case 1:
                    var a = handles[deps[0]];
                    handles[i] = run.Submit(_ => Dag.Body(a.Result, 1), a);
                    break;
                case 2:
                    var x = handles[deps[0]];
                    var y = handles[deps[1]];
                    handles[i] = run.Submit(_ => Dag.Body(unchecked(x.Result + y.Result), 2), x, y);
                    break;
                default:
                    var all = new TaskHandle[deps.Length];
                    for (var k = 0; k < deps.Length; k++)
                    {
                        all[k] = handles[deps[k]];
                    }

                    handles[i] = run.Submit(_ => SumOf(all), all);
                    break;
            }
        }

        run.Complete();
        await run.Completion.ConfigureAwait(false);
        var checksum = 0;
        foreach (var s in dag.Sinks)
        {
            checksum = unchecked(checksum + handles[s].Result);
        }

        return checksum;
    }

    private static int SumOf(TaskHandle[] dependencies)
    {
        var sum = 0;
        foreach (var d in dependencies)
        {
            sum = unchecked(sum + ((TaskHandle<int>)d).Result);
        }

        return Dag.Body(sum, dependencies.Length);
    }
}
