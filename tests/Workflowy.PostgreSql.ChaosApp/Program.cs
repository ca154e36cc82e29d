using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Workflowy;
using Workflowy.PostgreSql.ChaosApp;

// dotnet Workflowy.PostgreSql.ChaosApp.dll worker <connection string> <schema> <journal file|-> <lease ms> <batch> <concurrency>
// Prints "ready <worker id>" once registered; runs until killed, stdin closes, or its lease is lost (exit code 3).
if (args.Length != 7 || args[0] != "worker")
{
    Console.Error.WriteLine("usage: worker <connection string> <schema> <journal file|-> <lease ms> <batch> <concurrency>");
    return 2;
}

var lease = TimeSpan.FromMilliseconds(int.Parse(args[4], CultureInfo.InvariantCulture));
using var journal = args[3] == "-" ? null : new ExecutionJournal(args[3]);
var options = new PostgreSqlWorkflowyOptions
{
    ConnectionString = args[1],
    Schema = args[2],
    LeaseDuration = lease,
    HeartbeatInterval = lease / 4,
    ReaperInterval = lease / 4,
    PollInterval = TimeSpan.FromMilliseconds(500),
    ClaimBatchSize = int.Parse(args[5], CultureInfo.InvariantCulture),
    MaxConcurrency = int.Parse(args[6], CultureInfo.InvariantCulture),
};
await using var worker = new PostgreSqlWorker(options);
if (journal is not null)
{
    // Every attempt that starts a body is journaled (flushed) before the body runs, with the time read before the
    // worker's lease check that let it start.
    worker.AttemptStarting = start => journal.Executed(start.RunId, start.TaskKey, start.Fence, start.StartedAt);
}

await worker.StartAsync();
Console.WriteLine("ready " + worker.Id);
Console.Out.Flush();

// Stop when stdin closes (the harness ends), or when the worker stops by itself.
var stdinClosed = Task.Run(() => { while (Console.In.ReadLine() is not null) { } });
var ended = await Task.WhenAny(stdinClosed, worker.Completion);
if (ended == worker.Completion)
{
    try
    {
        await worker.Completion;
    }
    catch (WorkerLeaseLostException)
    {
        Console.WriteLine("lease lost " + worker.Statistics);
        return 3;
    }
}

await worker.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
Console.WriteLine("stopped " + worker.Statistics);
return 0;
