using System;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace Workflowy;

/// <summary>
/// The PostgreSQL store: runs, task records and results, recorded side effects and run state, events, run listings
/// (keyset-paged) and run leases, in the schema <see cref="PostgreSqlWorkflowyOptions.Schema"/>, created and migrated by
/// the store on first use (a schema of another application or of a newer version is refused with a
/// <see cref="PostgreSqlSchemaException"/> and left untouched). Every <see cref="SaveAsync"/> batch is one transaction.
/// JSON is stored as the text given, unchanged. Runs started through <see cref="PostgreSqlWorkflowClient"/> are listed
/// and loaded here too. Thread-safe; failures are <see cref="CheckpointException"/>s that name the server and schema,
/// never the connection string.
/// </summary>
public sealed partial class PostgreSqlWorkflowStore : IWorkflowStore, IAsyncDisposable
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly PostgreSqlDatabase _db;
    private readonly string _s;

    /// <summary>Creates a store on the server and schema the options name (nothing is done until first use).</summary>
    public PostgreSqlWorkflowStore(PostgreSqlWorkflowyOptions options)
    {
        _db = new PostgreSqlDatabase(options);
        _s = _db.Schema;
    }

    /// <summary>Creates a store in the schema <c>workflowy</c> (or <paramref name="schema"/>) of the database the connection string names.</summary>
    public PostgreSqlWorkflowStore(string connectionString, string schema = "workflowy")
        : this(new PostgreSqlWorkflowyOptions { ConnectionString = connectionString, Schema = schema })
    {
    }

    internal PostgreSqlWorkflowStore(PostgreSqlDatabase database)
    {
        _db = database;
        _s = _db.Schema;
    }

    /// <summary>Where the store is: server, database and schema (no credentials).</summary>
    public string Location => _db.Location;

    /// <summary>Creates or migrates the schema now, rather than on first use.</summary>
    public ValueTask EnsureSchemaAsync(CancellationToken cancellationToken = default) => _db.EnsureSchemaAsync(cancellationToken);

    /// <inheritdoc />
    public async ValueTask<RunCheckpoint?> LoadAsync(string workflow, string runId, CancellationToken cancellationToken = default)
    {
        CheckName(workflow, nameof(workflow));
        CheckName(runId, nameof(runId));
        var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    string? inputs;
                    RunRow run;
                    long? seq;
                    using (var command = Command(connection, transaction, $"SELECT workflow, run_id, status, started_at, ended_at, inputs_json, seq FROM {_s}.runs WHERE workflow = @workflow AND run_id = @run_id", workflow, runId))
                    {
                        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        await using (reader.ConfigureAwait(false))
                        {
                            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                            {
                                return null;
                            }

                            run = ReadRunRow(reader);
                            inputs = reader.IsDBNull(5) ? null : reader.GetString(5);
                            seq = reader.IsDBNull(6) ? null : reader.GetInt64(6);
                        }
                    }

                    var (status, startedAt, endedAt) = ParseRunRow(run);
                    var tasks = new List<TaskRecord>();
                    var sql = $"SELECT key, state, result_json, attempts, error, started_at, finished_at, started_offset, finished_offset FROM {_s}.tasks WHERE workflow = @workflow AND run_id = @run_id";
                    if (seq is not null)
                    {
                        // A distributed run: its terminal queue rows are its task records.
                        sql += $"""
                             UNION ALL SELECT q.key, q.state, r.result_json, q.attempt - q.lost, q.error, q.claimed_at, q.finished_at, 0::smallint, 0::smallint
                            FROM {_s}.queue q LEFT JOIN {_s}.results r ON r.task_id = q.id WHERE q.run_seq = @seq AND q.state >= 4
                            """;
                    }

                    using (var command = Command(connection, transaction, sql + " ORDER BY 1", workflow, runId))
                    {
                        command.Parameters.AddWithValue("seq", (object?)seq ?? DBNull.Value);
                        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        await using (reader.ConfigureAwait(false))
                        {
                            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                            {
                                var key = reader.GetString(0);
                                tasks.Add(new TaskRecord(
                                    key,
                                    ParseState(reader.GetInt16(1), key, runId, workflow),
                                    reader.IsDBNull(2) ? null : reader.GetString(2),
                                    reader.GetInt32(3),
                                    reader.IsDBNull(4) ? null : reader.GetString(4),
                                    Time(reader, 5, 7),
                                    Time(reader, 6, 8)));
                            }
                        }
                    }

                    var values = new Dictionary<string, string>(StringComparer.Ordinal);
                    using (var command = Command(connection, transaction, $"SELECT key, json FROM {_s}.run_values WHERE workflow = @workflow AND run_id = @run_id", workflow, runId))
                    {
                        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        await using (reader.ConfigureAwait(false))
                        {
                            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                            {
                                values[reader.GetString(0)] = reader.GetString(1);
                            }
                        }
                    }

                    return new RunCheckpoint(workflow, runId, inputs, tasks, values) { Status = status, StartedAt = startedAt, EndedAt = endedAt };
                }
            }
            catch (NpgsqlException ex)
            {
                throw _db.Failure(ex, $"The checkpoint of run '{runId}' of '{workflow}' cannot be read");
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask SaveAsync(RunCheckpoint batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        CheckName(batch.Workflow, nameof(batch));
        CheckName(batch.RunId, nameof(batch));
        ArgumentNullException.ThrowIfNull(batch.Tasks);
        ArgumentNullException.ThrowIfNull(batch.Values);
        short? status = batch.Status is { } s ? StatusValue(s) : null;
        if (batch.InputsJson is not null)
        {
            CheckJson(batch.InputsJson, "inputs");
        }

        foreach (var task in batch.Tasks)
        {
            ArgumentNullException.ThrowIfNull(task, nameof(batch));
            CheckName(task.Key, nameof(batch));
            _ = StateValue(task);
            if (task.ResultJson is not null)
            {
                CheckJson(task.ResultJson, $"result of task '{task.Key}'");
            }

            CheckText(task.Error, $"error of task '{task.Key}'");
        }

        foreach (var (key, json) in batch.Values)
        {
            CheckName(key, nameof(batch));
            ArgumentNullException.ThrowIfNull(json, nameof(batch));
            CheckJson(json, $"value '{key}'");
        }

        var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    using (var command = Command(
                        connection,
                        transaction,
                        $"""
                        INSERT INTO {_s}.runs (workflow, run_id, inputs_json, status, started_at, ended_at)
                        VALUES (@workflow, @run_id, @inputs, @status, @started, @ended)
                        ON CONFLICT (workflow, run_id) DO UPDATE SET
                            inputs_json = coalesce(excluded.inputs_json, runs.inputs_json),
                            status = coalesce(excluded.status, runs.status),
                            started_at = coalesce(excluded.started_at, runs.started_at),
                            ended_at = CASE WHEN excluded.status IS NULL THEN runs.ended_at ELSE excluded.ended_at END
                        """,
                        batch.Workflow,
                        batch.RunId))
                    {
                        command.Parameters.Add(new NpgsqlParameter<string?>("inputs", NpgsqlDbType.Text) { TypedValue = batch.InputsJson });
                        command.Parameters.Add(new NpgsqlParameter<short?>("status", NpgsqlDbType.Smallint) { TypedValue = status });
                        command.Parameters.Add(new NpgsqlParameter<long?>("started", NpgsqlDbType.Bigint) { TypedValue = batch.StartedAt?.UtcTicks });
                        command.Parameters.Add(new NpgsqlParameter<long?>("ended", NpgsqlDbType.Bigint) { TypedValue = status is null ? null : batch.EndedAt?.UtcTicks });
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    if (batch.Tasks.Count > 0)
                    {
                        // One statement for the whole batch (arrays); a key given twice keeps its last record.
                        var last = new Dictionary<string, TaskRecord>(StringComparer.Ordinal);
                        foreach (var task in batch.Tasks)
                        {
                            last[task.Key] = task;
                        }

                        var records = new List<TaskRecord>(last.Values);
                        using var command = Command(
                            connection,
                            transaction,
                            $"""
                            INSERT INTO {_s}.tasks (workflow, run_id, key, state, result_json, attempts, error, started_at, finished_at, started_offset, finished_offset)
                            SELECT @workflow, @run_id, t.* FROM unnest(@keys, @states, @results, @attempts, @errors, @started, @finished, @started_offsets, @finished_offsets) AS t
                            ON CONFLICT (workflow, run_id, key) DO UPDATE SET
                                state = excluded.state, result_json = excluded.result_json, attempts = excluded.attempts,
                                error = excluded.error, started_at = excluded.started_at, finished_at = excluded.finished_at,
                                started_offset = excluded.started_offset, finished_offset = excluded.finished_offset
                            """,
                            batch.Workflow,
                            batch.RunId);
                        command.Parameters.Add(new NpgsqlParameter<string[]>("keys", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = records.ConvertAll(t => t.Key).ToArray() });
                        command.Parameters.Add(new NpgsqlParameter<short[]>("states", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { TypedValue = records.ConvertAll(StateValue).ToArray() });
                        command.Parameters.Add(new NpgsqlParameter<string?[]>("results", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = records.ConvertAll(t => t.ResultJson).ToArray() });
                        command.Parameters.Add(new NpgsqlParameter<int[]>("attempts", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = records.ConvertAll(t => t.Attempts).ToArray() });
                        command.Parameters.Add(new NpgsqlParameter<string?[]>("errors", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = records.ConvertAll(t => t.Error).ToArray() });
                        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?[]>("started", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = records.ConvertAll(t => t.StartedAt?.ToUniversalTime()).ToArray() });
                        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?[]>("finished", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { TypedValue = records.ConvertAll(t => t.FinishedAt?.ToUniversalTime()).ToArray() });
                        command.Parameters.Add(new NpgsqlParameter<short?[]>("started_offsets", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { TypedValue = records.ConvertAll(t => Offset(t.StartedAt)).ToArray() });
                        command.Parameters.Add(new NpgsqlParameter<short?[]>("finished_offsets", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { TypedValue = records.ConvertAll(t => Offset(t.FinishedAt)).ToArray() });
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    if (batch.Values.Count > 0)
                    {
                        var keys = new string[batch.Values.Count];
                        var jsons = new string[batch.Values.Count];
                        var i = 0;
                        foreach (var (key, json) in batch.Values)
                        {
                            keys[i] = key;
                            jsons[i++] = json;
                        }

                        using var command = Command(
                            connection,
                            transaction,
                            $"""
                            INSERT INTO {_s}.run_values (workflow, run_id, key, json)
                            SELECT @workflow, @run_id, v.* FROM unnest(@keys, @jsons) AS v
                            ON CONFLICT (workflow, run_id, key) DO UPDATE SET json = excluded.json
                            """,
                            batch.Workflow,
                            batch.RunId);
                        command.Parameters.Add(new NpgsqlParameter<string[]>("keys", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = keys });
                        command.Parameters.Add(new NpgsqlParameter<string[]>("jsons", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = jsons });
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    if (AfterSaveStatements is { } hook)
                    {
                        await hook(connection, transaction).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (NpgsqlException ex)
            {
                throw _db.Failure(ex, $"The batch for run '{batch.RunId}' of '{batch.Workflow}' could not be stored (nothing of it was)");
            }
        }
    }

    /// <summary>Test hook: runs inside the <see cref="SaveAsync"/> transaction after its statements, before the commit.</summary>
    internal Func<NpgsqlConnection, NpgsqlTransaction, Task>? AfterSaveStatements { get; set; }

    /// <inheritdoc />
    public async ValueTask<string?> GetEventAsync(string name, CancellationToken cancellationToken = default)
    {
        CheckName(name, nameof(name));
        var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                using var command = new NpgsqlCommand($"SELECT payload_json FROM {_s}.events WHERE name = @name", connection);
                command.Parameters.AddWithValue("name", name);
                return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            }
            catch (NpgsqlException ex)
            {
                throw _db.Failure(ex, $"The event '{name}' cannot be read");
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask PublishEventAsync(string name, string payloadJson, CancellationToken cancellationToken = default)
    {
        CheckName(name, nameof(name));
        ArgumentNullException.ThrowIfNull(payloadJson);
        CheckJson(payloadJson, $"payload of event '{name}'");
        var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                using var command = new NpgsqlCommand(
                    $"INSERT INTO {_s}.events (name, payload_json) VALUES (@name, @payload) ON CONFLICT (name) DO UPDATE SET payload_json = excluded.payload_json",
                    connection);
                command.Parameters.AddWithValue("name", name);
                command.Parameters.AddWithValue("payload", payloadJson);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException ex)
            {
                throw _db.Failure(ex, $"The event '{name}' could not be published");
            }
        }
    }

    /// <summary>Closes the store's connections.</summary>
    public ValueTask DisposeAsync() => _db.DisposeAsync();

    /// <inheritdoc />
    public override string ToString() => $"PostgreSqlWorkflowStore({_db.Location})";

    // ---------------------------------------------------------------- helpers

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, string workflow, string runId)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("workflow", workflow);
        command.Parameters.AddWithValue("run_id", runId);
        return command;
    }

    /// <summary>Checks that a text is one JSON value (and storable text: valid Unicode, no NUL character).</summary>
    private void CheckJson(string json, string what)
    {
        CheckText(json, what);
        try
        {
            var reader = new Utf8JsonReader(StrictUtf8.GetBytes(json), new JsonReaderOptions { MaxDepth = 1000 });
            while (reader.Read())
            {
            }
        }
        catch (JsonException ex)
        {
            throw new CheckpointException($"The {what} to store is not valid JSON: {ex.Message}", _db.Location, ex);
        }
    }

    private void CheckText(string? text, string what)
    {
        if (text is null)
        {
            return;
        }

        try
        {
            _ = StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException ex)
        {
            throw new CheckpointException($"The {what} to store is not valid Unicode text: {ex.Message}", _db.Location, ex);
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw new CheckpointException($"The {what} to store holds a NUL character, which PostgreSQL text cannot hold", _db.Location);
        }
    }

    /// <summary>Refuses a name PostgreSQL could not store as itself (a lone surrogate, a NUL character).</summary>
    private static void CheckName(string name, string parameter)
    {
        ArgumentNullException.ThrowIfNull(name, parameter);
        try
        {
            _ = StrictUtf8.GetByteCount(name);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException("The name is not valid UTF-16 text (a lone surrogate), so it could not be stored and read back.", parameter, ex);
        }

        if (name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("The name holds a NUL character, which PostgreSQL text cannot hold.", parameter);
        }
    }

    private static short? Offset(DateTimeOffset? time) => time is { } t ? (short)t.Offset.TotalMinutes : null;

    /// <summary>A task time read back with the offset it was given with.</summary>
    private static DateTimeOffset? Time(NpgsqlDataReader reader, int time, int offset) =>
        reader.IsDBNull(time) ? null
        : reader.GetFieldValue<DateTimeOffset>(time).ToOffset(TimeSpan.FromMinutes(reader.IsDBNull(offset) ? 0 : reader.GetInt16(offset)));

    private static short StateValue(TaskRecord task) => task.State is >= TaskState.Pending and <= TaskState.Skipped
        ? (short)task.State
        : throw new ArgumentException($"Task '{task.Key}' has the unknown state {(int)task.State}.", nameof(task));

    private TaskState ParseState(short value, string key, string runId, string workflow) => value is >= 0 and <= 7
        ? (TaskState)value
        : throw new CheckpointException($"Task '{key}' of run '{runId}' of '{workflow}' has the unknown state {value}", _db.Location);

    private static short StatusValue(RunStatus status) => status is >= RunStatus.Running and <= RunStatus.Cancelled
        ? (short)status
        : throw new ArgumentException($"The run status {(int)status} is unknown.", nameof(status));
}
