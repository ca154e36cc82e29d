using System.Collections.Generic;
using System.IO;
using Workflowy.Tests.Contracts;

namespace Workflowy.Tests;

/// <summary>The run-listing contract on the in-memory store.</summary>
public sealed class InMemoryRunQueryTests : RunQueryContract
{
    private readonly InMemoryWorkflowStore _store = new();

    protected override IWorkflowStore Store => _store;

    protected override IWorkflowStore Reopen() => _store;
}

/// <summary>The run-listing contract on the JSON file store, and how it lists files it cannot read.</summary>
public sealed class JsonFileRunQueryTests : RunQueryContract
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "workflowy-query-" + Guid.NewGuid().ToString("N"));
    private readonly JsonFileWorkflowStore _store;

    public JsonFileRunQueryTests() => _store = new JsonFileWorkflowStore(_directory);

    protected override IWorkflowStore Store => _store;

    protected override IWorkflowStore Reopen() => new JsonFileWorkflowStore(_directory);

    public override Task DisposeAsync()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task FilesThatCannotBeRead_AreReportedOnTheFirstPage_ListedRunsAreNot_AndTheFilesAreLeftUntouched()
    {
        await _store.SaveAsync(Run("wf", "good1", RunStatus.Completed, T0));
        await _store.SaveAsync(Run("wf", "good2", RunStatus.Running, T0.AddMinutes(1)));
        await _store.SaveAsync(Run("other", "good3", RunStatus.Failed, T0.AddMinutes(2)));
        var folder = Path.GetDirectoryName(_store.PathOf("wf", "good1"))!;
        var files = new Dictionary<string, string>
        {
            [Path.Combine(folder, "garbage.json")] = "this is not json",
            [Path.Combine(folder, "moved.json")] = File.ReadAllText(_store.PathOf("wf", "good1")),
            [_store.PathOf("wf", "exploded")] = "{\"schema\": \"workflowy.run\", \"version\": 1, \"workflow\": \"wf\", \"runId\": \"exploded\", \"status\": \"Exploded\", \"tasks\": {}, \"values\": {}}",
            [_store.PathOf("wf", "newer")] = "{\"schema\": \"workflowy.run\", \"version\": 99, \"workflow\": \"wf\", \"runId\": \"newer\", \"tasks\": {}, \"values\": {}}",
        };
        foreach (var (path, content) in files)
        {
            File.WriteAllText(path, content);
        }

        File.WriteAllText(Path.Combine(folder, ".good1.json.0123.tmp"), "half a file"); // a temporary file: ignored
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "not a run file"); // ignored

        var first = await _store.QueryRunsAsync(new RunQuery { Workflow = "wf", Limit = 1 });
        var second = await _store.QueryRunsAsync(new RunQuery { Workflow = "wf", Limit = 1, Continuation = first.Continuation });
        var everything = await _store.QueryRunsAsync(new RunQuery());

        Assert.Equal(new[] { "good2" }, first.Runs.Select(r => r.RunId));
        Assert.Equal(files.Keys.Order(), first.Unreadable.Select(e => e.Location).Order());
        Assert.Contains(first.Unreadable, e => e.Message.Contains("unknown status 'Exploded'", StringComparison.Ordinal));
        Assert.Contains(first.Unreadable, e => e.Message.Contains("not the checkpoint of the run its path names", StringComparison.Ordinal));
        Assert.Equal(new[] { "good1" }, second.Runs.Select(r => r.RunId));
        Assert.Null(second.Continuation);
        Assert.Empty(second.Unreadable);
        Assert.Equal(new[] { "good3", "good2", "good1" }, everything.Runs.Select(r => r.RunId));
        Assert.Equal(4, everything.Unreadable.Count);
        foreach (var (path, content) in files)
        {
            Assert.Equal(content, File.ReadAllText(path));
        }

        var load = await Assert.ThrowsAsync<CheckpointException>(() => _store.LoadAsync("wf", "exploded").AsTask());
        Assert.Contains("unknown status 'Exploded'", load.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<CheckpointException>(() => _store.SaveAsync(Run("wf", "exploded", RunStatus.Running, T0)).AsTask());
        Assert.Equal(files[_store.PathOf("wf", "exploded")], File.ReadAllText(_store.PathOf("wf", "exploded")));
    }

    [Fact]
    public async Task TheRunsStatusAndTimes_AreInTheRunsFile()
    {
        await _store.SaveAsync(Run("wf", "r1", RunStatus.Cancelled, T0, T0.AddSeconds(1)));

        var text = File.ReadAllText(_store.PathOf("wf", "r1"));

        Assert.Contains("\"status\":\"Cancelled\",\"startedAt\":\"2026-11-23T10:00:00+00:00\",\"endedAt\":\"2026-11-23T10:00:01+00:00\"", text, StringComparison.Ordinal);
    }
}
