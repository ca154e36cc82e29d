using System.Collections.Generic;
using System.IO;
using System.Text;
using Workflowy.Tests.Workflows;

namespace Workflowy.Tests;

/// <summary>
/// The JSON-file store against bad input and a hostile machine (issue 17): file modes, malformed and unreadable files,
/// long and invalid names, and resuming a corrupt checkpoint. See docs/reliability.md.
/// </summary>
public sealed class JsonStoreReliabilityTests : IDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private const string Durable = "Workflowy.Tests.Workflows.DurableWorkflow";
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "workflowy-reliability-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            foreach (var path in Directory.GetFileSystemEntries(_directory, "*", SearchOption.AllDirectories))
            {
                if (!OperatingSystem.IsWindows() && !File.GetAttributes(path).HasFlag(FileAttributes.ReparsePoint))
                {
                    File.SetUnixFileMode(path, File.GetAttributes(path).HasFlag(FileAttributes.Directory) ? Octal("700") : Octal("600"));
                }
            }

            Directory.Delete(_directory, recursive: true);
        }
    }

    private static UnixFileMode Octal(string mode) => (UnixFileMode)Convert.ToInt32(mode, 8);

    private static RunCheckpoint Batch(string workflow, string runId, string? inputs = "{}", params TaskRecord[] tasks) =>
        new(workflow, runId, inputs, tasks, new Dictionary<string, string>());

    private static TaskRecord Completed(string key, string result) => new(key, TaskState.Completed, result, 1, null, null, null);

    private string EventPath(string fileName) => Path.Combine(_directory, "events", fileName + ".json");

    // ---------------------------------------------------------------- file modes (item 1)

    [Fact]
    public async Task JsonStore_CreatesItsFilesOwnerOnly_AndItsDirectoriesOwnerOnly()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix modes only
        }

        var store = new JsonFileWorkflowStore(_directory);
        await store.SaveAsync(Batch("wf", "r1", "{\"secret\":\"inputs\"}", Completed("a", "\"a result\"")));
        await store.PublishEventAsync("approved", "{\"by\":\"ada\"}");

        Assert.Equal(Octal("600"), File.GetUnixFileMode(store.PathOf("wf", "r1")));
        Assert.Equal(Octal("600"), File.GetUnixFileMode(EventPath("approved")));
        foreach (var directory in new[] { _directory, Path.Combine(_directory, "runs"), Path.Combine(_directory, "runs", "wf"), Path.Combine(_directory, "events") })
        {
            Assert.Equal(Octal("700"), File.GetUnixFileMode(directory));
        }
    }

    [Theory]
    [InlineData("600")]
    [InlineData("640")]
    [InlineData("644")]
    [InlineData("660")]
    public async Task JsonStore_SavingOverAFile_KeepsItsMode(string mode)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var store = new JsonFileWorkflowStore(_directory);
        var run = store.PathOf("wf", "r1");
        await store.SaveAsync(Batch("wf", "r1", tasks: Completed("a", "1")));
        await store.PublishEventAsync("e", "1");
        File.SetUnixFileMode(run, Octal(mode));
        File.SetUnixFileMode(EventPath("e"), Octal(mode));

        await store.SaveAsync(Batch("wf", "r1", null, Completed("b", "2")));
        await store.PublishEventAsync("e", "2");

        Assert.Equal(Octal(mode), File.GetUnixFileMode(run));
        Assert.Equal(Octal(mode), File.GetUnixFileMode(EventPath("e")));
        Assert.Equal(2, (await store.LoadAsync("wf", "r1"))!.Tasks.Count);
        Assert.Equal("2", await store.GetEventAsync("e"));
    }

    [Fact]
    public async Task JsonStore_CreateModes_AreConfigurable_AndNullLeavesThemToTheProcess()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var configured = new JsonFileWorkflowStore(Path.Combine(_directory, "configured"))
        {
            FileCreateMode = Octal("640"),
            DirectoryCreateMode = Octal("750"),
        };
        await configured.SaveAsync(Batch("wf", "r1"));
        Assert.Equal(Octal("640"), File.GetUnixFileMode(configured.PathOf("wf", "r1")));
        Assert.Equal(Octal("750"), File.GetUnixFileMode(Path.GetDirectoryName(configured.PathOf("wf", "r1"))!));

        // null: what the process creates by default (its umask applies), as File.WriteAllText and CreateDirectory do.
        var reference = Path.Combine(_directory, "reference");
        Directory.CreateDirectory(reference);
        File.WriteAllText(Path.Combine(reference, "file"), "x");
        var plain = new JsonFileWorkflowStore(Path.Combine(_directory, "plain")) { FileCreateMode = null, DirectoryCreateMode = null };
        await plain.SaveAsync(Batch("wf", "r1"));
        Assert.Equal(File.GetUnixFileMode(Path.Combine(reference, "file")), File.GetUnixFileMode(plain.PathOf("wf", "r1")));
        Assert.Equal(File.GetUnixFileMode(reference), File.GetUnixFileMode(Path.GetDirectoryName(plain.PathOf("wf", "r1"))!));
    }

    [Fact]
    public void JsonStore_CreateModes_DefaultToOwnerOnly()
    {
        var store = new JsonFileWorkflowStore(_directory);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, store.FileCreateMode);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, store.DirectoryCreateMode);
    }

    // ---------------------------------------------------------------- typed errors for bad files (item 11)

    public static TheoryData<string, string, string> MalformedRunFiles => new()
    {
        { "a null task", """{"schema": "workflowy.run", "version": 1, "workflow": "wf", "runId": "r1", "tasks": {"A": null}, "values": {}}""", "Task 'A' has no record (null)" },
        { "no schema", """{"version": 1, "workflow": "wf", "runId": "r1", "tasks": {}, "values": {}}""", "not a Workflowy checkpoint (it has no 'schema')" },
        { "no version", """{"schema": "workflowy.run", "workflow": "wf", "runId": "r1", "tasks": {}, "values": {}}""", "has no schema 'version'" },
        { "no workflow or run id", """{"schema": "workflowy.run", "version": 1, "tasks": {}, "values": {}}""", "does not name its workflow and run id" },
        { "another shape", """{"id": 7, "items": {"a": 1}}""", "not a Workflowy checkpoint (it has no 'schema')" },
        { "an array", """[1, 2, 3]""", "not a Workflowy checkpoint (it holds a JSON array, not an object)" },
        { "a string", "\"workflowy.run\"", "not a Workflowy checkpoint (it holds a JSON string, not an object)" },
        { "null", "null", "not a Workflowy checkpoint (it holds a JSON null, not an object)" },
        { "no tasks", """{"schema": "workflowy.run", "version": 1, "workflow": "wf", "runId": "r1", "values": {}}""", "lacks its 'tasks'" },
        { "no values", """{"schema": "workflowy.run", "version": 1, "workflow": "wf", "runId": "r1", "tasks": {}}""", "lacks its 'values'" },
        { "a negative attempt count", """{"schema": "workflowy.run", "version": 1, "workflow": "wf", "runId": "r1", "tasks": {"A": {"state": "Completed", "attempts": -1}}, "values": {}}""", "Task 'A' has the negative attempt count -1" },
        { "a time of the wrong type", """{"schema": "workflowy.run", "version": 1, "workflow": "wf", "runId": "r1", "startedAt": 12, "tasks": {}, "values": {}}""", "$.startedAt" },
    };

    [Theory]
    [MemberData(nameof(MalformedRunFiles))]
    public async Task JsonStore_MalformedRunFiles_GiveACheckpointException_SayingWhatIsWrong_AndAreLeftUntouched(string what, string content, string expected)
    {
        var store = new JsonFileWorkflowStore(_directory);
        var path = store.PathOf("wf", "r1");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);

        var load = await Assert.ThrowsAsync<CheckpointException>(() => store.LoadAsync("wf", "r1").AsTask());
        var save = await Assert.ThrowsAsync<CheckpointException>(() => store.SaveAsync(Batch("wf", "r1", tasks: Completed("b", "1"))).AsTask());
        var page = await store.QueryRunsAsync(new RunQuery());

        Assert.True(what.Length > 0);
        Assert.Equal(path, load.Location);
        Assert.Contains(path, load.Message);
        Assert.Contains(expected, load.Message);
        Assert.DoesNotContain("''", load.Message);
        Assert.Equal(path, save.Location);
        Assert.Contains(expected, save.Message);
        Assert.Empty(page.Runs);
        Assert.Equal(path, Assert.Single(page.Unreadable).Location);
        Assert.Equal(content, File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public async Task JsonStore_ADirectoryWhereAFileShouldBe_GivesACheckpointException_AndIsLeftAsItIs()
    {
        var store = new JsonFileWorkflowStore(_directory);
        var run = store.PathOf("wf", "r1");
        Directory.CreateDirectory(Path.Combine(run, "inside"));
        Directory.CreateDirectory(Path.Combine(EventPath("e"), "inside"));

        var load = await Assert.ThrowsAsync<CheckpointException>(() => store.LoadAsync("wf", "r1").AsTask());
        var save = await Assert.ThrowsAsync<CheckpointException>(() => store.SaveAsync(Batch("wf", "r1")).AsTask());
        var get = await Assert.ThrowsAsync<CheckpointException>(() => store.GetEventAsync("e").AsTask());
        var publish = await Assert.ThrowsAsync<CheckpointException>(() => store.PublishEventAsync("e", "1").AsTask());

        Assert.Equal((run, run, EventPath("e"), EventPath("e")), (load.Location, save.Location, get.Location, publish.Location));
        Assert.True(Directory.Exists(Path.Combine(run, "inside")));
        Assert.True(Directory.Exists(Path.Combine(EventPath("e"), "inside")));
        Assert.Empty(Directory.GetFiles(_directory, "*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("runs")]
    [InlineData("runs/wf")]
    public async Task JsonStore_AFileWhereADirectoryShouldBe_GivesACheckpointException_OnLoadAndSave(string directory)
    {
        var store = new JsonFileWorkflowStore(_directory);
        var blocking = Path.Combine(_directory, directory);
        Directory.CreateDirectory(Path.GetDirectoryName(blocking)!);
        File.WriteAllText(blocking, "a file, not a directory");

        var load = await Assert.ThrowsAsync<CheckpointException>(() => store.LoadAsync("wf", "r1").AsTask());
        var save = await Assert.ThrowsAsync<CheckpointException>(() => store.SaveAsync(Batch("wf", "r1")).AsTask());

        Assert.Equal((store.PathOf("wf", "r1"), store.PathOf("wf", "r1")), (load.Location, save.Location));
        Assert.Contains($"the file {blocking} is where a directory should be", load.Message);
        Assert.Equal("a file, not a directory", File.ReadAllText(blocking));
    }

    [Fact]
    public async Task JsonStore_AnUnreadableFile_GivesACheckpointException()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var store = new JsonFileWorkflowStore(_directory);
        await store.SaveAsync(Batch("wf", "r1"));
        await store.PublishEventAsync("e", "1");
        var run = store.PathOf("wf", "r1");
        File.SetUnixFileMode(run, UnixFileMode.None);
        File.SetUnixFileMode(EventPath("e"), UnixFileMode.None);
        try
        {
            File.ReadAllBytes(run);
            return; // a superuser reads it anyway: nothing to test here (the directory case above covers the same path)
        }
        catch (UnauthorizedAccessException)
        {
        }

        var load = await Assert.ThrowsAsync<CheckpointException>(() => store.LoadAsync("wf", "r1").AsTask());
        var get = await Assert.ThrowsAsync<CheckpointException>(() => store.GetEventAsync("e").AsTask());
        var page = await store.QueryRunsAsync(new RunQuery());

        Assert.Equal((run, EventPath("e")), (load.Location, get.Location));
        Assert.IsType<UnauthorizedAccessException>(load.InnerException);
        Assert.Equal(run, Assert.Single(page.Unreadable).Location);
        Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(run));
    }

    public static TheoryData<string, string, string> MalformedEventFiles => new()
    {
        { "no payload", """{"schema": "workflowy.run.event", "version": 1, "name": "e"}""", "has no 'payload'" },
        { "no schema", """{"version": 1, "name": "e", "payload": 1}""", "not a Workflowy event" },
        { "no version", """{"schema": "workflowy.run.event", "name": "e", "payload": 1}""", "not a Workflowy event" },
        { "another event's name", """{"schema": "workflowy.run.event", "version": 1, "name": "f", "payload": 1}""", "names the event 'f'" },
        { "an array", """[1]""", "holds a JSON array, not an object" },
        { "not JSON", """{"schema": "workflowy.run.event", "version": 1, "name": "e", "payload": """, "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(MalformedEventFiles))]
    public async Task JsonStore_MalformedEventFiles_GiveACheckpointException_AndAreLeftUntouched(string what, string content, string expected)
    {
        var store = new JsonFileWorkflowStore(_directory);
        Directory.CreateDirectory(Path.GetDirectoryName(EventPath("e"))!);
        File.WriteAllText(EventPath("e"), content);

        var get = await Assert.ThrowsAsync<CheckpointException>(() => store.GetEventAsync("e").AsTask());

        Assert.True(what.Length > 0);
        Assert.Equal(EventPath("e"), get.Location);
        Assert.Contains(expected, get.Message);
        Assert.Equal(content, File.ReadAllText(EventPath("e")));
    }

    [Fact]
    public async Task JsonStore_AnEventWithANullPayload_ReadsBackAsNull()
    {
        var store = new JsonFileWorkflowStore(_directory);
        await store.PublishEventAsync("e", "null");

        Assert.Equal("null", await store.GetEventAsync("e"));
        Assert.Null(await store.GetEventAsync("never published"));
    }

    // ---------------------------------------------------------------- long and invalid names (item 13)

    public static TheoryData<string> LongNames => new()
    {
        new string('a', 213),
        new string('a', 1000),
        new string('é', 43),
        string.Concat(Enumerable.Repeat("😀", 300)),
        "run/" + new string('x', 250) + "/../../escape",
    };

    [Theory]
    [MemberData(nameof(LongNames))]
    public async Task JsonStore_LongNames_GetAHashedFileName_AndReadBack(string name)
    {
        var store = new JsonFileWorkflowStore(_directory);
        await store.SaveAsync(Batch(name, name, "{\"x\":1}", Completed("a", "1")));
        await store.PublishEventAsync(name, "\"payload\"");

        var loaded = (await store.LoadAsync(name, name))!;
        var page = await store.QueryRunsAsync(new RunQuery());
        var filtered = await store.QueryRunsAsync(new RunQuery { Workflow = name });

        Assert.Equal((name, name, "{\"x\":1}"), (loaded.Workflow, loaded.RunId, loaded.InputsJson));
        Assert.Equal("\"payload\"", await store.GetEventAsync(name));
        Assert.Equal(name, Assert.Single(page.Runs).RunId);
        Assert.Equal(name, Assert.Single(filtered.Runs).RunId);
        Assert.Empty(page.Unreadable);
        var path = store.PathOf(name, name);
        Assert.True(File.Exists(path));
        Assert.StartsWith(Path.Combine(_directory, "runs") + Path.DirectorySeparatorChar, path, StringComparison.Ordinal);
        foreach (var file in Directory.GetFileSystemEntries(_directory, "*", SearchOption.AllDirectories))
        {
            Assert.True(Encoding.UTF8.GetByteCount(Path.GetFileName(file)) <= 212 + ".json".Length, file);
        }
    }

    [Fact]
    public void JsonStore_NamesThatFit_KeepTheirFileNames()
    {
        var store = new JsonFileWorkflowStore(_directory);
        var ascii = new string('a', 212);
        var accented = new string('é', 42);
        var workflow = new string('w', 255);

        Assert.Equal(Path.Combine(_directory, "runs", "wf", ascii + ".json"), store.PathOf("wf", ascii));
        Assert.Equal(Path.Combine(_directory, "runs", "wf", string.Concat(Enumerable.Repeat("%00E9", 42)) + ".json"), store.PathOf("wf", accented));
        Assert.Equal(Path.Combine(_directory, "runs", workflow, "r.json"), store.PathOf(workflow, "r"));
    }

    [Fact]
    public async Task JsonStore_LongNamesThatShareAPrefix_GetFilesOfTheirOwn()
    {
        var store = new JsonFileWorkflowStore(_directory);
        var prefix = new string('p', 400);
        await store.SaveAsync(Batch("wf", prefix + "1", "{\"n\":1}"));
        await store.SaveAsync(Batch("wf", prefix + "2", "{\"n\":2}"));

        Assert.NotEqual(store.PathOf("wf", prefix + "1"), store.PathOf("wf", prefix + "2"));
        Assert.Equal("{\"n\":1}", (await store.LoadAsync("wf", prefix + "1"))!.InputsJson);
        Assert.Equal("{\"n\":2}", (await store.LoadAsync("wf", prefix + "2"))!.InputsJson);
        Assert.Null(await store.LoadAsync("wf", prefix + "3"));
    }

    [Fact]
    public async Task JsonStore_AHashedFileOfAnotherRun_IsReportedAsSuch()
    {
        var store = new JsonFileWorkflowStore(_directory);
        var id = new string('i', 300);
        await store.SaveAsync(Batch("wf", id));
        var path = store.PathOf("wf", id);
        var content = File.ReadAllText(path).Replace(id, id + "-other", StringComparison.Ordinal);
        File.WriteAllText(path, content);

        var load = await Assert.ThrowsAsync<CheckpointException>(() => store.LoadAsync("wf", id).AsTask());

        Assert.Equal(path, load.Location);
        Assert.Contains("belongs to run", load.Message);
        Assert.Equal(content, File.ReadAllText(path));
    }

    [Fact]
    public async Task ARunWithALongRunId_RunsAndResumes_OnTheJsonStore()
    {
        var store = new JsonFileWorkflowStore(_directory);
        var runId = "order-" + new string('7', 300);
        var first = new DurableWorkflow();

        var failed = await first.RunAsync(3, "Main St", new WorkflowRunner { Store = store, ErrorPolicy = ErrorPolicy.Continue }, runId).WaitAsync(Guard);
        var second = new DurableWorkflow { Repaired = true };
        var resumed = await second.ResumeAsync(runId, new WorkflowRunner { Store = store }).WaitAsync(Guard);

        Assert.Equal(TaskState.Failed, failed.Ship.State);
        Assert.Equal((0, 0, 1), (second.LoadCalls, second.ChargeCalls, second.ShipCalls));
        Assert.Equal("paid 30, shipped 30 to Main St", resumed.Ship.Result);
        Assert.Equal(runId, (await store.LoadAsync(Durable, runId))!.RunId);
    }

    // Built in the test: xunit would replace a lone surrogate in serialised theory data with U+FFFD.
    public static TheoryData<string> LoneSurrogates => new()
    {
        "a high surrogate in the run id",
        "a low surrogate in the run id",
        "a reversed pair in the run id",
        "a lone surrogate in the workflow",
    };

    [Theory]
    [MemberData(nameof(LoneSurrogates))]
    public async Task JsonStore_NamesWithALoneSurrogate_AreRefused(string what)
    {
        var (workflow, runId) = what switch
        {
            "a high surrogate in the run id" => ("wf", "run-\uD800"),
            "a low surrogate in the run id" => ("wf", "\uDC00run"),
            "a reversed pair in the run id" => ("wf", "run-\uDE00\uD83D"),
            _ => ("wf\uD800", "run"),
        };
        var store = new JsonFileWorkflowStore(_directory);

        Assert.Throws<ArgumentException>(() => store.PathOf(workflow, runId));
        await Assert.ThrowsAsync<ArgumentException>(() => store.LoadAsync(workflow, runId).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync(Batch(workflow, runId)).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.PublishEventAsync(workflow + runId, "1").AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.GetEventAsync(workflow + runId).AsTask());
        Assert.False(Directory.Exists(_directory) && Directory.GetFiles(_directory, "*", SearchOption.AllDirectories).Length > 0);
    }

    [Fact]
    public async Task ARunIdWithALoneSurrogate_IsRefused_BeforeAnyTaskRuns()
    {
        var store = new JsonFileWorkflowStore(_directory);
        var workflow = new DurableWorkflow { Repaired = true };

        await Assert.ThrowsAsync<ArgumentException>(() => workflow.RunAsync(1, "x", new WorkflowRunner { Store = store }, "run-\uD800").WaitAsync(Guard));
        await Assert.ThrowsAsync<ArgumentException>(() => new WorkflowRunner { Store = store }.ResumeRunAsync("dyn", "run-\uD800").WaitAsync(Guard));

        Assert.Equal((0, 0, 0), (workflow.LoadCalls, workflow.ChargeCalls, workflow.ShipCalls));
        Assert.False(Directory.Exists(_directory));
    }

    // ---------------------------------------------------------------- ResumeRunAsync of a corrupt checkpoint (item 13)

    [Fact]
    public async Task ResumeRunAsync_OfACorruptCheckpoint_ThrowsTheCheckpointException()
    {
        var store = new JsonFileWorkflowStore(_directory);
        var path = store.PathOf("dyn", "broken");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "{ broken");
        var runner = new WorkflowRunner { Store = store };

        var thrown = await Assert.ThrowsAsync<CheckpointException>(() => runner.ResumeRunAsync("dyn", "broken").WaitAsync(Guard));

        Assert.Equal(path, thrown.Location);
        Assert.Equal("{ broken", File.ReadAllText(path));
    }
}
