using System.Threading.Tasks;

namespace Workflowy.Benchmarks.Graphs;

/// <summary>
/// The graph built with Workflowy's dynamic submission: <c>runner.CreateRun()</c>, one <c>run.Submit(...)</c> per node
/// naming its dependencies' handles, <c>run.Complete()</c>, <c>await run.Completion</c>. Bodies are <c>static</c> lambdas
/// that receive their dependencies' results as parameters (the typed overloads), so a submission allocates no closure.
/// </summary>
public static class WorkflowySubmit
{
    /// <summary>Submits every node in index order (the run executes them as they become ready) and returns the checksum.</summary>
    public static Task<int> RunAsync(WorkflowRunner runner, Dag dag) => RunAsync(runner, dag, startNow: true);

    /// <summary>
    /// As <see cref="RunAsync(WorkflowRunner, Dag)"/>, with the run created by <c>runner.CreateRun(name, startNow)</c>:
    /// false submits the whole graph before the workers see any of it (<c>Complete()</c> starts the run).
    /// </summary>
    public static async Task<int> RunAsync(WorkflowRunner runner, Dag dag, bool startNow)
    {
        var dependencies = dag.Dependencies;
        var run = runner.CreateRun("bench", startNow);
        var handles = new TaskHandle<int>[dependencies.Length];
        for (var i = 0; i < handles.Length; i++)
        {
            var deps = dependencies[i];
            switch (deps.Length)
            {
                case 0:
                    handles[i] = run.Submit(static () => Dag.Body(0, 0));
                    break;
                case 1:
                    handles[i] = run.Submit(handles[deps[0]], static a => Dag.Body(a, 1));
                    break;
                case 2:
                    handles[i] = run.Submit(handles[deps[0]], handles[deps[1]], static (x, y) => Dag.Body(unchecked(x + y), 2));
                    break;
                default:
                    var all = new TaskHandle<int>[deps.Length];
                    for (var k = 0; k < deps.Length; k++)
                    {
                        all[k] = handles[deps[k]];
                    }

                    handles[i] = run.Submit(all, static results => SumOf(results));
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

    private static int SumOf(int[] results)
    {
        var sum = 0;
        foreach (var r in results)
        {
            sum = unchecked(sum + r);
        }

        return Dag.Body(sum, results.Length);
    }
}
