using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading.Tasks;
using Workflowy;
using Workflowy.Benchmarks.Process;

// The children of Backend.Process are this application again.
if (WorkflowyProcessWorker.IsWorker)
{
    return await WorkflowyProcessWorker.RunAsync();
}

// dotnet run -c Release --project benchmarks/Workflowy.Benchmarks.Process -- [rounds] [workers]
var rounds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 200;
var workers = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2;
const int TasksPerRun = 20;

using var executor = new ProcessTaskExecutor(new ProcessWorkerOptions { MaxWorkers = workers });
await using var runner = new WorkflowRunner
{
    MaxWorkers = workers,
    Executors = new Dictionary<Backend, TaskExecutor> { [Backend.Process] = executor },
};

// Warm-up: JIT in both processes, and the children started (their start is measured apart).
var start = Stopwatch.StartNew();
await new ProcessWide().RunAsync(0, runner);
Console.WriteLine($"children started and warmed: {start.Elapsed.TotalMilliseconds:0} ms for {executor.WorkerProcessIds.Count} children ({workers} allowed)");
for (var i = 0; i < 20; i++)
{
    await new ProcessChain().RunAsync(i, runner);
    await new ThreadChain().RunAsync(i, runner);
    await new ThreadWide().RunAsync(i, runner);
    await new ProcessWide().RunAsync(i, runner);
}

await Measure("Thread  chain (latency)", () => new ThreadChain().RunAsync(1, runner));
await Measure("Process chain (latency)", () => new ProcessChain().RunAsync(1, runner));
await Measure("Thread  wide  (throughput)", () => new ThreadWide().RunAsync(1, runner));
await Measure("Process wide  (throughput)", () => new ProcessWide().RunAsync(1, runner));
return 0;

async Task Measure<T>(string name, Func<Task<T>> run)
{
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < rounds; i++)
    {
        await run();
    }

    var perTask = clock.Elapsed.TotalMicroseconds / (rounds * TasksPerRun);
    Console.WriteLine($"{name,-28} {rounds * TasksPerRun,7} tasks  {perTask,10:0.0} us/task  {1_000_000 / perTask,10:0} tasks/s");
}
