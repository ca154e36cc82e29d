using Microsoft.Data.Sqlite;
using Workflowy.Tests.Contracts;

namespace Workflowy.Sqlite.Tests;

/// <summary>The run-listing contract on SQLite, its indexes, unreadable rows, and the upgrade of a schema version 1 database.</summary>
public sealed class SqliteRunQueryTests : RunQueryContract, IDisposable
{
    /// <summary>The schema of version 1 (the store before run listing), as that version created it.</summary>
    private const string SchemaVersion1 = """
        CREATE TABLE workflowy_meta (
            key TEXT NOT NULL PRIMARY KEY,
            value TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
        INSERT INTO workflowy_meta (key, value) VALUES ('schema', 'workflowy.run'), ('version', '1');
        CREATE TABLE workflowy_runs (
            workflow TEXT NOT NULL,
            run_id TEXT NOT NULL,
            inputs_json TEXT,
            PRIMARY KEY (workflow, run_id)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE workflowy_tasks (
            workflow TEXT NOT NULL,
            run_id TEXT NOT NULL,
            key TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('Pending', 'Ready', 'Running', 'Retrying', 'Completed', 'Failed', 'Cancelled', 'Skipped')),
            result_json TEXT,
            attempts INTEGER NOT NULL CHECK (attempts >= 0),
            error TEXT,
            started_at TEXT,
            finished_at TEXT,
            PRIMARY KEY (workflow, run_id, key)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE workflowy_values (
            workflow TEXT NOT NULL,
            run_id TEXT NOT NULL,
            key TEXT NOT NULL,
            json TEXT NOT NULL,
            PRIMARY KEY (workflow, run_id, key)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE workflowy_events (
            name TEXT NOT NULL PRIMARY KEY,
            payload_json TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
        PRAGMA journal_mode = WAL;
        """;

    private readonly Files _files = new();
    private readonly SqliteWorkflowStore _store;

    public SqliteRunQueryTests() => _store = new SqliteWorkflowStore(_files.Path("store.db"));

    protected override IWorkflowStore Store => _store;

    protected override IWorkflowStore Reopen() => new SqliteWorkflowStore(_store.FilePath);

