using Npgsql;
using Workflowy.PostgreSql.Tests.Infrastructure;

namespace Workflowy.PostgreSql.Tests.Store;

/// <summary>The store on PostgreSQL: round trips byte for byte, merges, atomic batches, refusals, several instances, secrets.</summary>
public sealed class PostgreSqlStoreTests(PostgresServer server) : PostgresTest(server)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, 123, TimeSpan.FromHours(2));
    private static readonly DateTimeOffset Later = Now.AddSeconds(3.5);

    /// <summary>JSON with whitespace, key order, number forms, escapes and non-ASCII text that a re-serialiser would change.</summary>
    private const string OddJson = "{ \"b\" : 1,\n\t\"a\":[1 , 2.50, 1e3, -0.0],  \"s\":\"caf\\u00e9 caf\u00e9 \u65e5\u672c \ud83d\ude80 \\\"q\\\" \\/\" , \"n\" : null }";

    private static RunCheckpoint Batch(string workflow, string runId, string? inputs, IReadOnlyList<TaskRecord>? tasks = null, IReadOnlyDictionary<string, string>? values = null) =>
        new(workflow, runId, inputs, tasks ?? [], values ?? new Dictionary<string, string>());

    [Fact]
    public async Task RoundTrip_KeepsInputsRecordsValuesAndEvents_AndTheirJsonTextByteForByte()
    {
        var store = NewStore();
        var records = new[]
        {
            new TaskRecord("load", TaskState.Completed, OddJson, 1, null, Now, Later),
            new TaskRecord("charge/1", TaskState.Failed, null, 3, "IOException: boom\nsecond line", Now, null),
            new TaskRecord("ship", TaskState.Pending, null, 0, null, null, null),
        };
        await store.SaveAsync(Batch("Shop.Order", "run/1 é", "{\"orderId\" : 7,  \"address\":\"Baker Street\"}", records, new Dictionary<string, string> { ["state:x"] = OddJson, ["effect:mail"] = "\"sent\"" }));
        await store.PublishEventAsync("approved:run/1", OddJson);

        var loaded = (await NewStore().LoadAsync("Shop.Order", "run/1 é"))!;

        Assert.Equal("{\"orderId\" : 7,  \"address\":\"Baker Street\"}", loaded.InputsJson);
        Assert.Equal(records.OrderBy(r => r.Key, StringComparer.Ordinal), loaded.Tasks);
        Assert.Equal(Later.Offset, loaded.Tasks.Single(t => t.Key == "load").FinishedAt!.Value.Offset);
        Assert.Equal(OddJson, loaded.Values["state:x"]);
        Assert.Equal("\"sent\"", loaded.Values["effect:mail"]);
        Assert.Equal(OddJson, await store.GetEventAsync("approved:run/1"));
        Assert.Null(await store.GetEventAsync("never"));
        Assert.Null(await store.LoadAsync("Shop.Order", "run/2"));
        Assert.Null(await store.LoadAsync("Other", "run/1 é"));
        Assert.Equal([OddJson], await QueryAsync<string>($"SELECT result_json FROM \"{Schema}\".tasks WHERE key = 'load'"));
    }

    [Fact]
    public async Task Batches_Merge_ALaterRecordForAKeyReplacesTheEarlier_AndInputsStayUnlessGiven()
    {
        var store = NewStore();
        await store.SaveAsync(Batch("wf", "r1", "{\"x\":1}", [new TaskRecord("a", TaskState.Running, null, 1, null, Now, null)], new Dictionary<string, string> { ["v1"] = "1" }));
        await store.SaveAsync(Batch("wf", "r1", null, [new TaskRecord("b", TaskState.Completed, "\"B\"", 1, null, Now, Later)], new Dictionary<string, string> { ["v2"] = "2" }));
        await store.SaveAsync(Batch("wf", "r1", null, [new TaskRecord("a", TaskState.Completed, "[1, 2]", 2, null, Later, Later)], new Dictionary<string, string> { ["v1"] = "11" }));
        await store.SaveAsync(Batch("wf", "r2", "{\"x\":2}"));

        var r1 = (await store.LoadAsync("wf", "r1"))!;
        Assert.Equal("{\"x\":1}", r1.InputsJson);
        Assert.Equal(new TaskRecord("a", TaskState.Completed, "[1, 2]", 2, null, Later, Later), r1.Tasks[0]);
        Assert.Equal("\"B\"", r1.Tasks[1].ResultJson);
        Assert.Equal(new Dictionary<string, string> { ["v1"] = "11", ["v2"] = "2" }, r1.Values);
        Assert.Empty((await store.LoadAsync("wf", "r2"))!.Tasks);

        await store.PublishEventAsync("e", "1");
        await store.PublishEventAsync("e", "{\"again\":true}");
        Assert.Equal("{\"again\":true}", await store.GetEventAsync("e"));
    }

    [Fact]
    public async Task ABatchThatFailsInTheDatabase_StoresNothingOfIt()
    {
        var store = NewStore();
        await store.SaveAsync(Batch("wf", "r1", "{\"x\":1}", [new TaskRecord("a", TaskState.Completed, "1", 1, null, Now, Now)]));
        store.AfterSaveStatements = async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand("SELECT 1/0", connection, transaction);
            await command.ExecuteNonQueryAsync();
        };

        var thrown = await Assert.ThrowsAsync<CheckpointException>(() => store.SaveAsync(Batch("wf", "r1", "{\"x\":2}", [new TaskRecord("b", TaskState.Completed, "2", 1, null, Now, Now)], new Dictionary<string, string> { ["v"] = "1" })).AsTask());

        Assert.Contains("nothing of it was", thrown.Message);
        Assert.Contains("22012", thrown.Message);
        var after = (await NewStore().LoadAsync("wf", "r1"))!;
        Assert.Equal(("{\"x\":1}", 1, 0), (after.InputsJson, after.Tasks.Count, after.Values.Count));
    }

    [Theory]
    [InlineData("inputs")]
    [InlineData("result of task 'b'")]
    [InlineData("value 'v'")]
    [InlineData("value 'nul'")]
    public async Task InvalidJsonOrText_IsRefusedBeforeAnythingIsWritten(string what)
    {
        var batch = what switch
        {
            "inputs" => Batch("wf", "r1", "{\"x\":"),
            "result of task 'b'" => Batch("wf", "r1", null, [new TaskRecord("a", TaskState.Completed, "1", 1, null, null, null), new TaskRecord("b", TaskState.Completed, "[1,]", 1, null, null, null)]),
            "value 'v'" => Batch("wf", "r1", null, null, new Dictionary<string, string> { ["ok"] = "1", ["v"] = "not json" }),
            _ => Batch("wf", "r1", null, null, new Dictionary<string, string> { ["nul"] = "\"a\0b\"" }),
        };
        var store = NewStore();
        await store.SaveAsync(Batch("wf", "r1", "{\"x\":1}"));

        var thrown = await Assert.ThrowsAsync<CheckpointException>(() => store.SaveAsync(batch).AsTask());

        Assert.Contains($"The {what} to store", thrown.Message);
        var loaded = (await store.LoadAsync("wf", "r1"))!;
        Assert.Equal(("{\"x\":1}", 0, 0), (loaded.InputsJson, loaded.Tasks.Count, loaded.Values.Count));
        await Assert.ThrowsAsync<CheckpointException>(() => store.PublishEventAsync("e", "{").AsTask());
        Assert.Null(await store.GetEventAsync("e"));
    }

    [Fact]
    public async Task AnUnknownTaskState_OrAnUnstorableName_IsRefused()
    {
        var store = NewStore();
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync(Batch("wf", "r1", null, [new TaskRecord("a", (TaskState)42, null, 1, null, null, null)])).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.SaveAsync(Batch("wf", "r\0", null)).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.LoadAsync("wf", "\ud800").AsTask());
        Assert.Null(await store.LoadAsync("wf", "r1"));
    }

    [Fact]
    public async Task ManyStoreInstances_WriteTheSameRunConcurrently_EveryBatchIsKept()
    {
        var stores = Enumerable.Range(0, 4).Select(_ => NewStore()).ToArray();
        await Task.WhenAll(stores.Select((store, w) => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                var key = $"w{w}/{i}";
                await store.SaveAsync(Batch("multi", "shared", null, [new TaskRecord(key, TaskState.Completed, i.ToString(System.Globalization.CultureInfo.InvariantCulture), 1, null, Now, Now)], new Dictionary<string, string> { [key] = "true" }));
            }
        })));

        var loaded = (await stores[0].LoadAsync("multi", "shared"))!;
        Assert.Equal(100, loaded.Tasks.Count);
        Assert.Equal(100, loaded.Values.Count);
    }

    [Fact]
    public async Task AFailingConnection_SaysWhereAndWhat_ButNeverThePasswordOrConnectionString()
    {
        const string secret = "hunter2-Sup3rS3cret";
        var closedPort = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        closedPort.Start();
        var port = ((System.Net.IPEndPoint)closedPort.LocalEndpoint).Port;
        closedPort.Stop();
        var connectionString = $"Host=127.0.0.1;Port={port};Username=app;Password={secret};Database=shop;Timeout=3";
        await using var store = new PostgreSqlWorkflowStore(connectionString, Schema);

        var thrown = await Assert.ThrowsAsync<CheckpointException>(() => store.LoadAsync("wf", "r1").AsTask());

        var everything = thrown.ToString() + thrown.Location + store.ToString() + store.Location;
        for (Exception? e = thrown; e is not null; e = e.InnerException)
        {
            everything += e.Message;
        }

        Assert.DoesNotContain(secret, everything);
        Assert.DoesNotContain(connectionString, everything);
        Assert.Contains($"127.0.0.1:{port}/shop", thrown.Message);

        // A connection string that cannot be parsed is not echoed either.
        var bad = Assert.Throws<ArgumentException>(() => new PostgreSqlWorkflowStore($"Password={secret};Nonsense Keyword=1"));
        Assert.DoesNotContain(secret, bad.ToString());
    }
}
