using System;
using System.Collections.Generic;

namespace Workflowy.Benchmarks.Graphs;

/// <summary>
/// The shape of a benchmark graph, given to every implementation: node <c>i</c> depends on <c>Dependencies[i]</c>
/// (all smaller than <c>i</c>, so index order is a topological order). Every body is the same trivial one: a node
/// without dependencies returns 1, any other returns the sum of its dependencies' results plus 1 (unchecked).
/// Each implementation builds its own structures (successor lists, blocks, handles) from this inside the measured
/// region; the shape itself is made once.
/// </summary>
public sealed class Dag
{
    private Dag(string name, int[][] dependencies)
    {
        Name = name;
        Dependencies = dependencies;
        Sinks = FindSinks(dependencies);
    }

    /// <summary>The scenario's name.</summary>
    public string Name { get; }

    /// <summary>The dependencies of each node (indices of earlier nodes).</summary>
    public int[][] Dependencies { get; }

    /// <summary>The nodes nothing depends on: the checksum of a run is the sum of their results.</summary>
    public int[] Sinks { get; }

    /// <summary>The number of nodes.</summary>
    public int Count => Dependencies.Length;

    /// <summary>The body every implementation runs: 1 without dependencies, else their sum plus 1.</summary>
    public static int Body(int sum, int dependencies) => dependencies == 0 ? 1 : unchecked(sum + 1);

    /// <summary>
    /// A random graph of <paramref name="count"/> nodes, each depending on up to <paramref name="maxDependencies"/>
    /// distinct earlier nodes (for the schedulers' tests).
    /// </summary>
    public static Dag Random(int count, int maxDependencies, int seed)
    {
        var random = new Random(seed);
        var deps = new int[count][];
        for (var i = 0; i < count; i++)
        {
            var wanted = Math.Min(i, random.Next(maxDependencies + 1));
            var chosen = new HashSet<int>();
            while (chosen.Count < wanted)
            {
                chosen.Add(random.Next(i));
            }

            deps[i] = [.. chosen];
        }

        return new Dag($"random {count}/{maxDependencies}/{seed}", deps);
    }

    /// <summary>(A) <paramref name="count"/> independent tasks.</summary>
    public static Dag Independent(int count = 100_000)
    {
        var deps = new int[count][];
        Array.Fill(deps, Array.Empty<int>());
        return new Dag("A independent", deps);
    }

    /// <summary>(B) a chain: each task consumes the previous one's result.</summary>
    public static Dag Chain(int count = 10_000)
    {
        var deps = new int[count][];
        deps[0] = Array.Empty<int>();
        for (var i = 1; i < count; i++)
        {
            deps[i] = new[] { i - 1 };
        }

        return new Dag("B chain", deps);
    }

    /// <summary>(C) <paramref name="layers"/> layers of <paramref name="width"/>; each task depends on 2 distinct tasks of the previous layer.</summary>
    public static Dag Layered(int layers = 100, int width = 1_000, int seed = 20261123)
    {
        var random = new Random(seed);
        var deps = new int[layers * width][];
        for (var i = 0; i < width; i++)
        {
            deps[i] = Array.Empty<int>();
        }

        for (var layer = 1; layer < layers; layer++)
        {
            var previous = (layer - 1) * width;
            for (var i = 0; i < width; i++)
            {
                var a = random.Next(width);
                var b = random.Next(width - 1);
                if (b >= a)
                {
                    b++;
                }

                deps[(layer * width) + i] = new[] { previous + a, previous + b };
            }
        }

        return new Dag("C layered", deps);
    }

    /// <summary>(D) one task, <paramref name="width"/> tasks that depend on it, one task that depends on them all.</summary>
    public static Dag FanOutFanIn(int width = 10_000)
    {
        var deps = new int[width + 2][];
        deps[0] = Array.Empty<int>();
        var all = new int[width];
        for (var i = 0; i < width; i++)
        {
            deps[i + 1] = new[] { 0 };
            all[i] = i + 1;
        }

        deps[width + 1] = all;
        return new Dag("D fan-out/fan-in", deps);
    }

    private static int[] FindSinks(int[][] dependencies)
    {
        var hasDependent = new bool[dependencies.Length];
        foreach (var deps in dependencies)
        {
            foreach (var d in deps)
            {
                hasDependent[d] = true;
            }
        }

        var sinks = new List<int>();
        for (var i = 0; i < dependencies.Length; i++)
        {
            if (!hasDependent[i])
            {
                sinks.Add(i);
            }
        }

        return sinks.ToArray();
    }
}
