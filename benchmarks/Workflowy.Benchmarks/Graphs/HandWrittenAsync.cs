using System.Threading.Tasks;

namespace Workflowy.Benchmarks.Graphs;

/// <summary>
/// The graph hand-written with <c>async</c>/<c>await</c> over <see cref="Task{TResult}"/>s: a task without
/// dependencies is started with <see cref="Task.Run{TResult}(System.Func{TResult})"/> (it runs on the thread pool, in
/// parallel with the others); any other task is an async method that awaits its dependencies' tasks.
/// </summary>
public static class HandWrittenAsync
{
    /// <summary>Starts every node in index order, then awaits the sinks; returns the checksum.</summary>
    public static async Task<int> RunAsync(Dag dag)
    {
        var dependencies = dag.Dependencies;
        var tasks = new Task<int>[dependencies.Length];
        for (var i = 0; i < tasks.Length; i++)
        {
            var deps = dependencies[i];
            tasks[i] = deps.Length switch
            {
                0 => Task.Run(static () => Dag.Body(0, 0)),
                1 => One(tasks[deps[0]]),
                2 => Two(tasks[deps[0]], tasks[deps[1]]),
                _ => Many(Gather(tasks, deps)),
            };
        }

        var checksum = 0;
        foreach (var s in dag.Sinks)
        {
            checksum = unchecked(checksum + await tasks[s].ConfigureAwait(false));
        }

        return checksum;
    }

    private static Task<int>[] Gather(Task<int>[] tasks, int[] deps)
    {
        var gathered = new Task<int>[deps.Length];
        for (var k = 0; k < deps.Length; k++)
        {
            gathered[k] = tasks[deps[k]];
        }

        return gathered;
    }

    private static async Task<int> One(Task<int> a) => Dag.Body(await a.ConfigureAwait(false), 1);

    private static async Task<int> Two(Task<int> a, Task<int> b) =>
        Dag.Body(unchecked(await a.ConfigureAwait(false) + await b.ConfigureAwait(false)), 2);

    private static async Task<int> Many(Task<int>[] deps)
    {
        var results = await Task.WhenAll(deps).ConfigureAwait(false);
        var sum = 0;
        foreach (var r in results)
        {
            sum = unchecked(sum + r);
        }

        return Dag.Body(sum, results.Length);
    }
}
