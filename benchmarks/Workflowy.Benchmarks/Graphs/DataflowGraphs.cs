using System;
using System.Threading.Tasks;
using System.Threading.Tasks.Dataflow;

namespace Workflowy.Benchmarks.Graphs;

/// <summary>The graph with TPL Dataflow (System.Threading.Tasks.Dataflow, in the shared framework).</summary>
public static class DataflowGraphs
{
    /// <summary>
    /// One block per node, which is how Dataflow expresses a DAG: a <see cref="TransformBlock{TInput,TOutput}"/> per
    /// node (behind a <see cref="BatchBlock{T}"/> that gathers the inputs of a node with several dependencies), a
    /// <see cref="BroadcastBlock{T}"/> after a node with several dependents (a plain link hands a message to one
    /// target only), and one collector that sums the sinks. Blocks are built and linked first, then the sources are
    /// posted their (ignored) input. Returns the checksum.
    /// </summary>
    public static Task<int> BlockPerNodeAsync(Dag dag)
    {
        var dependencies = dag.Dependencies;
        var n = dependencies.Length;
        var dependents = new int[n];
        foreach (var deps in dependencies)
        {
            foreach (var d in deps)
            {
                dependents[d]++;
            }
        }

        var sinksLeft = dag.Sinks.Length;
        var checksum = 0;
        var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var collector = new ActionBlock<int>(value =>
        {
            checksum = unchecked(checksum + value);
            if (--sinksLeft == 0)
            {
                done.TrySetResult(checksum);
            }
        });

        var outputs = new ISourceBlock<int>[n];
        var sources = new ITargetBlock<int>[n];
        for (var i = 0; i < n; i++)
        {
            var deps = dependencies[i];
            TransformBlock<int, int>? single = null;
            ISourceBlock<int> node;
            switch (deps.Length)
            {
                case 0:
                    single = new TransformBlock<int, int>(static _ => Dag.Body(0, 0));
                    sources[i] = single;
                    node = single;
                    break;
                case 1:
                    single = new TransformBlock<int, int>(static x => Dag.Body(x, 1));
                    outputs[deps[0]].LinkTo(single);
                    node = single;
                    break;
                default:
                    var batch = new BatchBlock<int>(deps.Length);
                    var transform = new TransformBlock<int[], int>(static xs =>
                    {
                        var sum = 0;
                        foreach (var x in xs)
                        {
                            sum = unchecked(sum + x);
                        }

                        return Dag.Body(sum, xs.Length);
                    });
                    batch.LinkTo(transform);
                    foreach (var d in deps)
                    {
                        outputs[d].LinkTo(batch);
                    }

                    node = transform;
                    break;
            }

            if (dependents[i] == 0)
            {
                node.LinkTo(collector);
                outputs[i] = node;
            }
            else if (dependents[i] == 1)
            {
                outputs[i] = node;
            }
            else
            {
                var broadcast = new BroadcastBlock<int>(null);
                node.LinkTo(broadcast);
                outputs[i] = broadcast;
            }
        }

        foreach (var source in sources)
        {
            source?.Post(0);
        }

        return done.Task;
    }

    /// <summary>(A) One <see cref="TransformBlock{TInput,TOutput}"/> over all the independent tasks, drained by the caller.</summary>
    public static async Task<int> OneBlockIndependentAsync(int count)
    {
        var block = NewBlock(static _ => Dag.Body(0, 0));
        for (var i = 0; i < count; i++)
        {
            block.Post(i);
        }

        block.Complete();
        return await DrainAsync(block, 0).ConfigureAwait(false);
    }

    /// <summary>(D) The first task, one <see cref="TransformBlock{TInput,TOutput}"/> over the fan-out, and the sink summing its outputs.</summary>
    public static async Task<int> OneBlockFanOutFanInAsync(int width)
    {
        var root = Dag.Body(0, 0);
        var block = NewBlock(static x => Dag.Body(x, 1));
        for (var i = 0; i < width; i++)
        {
            block.Post(root);
        }

        block.Complete();
        var sum = await DrainAsync(block, 0).ConfigureAwait(false);
        return Dag.Body(sum, width);
    }

    private static TransformBlock<int, int> NewBlock(Func<int, int> body) =>
        new(body, new ExecutionDataflowBlockOptions
        {
            MaxDegreeOfParallelism = Environment.ProcessorCount,
            EnsureOrdered = false,
            SingleProducerConstrained = true,
        });

    private static async Task<int> DrainAsync(TransformBlock<int, int> block, int sum)
    {
        while (await block.OutputAvailableAsync().ConfigureAwait(false))
        {
            while (block.TryReceive(out var value))
            {
                sum = unchecked(sum + value);
            }
        }

        return sum;
    }
}
