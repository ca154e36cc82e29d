using Workflowy.Benchmarks.Graphs;

namespace Workflowy.Tests;

/// <summary>
/// The benchmarks' minimal scheduler (the baseline of every ratio in benchmarks/README.md) is only a baseline if it is
/// correct: every node runs once, after all its dependencies, and the run ends. Checked against the synchronous floor
/// over thousands of random graphs, with one to four workers, and on the benchmark scenarios' shapes.
/// </summary>
public class MinimalSchedulerTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Every_node_of_thousands_of_random_graphs_gets_the_floors_result()
    {
        for (var seed = 0; seed < 3_000; seed++)
        {
            var count = 1 + (seed % 97) + (seed % 7 == 0 ? 400 : 0);
            var dag = Dag.Random(count, maxDependencies: 1 + (seed % 5), seed);
            var values = await MinimalScheduler.RunForValuesAsync(dag, workers: 1 + (seed % 4)).WaitAsync(Guard);
            Assert.Equal(FloorValues(dag), values);
        }
    }

    [Fact]
    public async Task The_scenario_shapes_end_with_the_floors_checksum()
    {
        foreach (var dag in new[] { Dag.Independent(20_000), Dag.Chain(5_000), Dag.Layered(20, 300), Dag.FanOutFanIn(5_000) })
        {
            for (var workers = 1; workers <= 4; workers++)
            {
                Assert.Equal(Floor.Run(dag), await MinimalScheduler.RunAsync(dag, workers).WaitAsync(Guard));
            }
        }
    }

    [Fact]
    public async Task An_empty_graph_ends_at_once()
    {
        Assert.Empty(await MinimalScheduler.RunForValuesAsync(Dag.Independent(0), workers: 2).WaitAsync(Guard));
    }

    private static int[] FloorValues(Dag dag)
    {
        var values = new int[dag.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var sum = 0;
            foreach (var d in dag.Dependencies[i])
            {
                Assert.True(d < i, $"{dag.Name}: node {i} depends on a later node {d}");
                sum = unchecked(sum + values[d]);
            }

            values[i] = Dag.Body(sum, dag.Dependencies[i].Length);
        }

        return values;
    }
}
