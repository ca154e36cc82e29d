using Workflowy.Sqlite.Tests.Workflows;

namespace Workflowy.Sqlite.Tests;

/// <summary>
/// The SQLite store against bad stored data and foreign databases (issue 17): every problem is a
/// <see cref="CheckpointException"/> naming the file, and the file is left as it is. See docs/reliability.md.
/// </summary>
public sealed class SqliteReliabilityTests : TempFiles
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    public static TheoryData<string, string, string> BadRows => new()
    {
        { "attempts beyond Int32", "UPDATE workflowy_tasks SET attempts = 5000000000", "Task 'a' of run 'r1' of 'wf' has the attempt count 5000000000, out of range" },
        { "inputs that are not JSON", "UPDATE workflowy_runs SET inputs_json = 'not json'", "The inputs of run 'r1' of 'wf' are not valid JSON" },
        { "inputs cut short", "UPDATE workflowy_runs SET inputs_json = '{\"customer\": 8'", "The inputs of run 'r1' of 'wf' are not valid JSON" },
        { "a result that is not JSON", "UPDATE workflowy_tasks SET result_json = '{oops'", "The result of task 'a' of run 'r1' of 'wf' is not valid JSON" },
        { "a value that is not JSON", "UPDATE workflowy_values SET json = 'nope'", "The value 'state:k' of run 'r1' of 'wf' is not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadRows))]
    public async Task ABadRow_GivesACheckpointException_NamingTheFile_AndIsLeftAsItIs(string what, string sql, string expected)
    {
        var path = NewPath();
        await using (var store = new SqliteWorkflowStore(path))
        {
            await store.SaveAsync(Batch("wf", "r1", "{\"customer\":8}", new[] { new TaskRecord("a", TaskState.Completed, "1", 1, null, null, null) }, new Dictionary<string, string> { ["state:k"] = "\"v\"" }));
        }

        Execute(path, sql);
        var bytes = File.ReadAllBytes(path);

        await using (var store = new SqliteWorkflowStore(path))
        {
            var load = await Assert.ThrowsAsync<CheckpointException>(() => store.LoadAsync("wf", "r1").AsTask());

            Assert.True(what.Length > 0);
            Assert.Equal(path, load.Location);
            Assert.Contains(path, load.Message);
            Assert.Contains(expected, load.Message);
        }

        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task AnEventPayloadThatIsNotJson_GivesACheckpointException()
    {
        var path = NewPath();
        await using (var store = new SqliteWorkflowStore(path))
        {
            await store.PublishEventAsync("approved", "true");
        }

        Execute(path, "UPDATE workflowy_events SET payload_json = 'yes please'");

        await using (var store = new SqliteWorkflowStore(path))
        {
            var get = await Assert.ThrowsAsync<CheckpointException>(() => store.GetEventAsync("approved").AsTask());

            Assert.Equal(path, get.Location);
            Assert.Contains("The payload of event 'approved' is not valid JSON", get.Message);
        }
    }

    [Fact]
    public async Task StoredInputsThatAreNotJson_FailTheRun_WithACheckpointException_BeforeAnythingRuns()
    {
        var path = NewPath();
        var runId = "invoice-" + Guid.NewGuid().ToString("N");
        await using (var store = new SqliteWorkflowStore(path))
        {
            await new InvoiceWorkflow { Repaired = true }.RunAsync(8, "ada@example.org", new WorkflowRunner { Store = store }, runId).WaitAsync(Guard);
        }

        Execute(path, "UPDATE workflowy_runs SET inputs_json = 'customer=8'");
        var workflow = new InvoiceWorkflow { Repaired = true };
        await using (var store = new SqliteWorkflowStore(path))
        {
            var run = await Assert.ThrowsAsync<CheckpointException>(() => workflow.RunAsync(8, "ada@example.org", new WorkflowRunner { Store = store }, runId).WaitAsync(Guard));
            var resume = await Assert.ThrowsAsync<CheckpointException>(() => workflow.ResumeAsync(runId, new WorkflowRunner { Store = store }).WaitAsync(Guard));

            Assert.Equal(path, run.Location);
            Assert.Equal(path, resume.Location);
        }

        Assert.Equal((0, 0, 0, 0), (workflow.DraftCalls, workflow.ChargeCalls, workflow.ArchiveCalls, workflow.MailCalls));
    }

    public static TheoryData<string, string, string> ForeignEmptyDatabases => new()
    {
        { "an application id", "PRAGMA application_id = 1196444487", "application_id 1196444487 (0x47504B47)" },
        { "a user version", "PRAGMA user_version = 7", "user_version 7" },
        { "a negative application id", "PRAGMA application_id = -2", "application_id -2 (0xFFFFFFFE)" },
    };

    [Theory]
    [MemberData(nameof(ForeignEmptyDatabases))]
    public async Task AnEmptyDatabaseOfAnotherApplication_IsRefused_AndLeftUntouched(string what, string sql, string expected)
    {
        var path = NewPath();
        Execute(path, sql);
        var bytes = File.ReadAllBytes(path);
        var files = Directory.GetFiles(TempDirectory).Order().ToArray();

        await using (var store = new SqliteWorkflowStore(path))
        {
            var load = await Assert.ThrowsAsync<CheckpointException>(() => store.LoadAsync("wf", "r1").AsTask());
            var save = await Assert.ThrowsAsync<CheckpointException>(() => store.SaveAsync(Batch("wf", "r1", "{}")).AsTask());
            var query = await Assert.ThrowsAsync<CheckpointException>(() => store.QueryRunsAsync(new RunQuery()).AsTask());

            Assert.True(what.Length > 0);
            Assert.Equal((path, path, path), (load.Location, save.Location, query.Location));
            Assert.Contains("belongs to another application", load.Message);
            Assert.Contains(expected, load.Message);
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }

        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(files, Directory.GetFiles(TempDirectory).Order().ToArray());
    }

    [Fact]
    public async Task ANewDatabase_GetsWorkflowysApplicationId_AndOpensAgain()
    {
        var path = NewPath();
        await using (var store = new SqliteWorkflowStore(path))
        {
            await store.SaveAsync(Batch("wf", "r1", "{}"));
        }

        Assert.Equal(new[] { SqliteWorkflowStore.ApplicationId.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Query(path, "PRAGMA application_id"));
        Assert.Equal(0x57464C59, SqliteWorkflowStore.ApplicationId);
        await using (var store = new SqliteWorkflowStore(path))
        {
            Assert.Equal("{}", (await store.LoadAsync("wf", "r1"))!.InputsJson);
        }
    }

    [Fact]
    public async Task AnEmptyDatabaseWithWorkflowysApplicationId_GetsTheSchema()
    {
        var path = NewPath();
        Execute(path, $"PRAGMA application_id = {SqliteWorkflowStore.ApplicationId}");

        await using var store = new SqliteWorkflowStore(path);
        await store.SaveAsync(Batch("wf", "r1", "{}"));

        Assert.Equal("{}", (await store.LoadAsync("wf", "r1"))!.InputsJson);
    }

    [Theory]
    [InlineData("a high surrogate")]
    [InlineData("a low surrogate")]
    public async Task NamesWithALoneSurrogate_AreRefused(string what)
    {
        var name = what == "a high surrogate" ? "run-\uD800" : "\uDC00"; // built here: xunit would replace it in theory data
        var path = NewPath();
        await using var store = new SqliteWorkflowStore(path);

        await Assert.ThrowsAsync<ArgumentException>(() => store.LoadAsync("wf", name).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.LoadAsync(name, "r1").AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync(Batch("wf", name, "{}")).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync(Batch(name, "r1", "{}")).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.PublishEventAsync(name, "1").AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.GetEventAsync(name).AsTask());
    }
}
