using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Workflowy;

/// <summary>
/// The database as the store, the client and the workers use it: one <see cref="NpgsqlDataSource"/>, the schema made
/// current once (<see cref="EnsureSchemaAsync"/>), and failures reported without the connection string.
/// </summary>
internal sealed partial class PostgreSqlDatabase : IAsyncDisposable
{
    private readonly SemaphoreSlim _initialization = new(1, 1);
    private volatile bool _ready;

    public PostgreSqlDatabase(PostgreSqlWorkflowyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString, nameof(options));
        Options = options;
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        }
        catch (ArgumentException)
        {
            // The parser's message may quote the connection string: say only that it is not one.
            throw new ArgumentException("The PostgreSQL connection string cannot be parsed (it is not repeated here, since it may hold a password).", nameof(options));
        }

        // Never log parameter values (payloads) in Npgsql's own logging.
        builder.IncludeErrorDetail = false;
        builder.LogParameters = false;
        builder.ApplicationName ??= "workflowy";
        Location = string.Create(CultureInfo.InvariantCulture, $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database}, schema {options.Schema}");
        DataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        Schema = options.QuotedSchema;
    }

    public PostgreSqlWorkflowyOptions Options { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>The quoted schema name, for SQL text.</summary>
    public string Schema { get; }

    /// <summary>Where the data is, for messages: host, port, database and schema (no user, no password).</summary>
    public string Location { get; }

    /// <summary>Opens a pooled connection, the schema current.</summary>
    public async ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        await EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex)
        {
            throw Failure(ex, "Cannot connect");
        }
    }

    /// <summary>A failure of the database as a <see cref="CheckpointException"/>: what failed, the server's error (code and message, no detail), where.</summary>
    public CheckpointException Failure(Exception exception, string what)
    {
        var reason = exception switch
        {
            PostgresException pg => $"{pg.SqlState}: {pg.MessageText}",
            NpgsqlException { InnerException: { } inner } => $"{Safe(exception.Message)} ({inner.GetType().Name}: {Safe(inner.Message)})",
            _ => Safe(exception.Message),
        };
        return new CheckpointException($"{what}: {reason}", Location, new PostgreSqlFailure(exception));
    }

    /// <summary>A message with anything that looks like a connection string keyword for a password cut off.</summary>
    private static string Safe(string message)
    {
        var at = message.IndexOf("password", StringComparison.OrdinalIgnoreCase);
        return at < 0 ? message : message[..at] + "…";
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    /// <summary>
    /// Wraps an Npgsql exception so that its type, SQL state and message are kept but nothing that could hold the
    /// connection string (Npgsql does not put it in messages; this is belt and braces for inner exceptions).
    /// </summary>
    private sealed class PostgreSqlFailure(Exception exception) : Exception(
        exception is PostgresException pg ? $"{pg.GetType().Name} {pg.SqlState}: {pg.MessageText}" : $"{exception.GetType().Name}: {Safe(exception.Message)}")
    {
        public string? SqlState { get; } = (exception as PostgresException)?.SqlState;
    }
}
