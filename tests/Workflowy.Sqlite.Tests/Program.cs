using System.Globalization;

namespace Workflowy.Sqlite.Tests;

/// <summary>
/// The entry point of this assembly when it runs as a separate process (the test runner loads it as a library):
/// <c>dotnet exec Workflowy.Tests.dll writer &lt;database&gt; &lt;name&gt; &lt;batches&gt;</c> stores <c>batches</c> batches of
/// the run "shared" of workflow "multi" with its own keys, publishes the event "done:&lt;name&gt;", and prints what it read.
/// </summary>
/// <para>
/// <c>dotnet exec Workflowy.Tests.dll hold &lt;database&gt; &lt;run id&gt; &lt;lease seconds&gt;</c> starts the run of
/// <see cref="Workflowy.Tests.Workflows.LeasedWorkflow"/> (order 5) with that lease duration, prints
/// <c>started &lt;lease owner&gt;</c> once its first task runs (holding the run's lease), and on a line <c>go</c> on its
/// input lets the run finish and prints <c>done &lt;result&gt;</c>; <c>refused</c> if another process holds the lease.
/// </para>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 4 && args[0] == "hold")
        {
            return await HoldAsync(args[1], args[2], TimeSpan.FromSeconds(double.Parse(args[3], CultureInfo.InvariantCulture)));
        }

        if (args.Length != 4 || args[0] != "writer")
        {
            await Console.Error.WriteLineAsync("usage: writer <database> <name> <batches> | hold <database> <run id> <lease seconds>");
            return 2;
        }

        var (path, name, batches) = (args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture));
        try
        {
            await using var store = new SqliteWorkflowStore(path);
            await Writer.WriteAsync(store, name, batches);
            await store.PublishEventAsync("done:" + name, $"{{\"batches\":{batches}}}");
            var checkpoint = await store.LoadAsync(Writer.Workflow, Writer.RunId);
            Console.WriteLine($"{name}: {checkpoint!.Tasks.Count(t => t.Key.StartsWith(name + "/", StringComparison.Ordinal))} tasks");
            return 0;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"{name} failed: {ex}");
            return 1;
        }
    }

    private static async Task<int> HoldAsync(string path, string runId, TimeSpan lease)
    {
        try
        {
            await using var store = new SqliteWorkflowStore(path);
            var runner = new WorkflowRunner { Store = store, RunLeaseDuration = lease };
            var workflow = new Workflowy.Tests.Workflows.LeasedWorkflow();
            var run = workflow.Start(5, runner, runId);
            await Task.WhenAny(workflow.Started.Task, run.Completion);
            if (run.Failure is RunLeasedException)
            {
                Console.WriteLine("refused");
                return 3;
            }

            Console.WriteLine("started " + runner.RunLeaseOwner);
            while (await Console.In.ReadLineAsync() is { } line && line != "go")
            {
            }

            workflow.Gate.SetResult();
            await run.Completion;
            Console.WriteLine("done " + run.Ship.Result);
            return 0;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"hold failed: {ex}");
            return 1;
        }
    }
}

/// <summary>What each writer (a store instance in this process, or another process) stores.</summary>
public static class Writer
{
    public const string Workflow = "multi";
    public const string RunId = "shared";

    public static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.FromHours(1));

    public static async Task WriteAsync(IWorkflowStore store, string name, int batches)
    {
        for (var i = 0; i < batches; i++)
        {
            var key = $"{name}/{i}";
            await store.SaveAsync(new RunCheckpoint(
                Workflow,
                RunId,
                null,
                new[] { new TaskRecord(key, TaskState.Completed, $"{{\"writer\":\"{name}\",\"i\":{i}}}", 1, null, Now, Now) },
                new Dictionary<string, string> { [key] = i.ToString(CultureInfo.InvariantCulture), ["last:" + name] = i.ToString(CultureInfo.InvariantCulture) }));
        }
    }
}
