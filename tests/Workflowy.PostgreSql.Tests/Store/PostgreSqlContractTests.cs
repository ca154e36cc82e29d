using Workflowy.PostgreSql.Tests.Infrastructure;
using Workflowy.Tests.Contracts;

namespace Workflowy.PostgreSql.Tests.Store;

/// <summary>The run-listing contract (status, times, keyset pages, counts, real runs) on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlRunQueryTests(PostgresServer server) : RunQueryContract
{
    private readonly string _schema = server.NewSchema("q");
    private readonly List<PostgreSqlWorkflowStore> _stores = [];
    private PostgreSqlWorkflowStore? _store;

    protected override IWorkflowStore Store => _store ??= Open();

    protected override IWorkflowStore Reopen() => Open();

    private PostgreSqlWorkflowStore Open()
    {
        var store = new PostgreSqlWorkflowStore(server.ConnectionString, _schema);
        _stores.Add(store);
        return store;
    }

    public override async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await using var connection = new Npgsql.NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>The run-lease contract on PostgreSQL: two store instances stand for two processes.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgreSqlRunLeaseTests(PostgresServer server) : RunLeaseContract, IAsyncLifetime
{
    private readonly string _schema = server.NewSchema("l");
    private readonly List<PostgreSqlWorkflowStore> _stores = [];
    private PostgreSqlWorkflowStore? _store;

    protected override IWorkflowStore Store => _store ??= Open();

    protected override IWorkflowStore Other() => Open();

    private PostgreSqlWorkflowStore Open()
    {
        var store = new PostgreSqlWorkflowStore(server.ConnectionString, _schema);
        _stores.Add(store);
        return store;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        await using var connection = new Npgsql.NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
