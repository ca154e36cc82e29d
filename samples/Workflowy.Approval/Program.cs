using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Workflowy;
using Workflowy.Approval;

// dotnet run --project samples/Workflowy.Approval -- start [--version V] [--environment E] [--wait SECONDS] [--store DIR]
// dotnet run --project samples/Workflowy.Approval -- approve <runId> [--by NAME] [--store DIR]
// dotnet run --project samples/Workflowy.Approval -- status <runId> [--store DIR]
const string Usage = """
    usage:
      start [--version V] [--environment E] [--wait SECONDS] [--store DIR]   run until the approval waits, then leave
      approve <runId> [--by NAME] [--store DIR]                               approve the run and resume it
      status <runId> [--store DIR]                                            show the run's checkpoint
    """;

if (args.Length == 0 || !CommandLine.TryParse(args, out var command, out var runIdArgument, out var options))
{
    Console.Error.WriteLine(Usage);
    return 2;
}

var store = new JsonFileWorkflowStore(options.GetValueOrDefault("store", ".workflowy-approval"));
var workflowKey = DeployWorkflow.DeployWorkflowRun.Definition.FullName;
try
{
    return command switch
    {
        "start" when runIdArgument is null => await StartAsync(),
        "approve" when runIdArgument is not null => await ApproveAsync(runIdArgument),
        "status" when runIdArgument is not null => await StatusAsync(runIdArgument),
        _ => Fail(Usage, 2),
    };
}
catch (CheckpointException ex)
{
    return Fail($"The checkpoint cannot be used: {ex.Message}", 1);
}

// Runs the workflow until its approval task waits, gives the approval a short while, then cancels the run and leaves.
// Cancelling records the approval task (and the two after it) as Cancelled: a resume runs them again, and only them.
async Task<int> StartAsync()
{
    var version = options.GetValueOrDefault("version", "1.4.2");
    var environment = options.GetValueOrDefault("environment", "production");
    var wait = TimeSpan.FromSeconds(double.Parse(options.GetValueOrDefault("wait", "1"), CultureInfo.InvariantCulture));
    var approvalWaits = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    await using var runner = new WorkflowRunner { Store = store, EventPollInterval = TimeSpan.FromMilliseconds(500) };
    runner.TaskStateChanged += (_, e) =>
    {
        if (e.Task.Name == "Approve" && e.NewState == TaskState.Running)
        {
            approvalWaits.TrySetResult();
        }
    };

    using var leave = new CancellationTokenSource();
    var run = new DeployWorkflow().Start(version, environment, runner, cancellationToken: leave.Token);
    Console.WriteLine($"Run {run.RunId}: deploy {version} to {environment}, checkpointed in {store.Directory}");
    await Task.WhenAny(approvalWaits.Task, run.Completion);
    if (!run.Completion.IsCompleted && await Task.WhenAny(run.Completion, Task.Delay(wait)) != run.Completion)
    {
        Console.WriteLine($"No approval within {wait.TotalSeconds:0.#} s: leaving. The run stays checkpointed; the approval task is cancelled and will run again on resume.");
        await leave.CancelAsync();
    }

    try
    {
        await run.Completion;
    }
    catch (OperationCanceledException)
    {
        // We left while it waited; the run ended after storing its last checkpoint batch.
    }
    catch (Exception ex)
    {
        return Fail($"The run failed: {ex.Message}", 1);
    }

    await PrintCheckpointAsync(run.RunId);
    var storeOption = options.ContainsKey("store") ? $" --store {options["store"]}" : string.Empty;
    Console.WriteLine($"Approve it with: dotnet run --project samples/Workflowy.Approval -- approve {run.RunId}{storeOption}");
    return 0;
}

// Publishes the approval to the store, then resumes the run: completed tasks are restored, the others run.
async Task<int> ApproveAsync(string runId)
{
    if (await store.LoadAsync(workflowKey, runId) is not { } checkpoint)
    {
        return Fail($"There is no run {runId} in {store.Directory}.", 1);
    }

    await PrintCheckpointAsync(runId);
    if (checkpoint.Tasks.Count(t => t.State == TaskState.Completed) == DeployWorkflow.DeployWorkflowRun.Definition.Count)
    {
        Console.WriteLine($"Run {runId} is complete already: nothing to approve.");
        return 0;
    }

    // If `start` still executes the run (it holds the run's lease), wait for it to leave (it sees the approval and may
    // finish the run itself) rather than run the rest of the run in both processes.
    await using var runner = new WorkflowRunner { Store = store, EventPollInterval = TimeSpan.FromMilliseconds(500), RunLeaseWait = TimeSpan.FromMinutes(1) };
    var by = options.GetValueOrDefault("by", Environment.UserName);
    await runner.PublishEventAsync($"approved:{runId}", new Approval(by, DateTimeOffset.UtcNow), ApprovalJson.Default.Approval);
    Console.WriteLine($"Published approved:{runId} (by {by}); resuming the run.");

    var ran = new ConcurrentQueue<string>();
    runner.TaskStateChanged += (_, e) =>
    {
        if (e.NewState == TaskState.Running)
        {
            ran.Enqueue(e.Task.Name);
        }
    };

    DeployWorkflow.DeployWorkflowRun run;
    try
    {
        run = await new DeployWorkflow().ResumeAsync(runId, runner);
    }
    catch (Exception ex) when (ex is not CheckpointException)
    {
        return Fail($"The run failed: {ex.Message}", 1);
    }

    var restored = run.Tasks.Select(t => t.Name).Except(ran).ToList();
    Console.WriteLine($"Ran in this process: {Names(ran)}; restored from the checkpoint: {Names(restored)}.");
    Console.WriteLine($"Result: {run.Notify.Result}");
    await PrintCheckpointAsync(runId);
    return 0;
}

async Task<int> StatusAsync(string runId)
{
    if (await store.LoadAsync(workflowKey, runId) is null)
    {
        return Fail($"There is no run {runId} in {store.Directory}.", 1);
    }

    await PrintCheckpointAsync(runId);
    return 0;
}

async Task PrintCheckpointAsync(string runId)
{
    var checkpoint = await store.LoadAsync(workflowKey, runId);
    var states = DeployWorkflow.DeployWorkflowRun.Definition.Tasks
        .Select(t => checkpoint?.Tasks.FirstOrDefault(r => r.Key == t.Name) is { } record ? $"{t.Name} {record.State}" : $"{t.Name} (not recorded)");
    Console.WriteLine($"Checkpoint {store.PathOf(workflowKey, runId)}:");
    Console.WriteLine($"  {string.Join(", ", states)}");
}

static string Names(IEnumerable<string> names) => names.Any() ? string.Join(", ", names) : "nothing";

static int Fail(string message, int code)
{
    Console.Error.WriteLine(message);
    return code;
}

/// <summary>The sample's command line: a command, an optional run id, and <c>--name value</c> options.</summary>
internal static class CommandLine
{
    public static bool TryParse(string[] args, out string command, out string? runId, out Dictionary<string, string> options)
    {
        command = args[0];
        runId = null;
        options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                if (i + 1 >= args.Length)
                {
                    return false;
                }

                options[args[i][2..]] = args[++i];
            }
            else if (runId is null)
            {
                runId = args[i];
            }
            else
            {
                return false;
            }
        }

        return true;
    }
}
