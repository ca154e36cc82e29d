using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Workflowy;
using Workflowy.Benchmarks.Graphs;

// Usage: dotnet run -c Release -- [A|B|C|D|all] [impl,impl|all] [rounds]
//   impl: floor, async, dataflow, oneblock, minimal, channel (the minimal scheduler before 2026-12-03), workflowy, deferred
// Prints, per scenario and implementation, the median ns/task over the rounds and the bytes allocated per task
// (all threads, GC.GetTotalAllocatedBytes(precise: true)).
if (args.Length > 0 && args[0] == "split")
{
    await using var r0 = new WorkflowRunner();
    foreach (var d in new[] { Dag.Independent(), Dag.Chain(), Dag.FanOutFanIn() })
    {
        await Experiments.SplitAsync(r0, d, 3);
    }

    return;
}

if (args.Length > 0 && args[0] == "deferred-split")
{
    await using var r2 = new WorkflowRunner();
    foreach (var d in new[] { Dag.Independent(), Dag.Chain(), Dag.Layered(), Dag.FanOutFanIn() })
    {
        await Experiments.DeferredSplitAsync(r2, d, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 15);
    }

    return;
}

if (args.Length > 0 && args[0] == "scale")
{
    await Scale.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1_000_000);
    return;
}

if (args.Length > 0 && args[0] == "sizes")
{
    Sizes.Print();
    return;
}

if (args.Length > 0 && args[0] == "gated")
{
    await using var r1 = new WorkflowRunner();
    foreach (var d in new[] { Dag.Independent(), Dag.Chain(), Dag.Layered(), Dag.FanOutFanIn() })
    {
        await Gated.RunAsync(r1, d, args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 9);
    }

    return;
}

var scenario = args.Length > 0 ? args[0] : "all";
var implementations = (args.Length > 1 ? args[1] : "floor,async,minimal,workflowy").Split(',');
var rounds = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 9;

var dags = new Dictionary<string, Dag>
{
    ["A"] = Dag.Independent(),
    ["B"] = Dag.Chain(),
    ["C"] = Dag.Layered(),
    ["D"] = Dag.FanOutFanIn(),
};
await using var runner = new WorkflowRunner();
foreach (var (key, dag) in dags)
{
    if (scenario != "all" && !scenario.Contains(key, StringComparison.Ordinal))
    {
        continue;
    }

    var expected = Floor.Run(dag);
    foreach (var implementation in implementations)
    {
        Func<Task<int>> run = implementation switch
        {
            "floor" => () => Task.FromResult(Floor.Run(dag)),
            "async" => () => HandWrittenAsync.RunAsync(dag),
            "dataflow" => () => DataflowGraphs.BlockPerNodeAsync(dag),
            "oneblock" when key == "A" => () => DataflowGraphs.OneBlockIndependentAsync(dag.Count),
            "oneblock" when key == "D" => () => DataflowGraphs.OneBlockFanOutFanInAsync(dag.Count - 2),
            "minimal" => () => MinimalScheduler.RunAsync(dag, Environment.ProcessorCount),
            "channel" => () => ChannelScheduler.RunAsync(dag, Environment.ProcessorCount),
            "workflowy" => () => WorkflowySubmit.RunAsync(runner, dag),
            "deferred" => () => WorkflowySubmit.RunAsync(runner, dag, startNow: false),
            _ => null!,
        };
        if (run is null)
        {
            continue;
        }

        var times = new List<double>();
        var bytes = new List<double>();
        var pauses = new List<double>();
        var cpu = new List<double>();
        var items = new List<double>();
        for (var r = 0; r < rounds + 1; r++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            var pauseBefore = GC.GetTotalPauseDuration();
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var itemsBefore = System.Threading.ThreadPool.CompletedWorkItemCount;
            var watch = Stopwatch.StartNew();
            var result = await run();
            watch.Stop();
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
            var pause = GC.GetTotalPauseDuration() - pauseBefore;
            var cpuTime = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            var itemCount = System.Threading.ThreadPool.CompletedWorkItemCount - itemsBefore;
            if (result != expected)
            {
                throw new InvalidOperationException($"{dag.Name} {implementation}: {result}, expected {expected}");
            }

            if (r > 0)
            {
                times.Add(watch.Elapsed.TotalNanoseconds / dag.Count);
                bytes.Add((double)allocated / dag.Count);
                pauses.Add(pause.TotalNanoseconds / dag.Count);
                cpu.Add(cpuTime.TotalNanoseconds / dag.Count);
                items.Add((double)itemCount / dag.Count);
            }
        }

        times.Sort();
        bytes.Sort();
        pauses.Sort();
        cpu.Sort();
        items.Sort();
        Console.WriteLine($"{dag.Name,-18} {implementation,-10} {times[times.Count / 2],10:F1} ns/task  (min {times[0],8:F1})  {bytes[bytes.Count / 2],8:F1} B/task  GC pause {pauses[pauses.Count / 2],8:F1} ns/task  CPU {cpu[cpu.Count / 2],8:F1} ns/task  pool items {items[items.Count / 2],6:F3}/task");
    }
}
