namespace Workflowy.Sqlite.Tests;

/// <summary>Corrupt, truncated and foreign files give a CheckpointException naming the file, and are left untouched.</summary>
public sealed class SqliteCorruptionTests : TempFiles
{
    public static TheoryData<string> Cases => new()
    {
        "random bytes",
        "text",
        "truncated to 50 bytes",
        "truncated to its first page",
        "truncated to half",
        "truncated by one byte",
        "another application's database",
        "a meta table of another schema",
        "a newer schema version",
        "an unreadable schema version",
        "a missing table",
        "a task with an unknown state",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task ABadFile_GivesACheckpointException_NamingTheFile_AndIsLeftUntouched(string what)
    {
        var (path, expected) = await MakeAsync(what);
        var bytes = File.ReadAllBytes(path);
        var sideFiles = Directory.GetFiles(TempDirectory).Order().ToArray();

        await using (var store = new SqliteWorkflowStore(path))
        {
            var load = await Assert.ThrowsAsync<CheckpointException>(() => store.LoadAsync("wf", "r1").AsTask());
            var save = await Assert.ThrowsAsync<CheckpointException>(() => store.SaveAsync(Batch("wf", "r1", "{}", new[] { new TaskRecord("b", TaskState.Completed, "1", 1, null, null, null) })).AsTask());

            Assert.Equal(path, load.Location);
            Assert.Contains(path, load.Message);
            Assert.Contains(expected, load.Message);
            Assert.Equal(path, save.Location);
            Assert.Contains(expected, save.Message);
            Assert.Equal(bytes, File.ReadAllBytes(path));
        }

        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(sideFiles, Directory.GetFiles(TempDirectory).Order().ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnEmptyFile_OrAnEmptyDatabase_GetsTheSchema(bool emptyDatabase)
    {
        var path = NewPath();
        if (emptyDatabase)
        {
            Execute(path, "PRAGMA user_version = 0; VACUUM;");
        }
        else
        {
            File.WriteAllBytes(path, Array.Empty<byte>());
        }

        await using var store = new SqliteWorkflowStore(path);
        await store.SaveAsync(Batch("wf", "r1", "{}"));

        Assert.Equal("{}", (await store.LoadAsync("wf", "r1"))!.InputsJson);
        Assert.Equal(new[] { "3" }, Query(path, "SELECT value FROM workflowy_meta WHERE key = 'version'"));
    }

    private async Task<(string Path, string Expected)> MakeAsync(string what)
    {
        var path = NewPath();
        switch (what)
        {
            case "random bytes":
                var random = new byte[8192];
                new Random(20261123).NextBytes(random);
                File.WriteAllBytes(path, random);
                return (path, "not a SQLite database");
            case "text":
                File.WriteAllText(path, "{\"schema\": \"workflowy.run\", \"version\": 1}");
                return (path, "not a SQLite database");
            case "truncated to 50 bytes":
                Truncate(await ValidAsync(), path, 50);
                return (path, "corrupt or truncated");
            case "truncated to its first page":
                Truncate(await ValidAsync(), path, 4096);
                return (path, "corrupt or truncated");
            case "truncated to half":
                var valid = await ValidAsync();
                Truncate(valid, path, new FileInfo(valid).Length / 2);
                return (path, "corrupt or truncated");
            case "truncated by one byte":
                var whole = await ValidAsync();
                Truncate(whole, path, new FileInfo(whole).Length - 1);
                return (path, "truncated or corrupt");
            case "another application's database":
                Execute(path, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('Ada'); CREATE INDEX customers_name ON customers (name);");
                return (path, "not a Workflowy store: it has no workflowy_meta table but other contents (customers, customers_name)");
            case "a meta table of another schema":
                Execute(path, "CREATE TABLE workflowy_meta (key TEXT, value TEXT); INSERT INTO workflowy_meta VALUES ('schema', 'acme.jobs'), ('version', '1');");
                return (path, "names the schema 'acme.jobs', expected 'workflowy.run'");
            case "a newer schema version":
                File.Move(await ValidAsync(), path);
                Execute(path, "UPDATE workflowy_meta SET value = '4' WHERE key = 'version'");
                return (path, "schema version 4, written by a newer Workflowy; this version reads version 3");
            case "an unreadable schema version":
                File.Move(await ValidAsync(), path);
                Execute(path, "UPDATE workflowy_meta SET value = 'one' WHERE key = 'version'");
                return (path, "no readable schema version (found 'one')");
            case "a missing table":
                File.Move(await ValidAsync(), path);
                Execute(path, "DROP TABLE workflowy_values");
                return (path, "lacks its table(s) workflowy_values");
            case "a task with an unknown state":
                File.Move(await ValidAsync(), path);
                Execute(path, "PRAGMA ignore_check_constraints = ON; INSERT INTO workflowy_tasks (workflow, run_id, key, state, attempts) VALUES ('wf', 'r1', 'a', 'Exploded', 1);");
                return (path, "Task 'a' of run 'r1' of 'wf' has the unknown state 'Exploded'");
            default:
                throw new ArgumentOutOfRangeException(nameof(what), what, null);
        }
    }

    /// <summary>A valid store of several pages, closed (its WAL checkpointed into the file).</summary>
    private async Task<string> ValidAsync()
    {
        var path = NewPath("valid-" + Guid.NewGuid().ToString("N") + ".db");
        await using (var store = new SqliteWorkflowStore(path))
        {
            var big = "\"" + new string('x', 3000) + "\"";
            for (var i = 0; i < 10; i++)
            {
                await store.SaveAsync(Batch("wf", "r1", "{}", new[] { new TaskRecord($"t{i}", TaskState.Completed, big, 1, null, null, null) }));
            }
        }

        Assert.False(File.Exists(path + "-wal"));
        Assert.True(new FileInfo(path).Length > 8 * 4096);
        return path;
    }

    private static void Truncate(string source, string path, long length)
    {
        var bytes = File.ReadAllBytes(source);
        File.WriteAllBytes(path, bytes.AsSpan(0, (int)length).ToArray());
        File.Delete(source);
    }
}
