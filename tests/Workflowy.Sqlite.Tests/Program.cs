using System.Globalization;

namespace Workflowy.Sqlite.Tests;

/// <summary>
/// The entry point of this assembly when it runs as a separate process (the test runner loads it as a library):
/// <c>dotnet exec Workflowy.Tests.dll writer &lt;database&gt; &lt;name&gt; &lt;batches&gt;</c> stores <c>batches</c> batches of
/// the run "shared" of workflow "multi" with its own keys, publishes the event "done:&lt;name&gt;", and prints what it read.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length != 4 || args[0] != "writer")
        {
            await Console.Error.WriteLineAsync("usage: writer <database> <name> <batches>");
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
