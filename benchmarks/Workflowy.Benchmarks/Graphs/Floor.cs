namespace Workflowy.Benchmarks.Graphs;

/// <summary>The floor: the graph's bodies in a synchronous loop over a topological order, on one thread.</summary>
public static class Floor
{
    /// <summary>Runs every node in index order and returns the checksum (the sum of the sinks' results).</summary>
    public static int Run(Dag dag)
    {
        var dependencies = dag.Dependencies;
        var values = new int[dependencies.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var deps = dependencies[i];
            var sum = 0;
            foreach (var d in deps)
            {
                sum = unchecked(sum + values[d]);
            }

            values[i] = Dag.Body(sum, deps.Length);
        }

        var checksum = 0;
        foreach (var s in dag.Sinks)
        {
            checksum = unchecked(checksum + values[s]);
        }

        return checksum;
    }
}
