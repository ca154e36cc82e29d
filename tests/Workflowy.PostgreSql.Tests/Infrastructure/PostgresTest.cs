using Npgsql;

namespace Workflowy.PostgreSql.Tests.Infrastructure;

/// <summary>A test on the shared server, in a schema of its own (<see cref="Schema"/>), dropped at the end.</summary>
[Collection(PostgresCollection.Name)]
public abstract class PostgresTest : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _disposables = [];

    protected PostgresTest(PostgresServer server)
    {
        Server = server;
        Schema = server.NewSchema();
    }

    protected PostgresServer Server { get; }

    protected string Schema { get; }

    protected PostgreSqlWorkflowyOptions Options(string? schema = null) => new() { ConnectionString = Server.ConnectionString, Schema = schema ?? Schema };

    /// <summary>A new store on this test's schema (disposed at the end).</summary>
    protected PostgreSqlWorkflowStore NewStore(string? schema = null) => Track(new PostgreSqlWorkflowStore(Options(schema)));

    protected T Track<T>(T disposable)
        where T : IAsyncDisposable
    {
        _disposables.Add(disposable);
        return disposable;
    }

    /// <summary>Runs SQL on the server directly (not through the library).</summary>
    protected async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The first column of every row of a query.</summary>
    protected async Task<List<T>> QueryAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<T>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetFieldValue<T>(0));
        }

        return rows;
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var disposable in _disposables)
        {
            await disposable.DisposeAsync();
        }

        await ExecuteAsync($"DROP SCHEMA IF EXISTS \"{Schema}\" CASCADE");
    }
}
