using System;
using System.Globalization;
using System.IO;
using System.Text.Json;
using Workflowy;
using Workflowy.KillTest.App;

// Usage: Workflowy.KillTest.App <log file> <store directory> <run id> [--number N] [--label L] [--checkpoint-interval MS]
//            [--store json|sqlite] [--lease-owner NAME] [--lease-seconds S] [--lease-wait-seconds S]
// Runs (or continues, if the store has a checkpoint of <run id>) the layered workflow, journals every body to <log file>
// and prints every task's result as one JSON line. The store is a JsonFileWorkflowStore on <store directory>, or a
// SqliteWorkflowStore on <store directory>/workflowy.db. The run's lease is held as NAME (default: this process), lasts
// S seconds (default 30) and is waited for up to the given seconds (default 0). Exit codes: 0 done, 1 the run failed,
// 2 bad arguments.
const string Usage = "usage: Workflowy.KillTest.App <log file> <store directory> <run id> [--number N] [--label L] [--checkpoint-interval MS] [--store json|sqlite] [--lease-owner NAME] [--lease-seconds S] [--lease-wait-seconds S]";
if (args.Length < 3)
{
    Console.Error.WriteLine(Usage);
    return 2;
}

var (log, storeDirectory, runId) = (args[0], args[1], args[2]);
var number = 20_261_123;
var label = "kill-test";
var interval = TimeSpan.Zero;
var storeKind = "json";
var leaseOwner = $"kill-test-app:{Environment.ProcessId}";
var leaseDuration = TimeSpan.FromSeconds(30);
var leaseWait = TimeSpan.Zero;
for (var i = 3; i < args.Length; i += 2)
{
    var value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--number" when value is not null:
            number = int.Parse(value, CultureInfo.InvariantCulture);
            break;
        case "--label" when value is not null:
            label = value;
            break;
        case "--checkpoint-interval" when value is not null:
            interval = TimeSpan.FromMilliseconds(int.Parse(value, CultureInfo.InvariantCulture));
            break;
        case "--store" when value is "json" or "sqlite":
            storeKind = value;
            break;
        case "--lease-owner" when value is not null:
            leaseOwner = value;
            break;
        case "--lease-seconds" when value is not null:
            leaseDuration = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
            break;
        case "--lease-wait-seconds" when value is not null:
            leaseWait = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture));
            break;
        default:
            Console.Error.WriteLine($"unknown or incomplete option '{args[i]}'; {Usage}");
            return 2;
    }
}

using var journal = new Journal(log);
journal.Process();
try
{
    await using var sqlite = storeKind == "sqlite" ? new SqliteWorkflowStore(Path.Combine(storeDirectory, "workflowy.db")) : null;
    IWorkflowStore store = sqlite is null ? new JsonFileWorkflowStore(storeDirectory) : sqlite;
    await using var runner = new WorkflowRunner
    {
        Store = store,
        CheckpointInterval = interval,
        RunLeaseOwner = leaseOwner,
        RunLeaseDuration = leaseDuration,
        RunLeaseWait = leaseWait,
    };

    // With the id of a checkpointed run, RunAsync continues it: completed tasks are restored, the others run.
    var run = await new LayeredWorkflow(journal).RunAsync(number, label, runner, runId);
    var results = new Results(
        run.Seed.Result, run.Title.Result, run.Alpha.Result, run.Beta.Result, run.Gamma.Result, run.Delta.Result,
        run.Epsilon.Result, run.Zeta.Result, run.Eta.Result, run.Theta.Result, run.Iota.Result, run.Kappa.Result);
    journal.Done();
    Console.WriteLine(JsonSerializer.Serialize(results, KillTestJson.Default.Results));
    return 0;
}
catch (Exception ex)
{
    Console.Error.WriteLine($"run {runId} failed: {ex}");
    return 1;
}