    public override async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        SqliteConnection.ClearAllPools();
    }

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task ADatabaseOfSchemaVersion1_IsUpgraded_ItsRunsKeepTheirData_AndAreListedWithoutStatus()
    {
        var path = _files.Path("old.db");
        Files.Execute(path, SchemaVersion1 + """
            INSERT INTO workflowy_runs VALUES ('Shop.Order', 'old-1', '{"orderId":1}'), ('Shop.Order', 'old-2', NULL), ('Other', 'old-3', '{}');
            INSERT INTO workflowy_tasks VALUES
                ('Shop.Order', 'old-1', 'load', 'Completed', '{"id":1}', 1, NULL, '2026-01-01T10:00:00.0000000+01:00', '2026-01-01T10:00:01.0000000+01:00'),
                ('Shop.Order', 'old-1', 'ship', 'Failed', NULL, 3, 'IOException: boom', NULL, NULL);
            INSERT INTO workflowy_values VALUES ('Shop.Order', 'old-1', 'state:k', '"v"');
            INSERT INTO workflowy_events VALUES ('approved:old-1', 'true');
            """);

        await using (var store = new SqliteWorkflowStore(path))
        {
            var old = (await store.LoadAsync("Shop.Order", "old-1"))!;
            Assert.Equal("{\"orderId\":1}", old.InputsJson);
            Assert.Equal(2, old.Tasks.Count);
            Assert.Equal("{\"id\":1}", old.Tasks.Single(t => t.Key == "load").ResultJson);
            Assert.Equal("\"v\"", old.Values["state:k"]);
            Assert.Equal("true", await store.GetEventAsync("approved:old-1"));
            Assert.Equal(((RunStatus?)null, (DateTimeOffset?)null, (DateTimeOffset?)null), (old.Status, old.StartedAt, old.EndedAt));

            await store.SaveAsync(Run("Shop.Order", "new-1", RunStatus.Running, T0));
            await store.SaveAsync(Run("Shop.Order", "old-2", RunStatus.Completed, T0.AddHours(-1), T0));

            var listing = await store.QueryRunsAsync(new RunQuery { Workflow = "Shop.Order" });
            Assert.Equal(new[] { "new-1", "old-2", "old-1" }, listing.Runs.Select(r => r.RunId));
            Assert.Equal(new RunSummary("Shop.Order", "old-1", null, null, null, new TaskCounts { Completed = 1, Failed = 1 }), listing.Runs[2]);
            Assert.Equal((RunStatus?)RunStatus.Completed, listing.Runs[1].Status);
            Assert.Empty(listing.Unreadable);
        }

        Assert.Equal(new[] { "3" }, Files.Query(path, "SELECT value FROM workflowy_meta WHERE key = 'version'"));
        Assert.Equal(new[] { "workflowy_runs_by_started", "workflowy_runs_by_status", "workflowy_runs_by_workflow" }, Files.Query(path, "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'workflowy_runs' AND sql IS NOT NULL ORDER BY name"));

        // The upgraded database is the database a new store creates (same tables, columns and indexes).
        var fresh = _files.Path("fresh.db");
        await using (var store = new SqliteWorkflowStore(fresh))
        {
            await store.SaveAsync(Run("wf", "r", RunStatus.Running, T0));
        }

        const string Columns = "SELECT m.name || '.' || p.name || ' ' || p.type || ' ' || p.\"notnull\" || ' ' || p.pk FROM sqlite_schema m, pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid";
        const string Indexes = "SELECT m.name || ': ' || group_concat(i.name, ',') FROM sqlite_schema m, pragma_index_info(m.name) i WHERE m.type = 'index' AND m.sql IS NOT NULL GROUP BY m.name ORDER BY m.name";
        Assert.Equal(Files.Query(fresh, Columns), Files.Query(path, Columns));
        Assert.Equal(Files.Query(fresh, Indexes), Files.Query(path, Indexes));

        // Opened again: already version 3, nothing more to do.
        await using (var again = new SqliteWorkflowStore(path))
        {
            Assert.Equal(4, (await again.QueryRunsAsync(new RunQuery())).Runs.Count);
        }
    }

    [Fact]
    public async Task ADatabaseOfSchemaVersion1_LackingATable_IsRefused_NotUpgraded_AndLeftUntouched()
    {
        var path = _files.Path("old-broken.db");
        Files.Execute(path, SchemaVersion1 + "DROP TABLE workflowy_values; PRAGMA wal_checkpoint(TRUNCATE);");
        SqliteConnection.ClearAllPools();
        var bytes = File.ReadAllBytes(path);

        await using (var store = new SqliteWorkflowStore(path))
        {
            var error = await Assert.ThrowsAsync<CheckpointException>(() => store.QueryRunsAsync(new RunQuery()).AsTask());
            Assert.Contains("lacks its table(s) workflowy_values", error.Message, StringComparison.Ordinal);
            Assert.Equal(path, error.Location);
        }

        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Equal(new[] { "1" }, Files.Query(path, "SELECT value FROM workflowy_meta WHERE key = 'version'"));
    }

    [Fact]
    public async Task TwoStoresOpeningAVersion1Database_AtOnce_UpgradeItOnce()
    {
        var path = _files.Path("old-shared.db");
        Files.Execute(path, SchemaVersion1 + "INSERT INTO workflowy_runs VALUES ('wf', 'old', NULL);");
        var stores = Enumerable.Range(0, 4).Select(_ => new SqliteWorkflowStore(path)).ToArray();
        try
        {
            var listings = await Task.WhenAll(stores.Select(s => Task.Run(async () => await s.QueryRunsAsync(new RunQuery()))));
            Assert.All(listings, l => Assert.Equal("old", Assert.Single(l.Runs).RunId));
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }

        Assert.Equal(new[] { "3" }, Files.Query(path, "SELECT value FROM workflowy_meta WHERE key = 'version'"));
    }

    [Theory]
    [InlineData(false, false, false, false, false)]
    [InlineData(true, false, false, false, false)]
    [InlineData(false, true, false, false, false)]
    [InlineData(true, true, false, false, false)]
    [InlineData(false, false, true, true, false)]
    [InlineData(true, false, true, false, false)]
    [InlineData(false, true, false, true, false)]
    [InlineData(false, false, false, false, true)]
    [InlineData(true, false, false, false, true)]
    [InlineData(false, true, false, false, true)]
    [InlineData(true, true, true, true, true)]
    public async Task Listing_WalksAnIndexInListingOrder_WithoutSortingOrScanningTheTable(bool workflow, bool status, bool after, bool before, bool continues)
    {
        await _store.SaveAsync(Run("wf", "r", RunStatus.Running, T0));
        foreach (var started in new[] { true, false })
        {
            if (!started && (after || before))
            {
                continue; // runs without a start time are not read when a time filter is given
            }

            var plan = string.Join(" | ", Files.QueryWithParameters(_store.FilePath, "EXPLAIN QUERY PLAN " + SqliteWorkflowStore.RunsSql(started, workflow, status, after, before, continues), 3,
                "$workflow", "$status", "$after", "$before", "$c_started", "$c_run", "$c_workflow"));

            Assert.Contains("USING", plan, StringComparison.Ordinal);
            Assert.Contains("INDEX workflowy_runs_by_", plan, StringComparison.Ordinal);
            Assert.DoesNotContain("TEMP B-TREE", plan, StringComparison.Ordinal);
            Assert.Contains("COVERING INDEX", plan, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task RowsThatCannotBeRead_AreReportedOnTheirPage_NotThrown_AndLeftAsTheyAre()
    {
        await _store.SaveAsync(Run("wf", "r1", RunStatus.Completed, T0.AddMinutes(1), T0.AddMinutes(2)));
        await _store.SaveAsync(Run("wf", "r2", RunStatus.Completed, T0.AddMinutes(2), T0.AddMinutes(3)));
        await _store.SaveAsync(Run("wf", "r3", RunStatus.Completed, T0.AddMinutes(3), T0.AddMinutes(4)));
        await _store.SaveAsync(Run("wf", "r4", RunStatus.Completed, T0.AddMinutes(4), T0.AddMinutes(5)));
        Files.Execute(_store.FilePath, """
            PRAGMA ignore_check_constraints = ON;
            UPDATE workflowy_runs SET status = 'Exploded' WHERE run_id = 'r3';
            UPDATE workflowy_runs SET ended_at = 'yesterday' WHERE run_id = 'r1';
            INSERT INTO workflowy_tasks (workflow, run_id, key, state, attempts) VALUES ('wf', 'r2', 'a', 'Vanished', 1);
            """);

        var first = await _store.QueryRunsAsync(new RunQuery { Limit = 1 });
        var second = await _store.QueryRunsAsync(new RunQuery { Limit = 1, Continuation = first.Continuation });

        Assert.Equal(new[] { "r4" }, first.Runs.Select(r => r.RunId));
        Assert.Empty(first.Unreadable);
        Assert.Empty(second.Runs);
        Assert.Null(second.Continuation);
        Assert.Equal(3, second.Unreadable.Count);
        Assert.All(second.Unreadable, e => Assert.Equal(_store.FilePath, e.Location));
        Assert.Contains("Run 'r3' of 'wf' has the unknown status 'Exploded'", second.Unreadable[0].Message, StringComparison.Ordinal);
        Assert.Contains("A task of run 'r2' of 'wf' has the unknown state 'Vanished'", second.Unreadable[1].Message, StringComparison.Ordinal);
        Assert.Contains("Run 'r1' of 'wf' has an unreadable ended_at 'yesterday'", second.Unreadable[2].Message, StringComparison.Ordinal);

        await Assert.ThrowsAsync<CheckpointException>(() => _store.LoadAsync("wf", "r3").AsTask());
        var save = await Assert.ThrowsAsync<CheckpointException>(() => _store.SaveAsync(Run("wf", "r3", RunStatus.Running, null)).AsTask());
        Assert.Contains("unknown status 'Exploded'", save.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { "Exploded" }, Files.Query(_store.FilePath, "SELECT status FROM workflowy_runs WHERE run_id = 'r3'"));
    }

    [Fact]
    public async Task RunTimes_AreStoredAsUtcText_SoThatTextOrderIsTimeOrder()
    {
        await _store.SaveAsync(Run("wf", "r1", RunStatus.Completed, new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.FromHours(2)), new DateTimeOffset(2026, 11, 23, 5, 30, 0, TimeSpan.FromHours(-5))));

        Assert.Equal(new[] { "Completed|2026-11-23T10:00:00.0000000+00:00|2026-11-23T10:30:00.0000000+00:00" }, Files.Query(_store.FilePath, "SELECT status || '|' || started_at || '|' || ended_at FROM workflowy_runs"));
    }

    /// <summary>A temporary directory, and raw SQLite access (as <see cref="TempFiles"/>, which this class cannot derive from).</summary>
    private sealed class Files : TempFiles
    {
        public string Path(string name) => NewPath(name);

        public static new void Execute(string path, string sql) => TempFiles.Execute(path, sql);

        public static new List<string?> Query(string path, string sql) => TempFiles.Query(path, sql);

        /// <summary>The given column of each row of a query whose parameters are all null.</summary>
        public static List<string?> QueryWithParameters(string path, string sql, int column, params string[] parameters)
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var parameter in parameters)
            {
                command.Parameters.AddWithValue(parameter, DBNull.Value);
            }

            using var reader = command.ExecuteReader();
            var rows = new List<string?>();
            while (reader.Read())
            {
                rows.Add(reader.IsDBNull(column) ? null : reader.GetString(column));
            }

            return rows;
        }
    }
}
