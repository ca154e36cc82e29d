// The scheduler's cost with 10,000 schedules registered (half cron "H 2 * * *" with their own ids, so each has its own
// minute; half "every 1 h" anchored at different seconds):
//   1. memory: managed heap after a full GC, before and after registering them (scheduler, entries, store records);
//   2. time to compute the next due: GetUpcoming(id, 1) for every schedule (Cronos or the every arithmetic), and one
//      loop pass on a fake clock when one of the 10,000 is due (the due queue is a heap: the pass does not scan all);
//   3. CPU while idle: process CPU time over 10 s of wall time with the 10,000 armed on the system clock (nothing due
//      for an hour), i.e. what the loop costs when it has nothing to do.
// Usage: dotnet run -c Release --project benchmarks/Workflowy.Scheduling.Benchmarks [-- idle-seconds]
using System;
using System.Diagnostics;
using System.Linq;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Time.Testing;
using Workflowy;
using Workflowy.Scheduling;

const int Count = 10_000;
var idleSeconds = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 10;
Console.WriteLine($".NET {Environment.Version}, {Environment.ProcessorCount} cores, {Count:N0} schedules");

// 1 + 2: fake clock.
var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
var clock = new FakeTimeProvider(start);
await using (var runner = new WorkflowRunner { TimeProvider = clock })
{
    var before = GC.GetTotalMemory(forceFullCollection: true);
    var scheduler = new WorkflowScheduler(runner, new SchedulerOptions { IncludeDeclared = false });
    var register = Stopwatch.StartNew();
    for (var i = 0; i < Count; i++)
    {
        if (i % 2 == 0)
        {
            await scheduler.AddScheduleAsync($"cron-{i}", ScheduleSpec.Cron("H 2 * * *"), nameof(Tick));
        }
        else
        {
            clock.SetUtcNow(start.AddMilliseconds(i)); // distinct anchors
            await scheduler.AddScheduleAsync($"every-{i}", ScheduleSpec.Every(TimeSpan.FromHours(1)), nameof(Tick));
        }
    }

    await scheduler.StartAsync();
    await scheduler.WhenIdleAsync();
    register.Stop();
    var after = GC.GetTotalMemory(forceFullCollection: true);
    Console.WriteLine($"register {Count:N0}: {register.Elapsed.TotalMilliseconds:F0} ms ({register.Elapsed.TotalMicroseconds / Count:F1} us each, through the loop)");
    Console.WriteLine($"memory: {(after - before) / 1024.0 / 1024.0:F2} MB managed for {Count:N0} schedules ({(after - before) / (double)Count:F0} bytes each)");

    var ids = scheduler.GetSchedules().Select(s => s.Id).ToArray();
    foreach (var id in ids.Take(200))
    {
        scheduler.GetUpcoming(id, 1); // warm-up
    }

    var next = Stopwatch.StartNew();
    var rounds = 5;
    for (var r = 0; r < rounds; r++)
    {
        foreach (var id in ids)
        {
            scheduler.GetUpcoming(id, 1);
        }
    }

    next.Stop();
    var cronIds = ids.Where(i => i.StartsWith("cron-", StringComparison.Ordinal)).ToArray();
    var everyIds = ids.Where(i => i.StartsWith("every-", StringComparison.Ordinal)).ToArray();
    Console.WriteLine($"next due, all {Count:N0}: {next.Elapsed.TotalMilliseconds / rounds:F2} ms per round ({next.Elapsed.TotalNanoseconds / rounds / Count:F0} ns per schedule)");
    foreach (var (name, group) in new[] { ("cron", cronIds), ("every", everyIds) })
    {
        var watch = Stopwatch.StartNew();
        for (var r = 0; r < rounds; r++)
        {
            foreach (var id in group)
            {
                scheduler.GetUpcoming(id, 1);
            }
        }

        Console.WriteLine($"  {name}: {watch.Elapsed.TotalNanoseconds / rounds / group.Length:F0} ns per schedule");
    }

    // One due among 10,000: the pass that fires it (claim, outcome, run start) and re-arms.
    var passes = new double[20];
    for (var p = 0; p < passes.Length; p++)
    {
        var due = scheduler.NextWakeUp!.Value;
        var watch = Stopwatch.StartNew();
        clock.SetUtcNow(due);
        await scheduler.WhenIdleAsync();
        passes[p] = watch.Elapsed.TotalMicroseconds;
        foreach (var run in runner.ActiveRuns)
        {
            await run.Completion;
        }
    }

    Array.Sort(passes);
    Console.WriteLine($"loop pass with one due of {Count:N0}: median {passes[passes.Length / 2]:F0} us (min {passes[0]:F0}, max {passes[^1]:F0}) over {passes.Length}");
    await scheduler.DisposeAsync();
}

// 3: system clock, nothing due for an hour or more.
await using (var runner = new WorkflowRunner())
{
    await using var scheduler = new WorkflowScheduler(runner, new SchedulerOptions { IncludeDeclared = false });
    for (var i = 0; i < Count; i++)
    {
        await scheduler.AddScheduleAsync($"idle-{i}", ScheduleSpec.Every(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(i % 3600)), nameof(Tick));
    }

    await scheduler.StartAsync();
    await scheduler.WhenIdleAsync();
    GC.Collect();
    var process = Process.GetCurrentProcess();
    process.Refresh();
    var cpuBefore = process.TotalProcessorTime;
    var wall = Stopwatch.StartNew();
    Thread.Sleep(TimeSpan.FromSeconds(idleSeconds));
    process.Refresh();
    var cpu = process.TotalProcessorTime - cpuBefore;
    Console.WriteLine($"idle: {cpu.TotalMilliseconds:F1} ms CPU over {wall.Elapsed.TotalSeconds:F1} s wall ({cpu.TotalMilliseconds / wall.Elapsed.TotalSeconds:F2} ms/s, whole process); next wake-up in {(scheduler.NextWakeUp!.Value - DateTimeOffset.UtcNow).TotalMinutes:F0} min");
}

[WorkflowSerialization(typeof(BenchJson))]
public partial class Tick
{
    [Task] public int One() => 1;
}

[JsonSerializable(typeof(int))]
internal partial class BenchJson : JsonSerializerContext
{
}
