using Npgsql;
using Workflowy.PostgreSql.Tests.Infrastructure;

namespace Workflowy.PostgreSql.Tests.Store;

/// <summary>The schema is created and migrated by the library (versioned, idempotent, under an advisory lock), and another application's or a newer one is refused untouched.</summary>
public sealed class PostgreSqlSchemaTests(PostgresServer server) : PostgresTest(server)
{
    private async Task<string> TablesAsync() =>
        string.Join(",", await QueryAsync<string>($"SELECT table_name::text FROM information_schema.tables WHERE table_schema = '{Schema}' ORDER BY 1"));

    [Fact]
    public async Task AMissingSchema_IsCreated_AtTheCurrentVersion_WithItsMarker()
    {
        await NewStore().EnsureSchemaAsync();

        Assert.Equal("counters,events,leases,meta,queue,results,run_values,runs,tasks,workers", await TablesAsync());
        Assert.Equal([PostgreSqlDatabase.CurrentVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)], await QueryAsync<string>($"SELECT value FROM \"{Schema}\".meta WHERE key = 'version'"));
        Assert.Equal([PostgreSqlDatabase.Marker], await QueryAsync<string>($"SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = '{Schema}'"));
    }

    [Fact]
    public async Task ManyProcessesStartingAtOnce_CreateItOnce_AndReopeningChangesNothing()
    {
        // Separate data sources (as separate processes have), all initialising at once: the advisory lock serialises them.
        await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(async () => await NewStore().EnsureSchemaAsync())));
        await NewStore().SaveAsync(new RunCheckpoint("wf", "r", "{}", [], new Dictionary<string, string>()));
        var before = await TablesAsync();

        await NewStore().EnsureSchemaAsync();

        Assert.Equal(before, await TablesAsync());
        Assert.Equal(["{}"], await QueryAsync<string>($"SELECT inputs_json FROM \"{Schema}\".runs"));
        Assert.Equal([1L], await QueryAsync<long>($"SELECT count(*) FROM \"{Schema}\".meta WHERE key = 'version'"));
    }

    [Fact]
    public async Task AnEmptyExistingSchema_IsUsed()
    {
        await ExecuteAsync($"CREATE SCHEMA \"{Schema}\"");
        await NewStore().EnsureSchemaAsync();
        Assert.Contains("queue", await TablesAsync());
    }

    [Theory]
    [InlineData("CREATE TABLE {s}.orders (id int PRIMARY KEY); INSERT INTO {s}.orders VALUES (1);", "no Workflowy meta table")]
    [InlineData("COMMENT ON SCHEMA {s} IS 'billing'; CREATE TABLE {s}.orders (id int PRIMARY KEY); INSERT INTO {s}.orders VALUES (1);", "belongs to 'billing'")]
    [InlineData("CREATE TABLE {s}.meta (key text PRIMARY KEY, value text); INSERT INTO {s}.meta VALUES ('schema', 'other.app'), ('version', '1'); CREATE TABLE {s}.orders (id int); INSERT INTO {s}.orders VALUES (1);", "it is 'other.app'")]
    [InlineData("CREATE TABLE {s}.meta (id int, name text); INSERT INTO {s}.meta VALUES (1, 'x'); CREATE TABLE {s}.orders (id int); INSERT INTO {s}.orders VALUES (1);", "not Workflowy's")]
    public async Task ASchemaOfAnotherApplication_IsRefused_AndLeftUntouched(string setup, string why)
    {
        await ExecuteAsync($"CREATE SCHEMA \"{Schema}\"; " + setup.Replace("{s}", $"\"{Schema}\"", StringComparison.Ordinal));
        var before = await TablesAsync();

        var store = NewStore();
        var thrown = await Assert.ThrowsAsync<PostgreSqlSchemaException>(() => store.SaveAsync(new RunCheckpoint("wf", "r", "{}", [], new Dictionary<string, string>())).AsTask());

        Assert.Equal(PostgreSqlSchemaProblem.ForeignSchema, thrown.Problem);
        Assert.Equal(Schema, thrown.Schema);
        Assert.Contains(why, thrown.Message);
        Assert.Contains("another application", thrown.Message);
        Assert.Equal(before, await TablesAsync());
        Assert.Equal([1L], await QueryAsync<long>($"SELECT count(*) FROM \"{Schema}\".orders"));
    }

    [Fact]
    public async Task ANewerVersion_IsRefused_AndLeftUntouched()
    {
        await NewStore().SaveAsync(new RunCheckpoint("wf", "r", "{\"kept\":1}", [], new Dictionary<string, string>()));
        await ExecuteAsync($"UPDATE \"{Schema}\".meta SET value = '99' WHERE key = 'version'");

        var thrown = await Assert.ThrowsAsync<PostgreSqlSchemaException>(() => NewStore().LoadAsync("wf", "r").AsTask());

        Assert.Equal((PostgreSqlSchemaProblem.NewerVersion, (int?)99), (thrown.Problem, thrown.FoundVersion));
        Assert.Contains("version 99, newer", thrown.Message);
        Assert.Equal(["99"], await QueryAsync<string>($"SELECT value FROM \"{Schema}\".meta WHERE key = 'version'"));
        Assert.Equal(["{\"kept\":1}"], await QueryAsync<string>($"SELECT inputs_json FROM \"{Schema}\".runs"));
    }

    [Fact]
    public async Task AVersion1Schema_IsMigratedToTheCurrentVersion_ItsDataKept()
    {
        var options = Options();
        await using (var v1 = new PostgreSqlDatabase(options) { TargetVersion = 1 })
        {
            await v1.EnsureSchemaAsync(CancellationToken.None);
            await using var store = new PostgreSqlWorkflowStore(v1);
            await store.SaveAsync(new RunCheckpoint("wf", "old", "{\"v\":1}", [new TaskRecord("a", TaskState.Completed, "\"A\"", 1, null, null, null)], new Dictionary<string, string>()) { Status = RunStatus.Completed });
        }

        Assert.DoesNotContain("queue", await TablesAsync());
        Assert.Equal(["1"], await QueryAsync<string>($"SELECT value FROM \"{Schema}\".meta WHERE key = 'version'"));

        var loaded = (await NewStore().LoadAsync("wf", "old"))!;

        Assert.Equal(("{\"v\":1}", "\"A\"", (RunStatus?)RunStatus.Completed), (loaded.InputsJson, loaded.Tasks.Single().ResultJson, loaded.Status));
        Assert.Equal(["2"], await QueryAsync<string>($"SELECT value FROM \"{Schema}\".meta WHERE key = 'version'"));
        Assert.Contains("queue", await TablesAsync());
    }

    [Fact]
    public void ASchemaNameThatIsNotAPlainIdentifier_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => new PostgreSqlWorkflowyOptions { ConnectionString = "Host=x", Schema = "Robert'); DROP TABLE x; --" });
        Assert.Throws<ArgumentException>(() => new PostgreSqlWorkflowyOptions { ConnectionString = "Host=x", Schema = "Upper" });
        Assert.Equal("workflowy", new PostgreSqlWorkflowyOptions { ConnectionString = "Host=x" }.Schema);
    }

    [Fact]
    public async Task TheFixturesOwnCluster_BelongsToThePostgresUser_OnLoopback()
    {
        if (!Server.Owned)
        {
            // A user's server (WORKFLOWY_TEST_POSTGRES): check only that it answers.
            Assert.Single(await QueryAsync<int>("SELECT 1"));
            return;
        }

        Assert.Equal(["127.0.0.1"], await QueryAsync<string>("SHOW listen_addresses"));
        Assert.Equal(["postgres"], await QueryAsync<string>("SELECT current_user::text"));
        Assert.StartsWith("/usr/lib/postgresql/", Server.BinDirectory);
        Assert.StartsWith(Server.Folder!, (await QueryAsync<string>("SHOW data_directory"))[0]);
    }
}
