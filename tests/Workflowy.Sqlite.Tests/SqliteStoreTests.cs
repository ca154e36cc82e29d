using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Workflowy.Sqlite.Tests;

/// <summary>The store contract on SQLite: round trips, merges, atomic batches, WAL, several instances and processes.</summary>
public sealed class SqliteStoreTests : TempFiles
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, 123, TimeSpan.FromHours(2));
    private static readonly DateTimeOffset Later = Now.AddSeconds(3.5);

    /// <summary>JSON with whitespace, key order, number forms, escapes and non-ASCII text that a re-serialiser would change.</summary>
    private const string OddJson = "{ \"b\" : 1,\n\t\"a\":[1 , 2.50, 1e3, -0.0],  \"s\":\"caf\\u00e9 caf\u00e9 \u65e5\u672c \ud83d\ude80 \\\"q\\\" \\/\" , \"n\" : null }";

    [Fact]
    public async Task RoundTrip_KeepsInputsRecordsValuesAndEvents_AndTheirJsonTextByteForByte()
    {
        await using var store = new SqliteWorkflowStore(NewPath());
        var records = new[]
        {
            new TaskRecord("load", TaskState.Completed, OddJson, 1, null, Now, Later),
            new TaskRecord("charge/1", TaskState.Failed, null, 3, "IOException: boom\nsecond line", Now, null),
            new TaskRecord("ship", TaskState.Pending, null, 0, null, null, null),
        };
        await store.SaveAsync(Batch("Shop.Order", "run/1 é", "{\"orderId\" : 7,  \"address\":\"Baker Street\"}", records, new Dictionary<string, string> { ["state:x"] = OddJson, ["effect:mail"] = "\"sent\"" }));
        await store.PublishEventAsync("approved:run/1", OddJson);

        var loaded = await store.LoadAsync("Shop.Order", "run/1 é");

        Assert.NotNull(loaded);
        Assert.Equal(("Shop.Order", "run/1 é"), (loaded!.Workflow, loaded.RunId));
        Assert.Equal("{\"orderId\" : 7,  \"address\":\"Baker Street\"}", loaded.InputsJson);
        Assert.Equal(records.OrderBy(r => r.Key, StringComparer.Ordinal), loaded.Tasks.OrderBy(r => r.Key, StringComparer.Ordinal));
        Assert.Equal(OddJson, loaded.Tasks.Single(t => t.Key == "load").ResultJson);
        Assert.Equal(Later.Offset, loaded.Tasks.Single(t => t.Key == "load").FinishedAt!.Value.Offset);
        Assert.Equal(2, loaded.Values.Count);
        Assert.Equal(OddJson, loaded.Values["state:x"]);
        Assert.Equal("\"sent\"", loaded.Values["effect:mail"]);
        Assert.Equal(OddJson, await store.GetEventAsync("approved:run/1"));
        Assert.Null(await store.GetEventAsync("never"));
        Assert.Null(await store.LoadAsync("Shop.Order", "run/2"));
        Assert.Null(await store.LoadAsync("Other", "run/1 é"));

        // The text in the file is the text given, byte for byte (not reformatted).
        Assert.Equal(new[] { OddJson }, Query(store.FilePath, "SELECT result_json FROM workflowy_tasks WHERE key = 'load'"));
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(OddJson), QueryBlob(store.FilePath, "SELECT CAST(json AS BLOB) FROM workflowy_values WHERE key = 'state:x'"));
    }

    [Fact]
    public async Task Batches_Merge_ALaterRecordForAKeyReplacesTheEarlier_AndInputsStayUnlessGiven()
    {
        await using var store = new SqliteWorkflowStore(NewPath());
        await store.SaveAsync(Batch("wf", "r1", "{\"x\":1}", new[] { new TaskRecord("a", TaskState.Running, null, 1, null, Now, null) }, new Dictionary<string, string> { ["v1"] = "1" }));
        await store.SaveAsync(Batch("wf", "r1", null, new[] { new TaskRecord("b", TaskState.Completed, "\"B\"", 1, null, Now, Later) }, new Dictionary<string, string> { ["v2"] = "2" }));
        await store.SaveAsync(Batch("wf", "r1", null, new[] { new TaskRecord("a", TaskState.Completed, "[1, 2]", 2, null, Later, Later) }, new Dictionary<string, string> { ["v1"] = "11" }));
        await store.SaveAsync(Batch("wf", "r2", "{\"x\":2}"));

        var r1 = (await store.LoadAsync("wf", "r1"))!;
        var r2 = (await store.LoadAsync("wf", "r2"))!;

        Assert.Equal("{\"x\":1}", r1.InputsJson);
        Assert.Equal(new[] { "a", "b" }, r1.Tasks.Select(t => t.Key));
        Assert.Equal(new TaskRecord("a", TaskState.Completed, "[1, 2]", 2, null, Later, Later), r1.Tasks[0]);
        Assert.Equal("\"B\"", r1.Tasks[1].ResultJson);
        Assert.Equal(new Dictionary<string, string> { ["v1"] = "11", ["v2"] = "2" }, r1.Values);
        Assert.Equal("{\"x\":2}", r2.InputsJson);
        Assert.Empty(r2.Tasks);
        Assert.Empty(r2.Values);

        await store.SaveAsync(Batch("wf", "r1", "{\"x\":3}"));
        Assert.Equal("{\"x\":3}", (await store.LoadAsync("wf", "r1"))!.InputsJson);

        await store.PublishEventAsync("e", "1");
        await store.PublishEventAsync("e", "{\"again\":true}");
        Assert.Equal("{\"again\":true}", await store.GetEventAsync("e"));
    }

    [Fact]
    public async Task ABatchThatFailsHalfWay_InTheDatabase_StoresNothingOfIt()
    {
        await using var store = new SqliteWorkflowStore(NewPath());
        await store.SaveAsync(Batch("wf", "r1", "{\"x\":1}", new[] { new TaskRecord("a", TaskState.Running, null, 1, null, Now, null) }, new Dictionary<string, string> { ["v"] = "1" }));
        var before = await store.LoadAsync("wf", "r1");

        // The 2nd record violates the CHECK (attempts >= 0) of the tasks table: the run row and the 1st record were
        // already written in the transaction when the database refuses it.
        var failing = Batch(
            "wf",
            "r1",
            "{\"x\":2}",
            new[] { new TaskRecord("a", TaskState.Completed, "\"A\"", 1, null, Now, Later), new TaskRecord("b", TaskState.Failed, null, -1, "bad", Now, Later) },
            new Dictionary<string, string> { ["v"] = "2", ["w"] = "3" });
        var thrown = await Assert.ThrowsAsync<CheckpointException>(() => store.SaveAsync(failing).AsTask());

        Assert.Contains("CHECK constraint failed", thrown.Message);
        Assert.Contains("nothing of it was", thrown.Message);
        Assert.Equal(store.FilePath, thrown.Location);
        AssertSame(before!, (await store.LoadAsync("wf", "r1"))!);

        // A new run's failing batch leaves no run behind either.
        await Assert.ThrowsAsync<CheckpointException>(() => store.SaveAsync(failing with { RunId = "r2" }).AsTask());
        Assert.Null(await store.LoadAsync("wf", "r2"));

        // The store is still usable.
        await store.SaveAsync(failing with { Tasks = failing.Tasks.Take(1).ToList() });
        Assert.Equal("\"A\"", (await store.LoadAsync("wf", "r1"))!.Tasks.Single().ResultJson);
    }

    [Theory]
    [InlineData(1)] // after the run row (and the inputs)
    [InlineData(2)] // after the first task record
    [InlineData(3)] // after the last task record
    [InlineData(5)] // after the last value, just before the commit
    public async Task ABatchThatFailsAfterAnyStatement_StoresNothingOfIt(int failAfter)
    {
        await using var store = new SqliteWorkflowStore(NewPath());
        await store.SaveAsync(Batch("wf", "r1", "{\"x\":1}", new[] { new TaskRecord("a", TaskState.Running, null, 1, null, Now, null) }, new Dictionary<string, string> { ["v"] = "1" }));
        var before = await store.LoadAsync("wf", "r1");
        store.AfterSaveStatement = n =>
        {
            if (n == failAfter)
            {
                throw new IOException($"injected failure after statement {n}");
            }
        };

        var batch = Batch(
            "wf",
            "r1",
            "{\"x\":2}",
            new[] { new TaskRecord("a", TaskState.Completed, "\"A\"", 1, null, Now, Later), new TaskRecord("b", TaskState.Completed, "\"B\"", 1, null, Now, Later) },
            new Dictionary<string, string> { ["v"] = "2", ["w"] = "3" });
        var thrown = await Assert.ThrowsAsync<IOException>(() => store.SaveAsync(batch).AsTask());
        Assert.Contains($"statement {failAfter}", thrown.Message);

        AssertSame(before!, (await store.LoadAsync("wf", "r1"))!);
        store.AfterSaveStatement = null;
        await store.SaveAsync(batch);
        var after = (await store.LoadAsync("wf", "r1"))!;
        Assert.Equal(("{\"x\":2}", 2, 2), (after.InputsJson, after.Tasks.Count, after.Values.Count));
    }

    [Theory]
    [InlineData("inputs")]
    [InlineData("result of task 'b'")]
    [InlineData("value 'v'")]
    [InlineData("value 'two'")]
    [InlineData("value 'surrogate'")]
    public async Task InvalidJson_IsRefusedBeforeAnythingIsWritten(string what)
    {
        var batch = what switch
        {
            "inputs" => Batch("wf", "r1", "{\"x\":"),
            "result of task 'b'" => Batch("wf", "r1", null, new[] { new TaskRecord("a", TaskState.Completed, "1", 1, null, null, null), new TaskRecord("b", TaskState.Completed, "[1,]", 1, null, null, null) }),
            "value 'v'" => Batch("wf", "r1", null, null, new Dictionary<string, string> { ["ok"] = "1", ["v"] = "not json" }),
            "value 'two'" => Batch("wf", "r1", null, null, new Dictionary<string, string> { ["two"] = "1 2" }),
            _ => Batch("wf", "r1", null, null, new Dictionary<string, string> { ["surrogate"] = "\"\ud800\"" }),
        };
        await using var store = new SqliteWorkflowStore(NewPath());
        await store.SaveAsync(Batch("wf", "r1", "{\"x\":1}"));

        var thrown = await Assert.ThrowsAsync<CheckpointException>(() => store.SaveAsync(batch).AsTask());

        Assert.Contains($"The {what} to store is not valid", thrown.Message);
        var loaded = (await store.LoadAsync("wf", "r1"))!;
        Assert.Equal(("{\"x\":1}", 0, 0), (loaded.InputsJson, loaded.Tasks.Count, loaded.Values.Count));
        await Assert.ThrowsAsync<CheckpointException>(() => store.PublishEventAsync("e", "{").AsTask());
        Assert.Null(await store.GetEventAsync("e"));
    }

    [Fact]
    public async Task AnUnknownTaskState_IsRefused()
    {
        await using var store = new SqliteWorkflowStore(NewPath());
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync(Batch("wf", "r1", null, new[] { new TaskRecord("a", (TaskState)42, null, 1, null, null, null) })).AsTask());
        Assert.Null(await store.LoadAsync("wf", "r1"));
    }

    [Fact]
    public async Task TheDatabase_IsInWalMode_AndNamesItsSchemaAndVersion()
    {
        var path = NewPath(Path.Combine("nested", "dir", "store.db"));
        await using (var store = new SqliteWorkflowStore(path))
        {
            Assert.Null(await store.LoadAsync("wf", "r1"));
            Assert.Equal(path, store.FilePath);
            Assert.Equal(TimeSpan.FromSeconds(30), store.BusyTimeout);
        }

        Assert.Equal(new[] { "wal" }, Query(path, "PRAGMA journal_mode"));
        Assert.Equal(new[] { "schema=workflowy.run", "version=3" }, Query(path, "SELECT key || '=' || value FROM workflowy_meta ORDER BY key"));
        Assert.Equal(
            new[] { "workflowy_events", "workflowy_leases", "workflowy_meta", "workflowy_runs", "workflowy_tasks", "workflowy_values" },
            Query(path, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"));

        // A Workflowy database that someone turned back to a rollback journal is put in WAL mode again.
        Execute(path, "PRAGMA journal_mode = DELETE");
        Assert.Equal(new[] { "delete" }, Query(path, "PRAGMA journal_mode"));
        await using (var store = new SqliteWorkflowStore(path))
        {
            await store.SaveAsync(Batch("wf", "r1", "{}"));
        }

        Assert.Equal(new[] { "wal" }, Query(path, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task TwoStoreInstancesOnOneFile_BothWriteAndRead_Concurrently()
    {
        var path = NewPath();
        await using var first = new SqliteWorkflowStore(path);
        await using var second = new SqliteWorkflowStore(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false });

        // Both open the file for the first time at once (one creates the schema, the other finds it).
        await Task.WhenAll(Task.Run(() => Writer.WriteAsync(first, "one", 40)), Task.Run(() => Writer.WriteAsync(second, "two", 40)));
        await first.PublishEventAsync("from-first", "1");
        await second.PublishEventAsync("from-second", "2");

        foreach (var store in new[] { first, second })
        {
            var run = (await store.LoadAsync(Writer.Workflow, Writer.RunId))!;
            Assert.Equal(80, run.Tasks.Count);
            Assert.Equal("{\"writer\":\"two\",\"i\":39}", run.Tasks.Single(t => t.Key == "two/39").ResultJson);
            Assert.Equal(("39", "39"), (run.Values["last:one"], run.Values["last:two"]));
            Assert.Equal("1", await store.GetEventAsync("from-first"));
            Assert.Equal("2", await store.GetEventAsync("from-second"));
        }
    }

    [Fact]
    public async Task OneStoreInstance_IsThreadSafe()
    {
        await using var store = new SqliteWorkflowStore(NewPath());
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            await Writer.WriteAsync(store, $"w{i}", 10);
            Assert.NotNull(await store.LoadAsync(Writer.Workflow, Writer.RunId));
        })));

        Assert.Equal(80, (await store.LoadAsync(Writer.Workflow, Writer.RunId))!.Tasks.Count);
    }

    [Fact]
    public async Task AnotherProcess_WritesAndReadsTheSameFile_WhileThisOneDoes()
    {
        var path = NewPath();
        await using var store = new SqliteWorkflowStore(path);
        await store.SaveAsync(Batch(Writer.Workflow, Writer.RunId, "{}"));

        var processes = new[] { StartWriter(path, "p1", 60), StartWriter(path, "p2", 60) };
        await Writer.WriteAsync(store, "here", 60);
        foreach (var process in processes)
        {
            using (process)
            {
                var output = process.StandardOutput.ReadToEndAsync();
                var error = process.StandardError.ReadToEndAsync();
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
                Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}: {await error}");
                Assert.Matches(@"^p\d: 60 tasks", await output);
            }
        }

        var run = (await store.LoadAsync(Writer.Workflow, Writer.RunId))!;
        Assert.Equal(180, run.Tasks.Count);
        Assert.Equal("{\"writer\":\"p2\",\"i\":59}", run.Tasks.Single(t => t.Key == "p2/59").ResultJson);
        Assert.Equal("{\"batches\":60}", await store.GetEventAsync("done:p1"));
        Assert.Equal("{\"batches\":60}", await store.GetEventAsync("done:p2"));
    }

    [Fact]
    public async Task AWriterWaitsForTheLock_UpToTheBusyTimeout_ThenFails()
    {
        var path = NewPath();
        await using var store = new SqliteWorkflowStore(new SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 1 });
        await store.SaveAsync(Batch("wf", "r1", "{}"));
        Assert.Equal(TimeSpan.FromSeconds(1), store.BusyTimeout);

        using var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        other.Open();
        var transaction = other.BeginTransaction(deferred: false);

        // Held past the timeout: the save fails (nothing stored); reads go on meanwhile (WAL).
        var clock = Stopwatch.StartNew();
        var thrown = await Assert.ThrowsAsync<CheckpointException>(() => store.SaveAsync(Batch("wf", "r1", null, values: new Dictionary<string, string> { ["v"] = "1" })).AsTask());
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), clock.Elapsed.ToString());
        Assert.Contains("locked", thrown.Message);
        Assert.Empty((await store.LoadAsync("wf", "r1"))!.Values);

        // Released within the timeout: the save waits for it and succeeds. (SQLite calls are synchronous: the wait
        // holds the calling thread, hence Task.Run.)
        var save = Task.Run(() => store.SaveAsync(Batch("wf", "r1", null, values: new Dictionary<string, string> { ["v"] = "2" })).AsTask());
        await Task.Delay(200);
        transaction.Rollback();
        await save.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("2", (await store.LoadAsync("wf", "r1"))!.Values["v"]);
    }

    [Fact]
    public async Task Dispose_ClosesTheFile_AndLaterCallsThrow()
    {
        var path = NewPath();
        var store = new SqliteWorkflowStore(path);
        await store.SaveAsync(Batch("wf", "r1", "{}"));
        Assert.True(File.Exists(path + "-wal"));

        await store.DisposeAsync();
        await store.DisposeAsync();

        Assert.False(File.Exists(path + "-wal"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.LoadAsync("wf", "r1").AsTask());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.SaveAsync(Batch("wf", "r1", "{}")).AsTask());
        await using var again = new SqliteWorkflowStore(path);
        Assert.Equal("{}", (await again.LoadAsync("wf", "r1"))!.InputsJson);
    }

    [Fact]
    public void AStoreInMemory_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new SqliteWorkflowStore(new SqliteConnectionStringBuilder { DataSource = ":memory:" }));
        Assert.Throws<ArgumentException>(() => new SqliteWorkflowStore(new SqliteConnectionStringBuilder { DataSource = "x", Mode = SqliteOpenMode.Memory }));
        Assert.Throws<ArgumentException>(() => new SqliteWorkflowStore(" "));
        Assert.Equal(Path.GetFullPath("relative.db"), new SqliteWorkflowStore("relative.db").FilePath);
    }

    private static void AssertSame(RunCheckpoint expected, RunCheckpoint actual)
    {
        Assert.Equal(expected.InputsJson, actual.InputsJson);
        Assert.Equal(expected.Tasks, actual.Tasks);
        Assert.Equal(expected.Values, actual.Values);
    }

    private static byte[] QueryBlob(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (byte[])command.ExecuteScalar()!;
    }

    /// <summary>Starts this test assembly as a program (its Main is the writer), as another process on the same file.</summary>
    private static Process StartWriter(string path, string name, int batches)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(host) || !File.Exists(host))
        {
            host = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        }

        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "exec", typeof(Writer).Assembly.Location, "writer", path, name, batches.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("the writer process did not start");
    }
}
