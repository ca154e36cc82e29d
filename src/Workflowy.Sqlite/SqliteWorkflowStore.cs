using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Workflowy;

/// <summary>
/// The durable embedded store: runs and events in one SQLite database file, in WAL mode, shared safely by several
/// processes on one machine (writers wait for each other up to <see cref="BusyTimeout"/>). Every
/// <see cref="SaveAsync"/> batch is one <c>BEGIN IMMEDIATE</c> transaction: all of it is stored or nothing is.
/// Results, inputs, values and event payloads are stored as the JSON text given, unchanged, and checked when read. The
/// schema (a <c>workflowy_meta</c> table naming it and its version, and <see cref="ApplicationId"/>) is created in a new
/// or empty database only, unless that database belongs to another application (its <c>application_id</c> or
/// <c>user_version</c> is set); a database of schema version 1 (an earlier Workflowy) is upgraded in place on first use;
/// a corrupt, truncated or foreign file, a newer schema version, or a row that cannot be read gives a
/// <see cref="CheckpointException"/> naming the file, and the file is left as it is.
/// Each operation uses its own pooled connection, so the store is thread-safe.
/// </summary>
public sealed partial class SqliteWorkflowStore : IWorkflowStore, IAsyncDisposable
{
    /// <summary>The schema name recorded in <c>workflowy_meta</c>.</summary>
    public const string Schema = "workflowy.run";

    /// <summary>The schema version this store creates and reads (version 1 and 2 databases are upgraded to it).</summary>
    public const int SchemaVersion = 3;

    /// <summary>
    /// The <c>PRAGMA application_id</c> this store writes in the databases it creates: <c>0x57464C59</c> (1464224857),
    /// "WFLY" in ASCII, so that tools such as <c>file(1)</c> can tell a Workflowy store. An empty database whose
    /// application id is neither 0 nor this one belongs to another application, and is refused.
    /// </summary>
    public const int ApplicationId = 0x57464C59;

    /// <summary>The states a task row may have (schema version 1); the tasks table checks them too.</summary>
    private const string KnownStates = "'Pending', 'Ready', 'Running', 'Retrying', 'Completed', 'Failed', 'Cancelled', 'Skipped'";

    /// <summary>The statuses a run row may have (schema version 2); the runs table checks them too.</summary>
    private const string KnownStatuses = "'Running', 'Completed', 'Failed', 'Cancelled'";

    /// <summary>
    /// The indexes that list runs newest first, unfiltered, by workflow and by status (schema version 2). Each holds every
    /// column a listing reads, so a listing reads only the index (and the planner prefers it to the primary key).
    /// </summary>
    private const string CreateRunIndexes = """
        CREATE INDEX workflowy_runs_by_started ON workflowy_runs (started_at, run_id, workflow, status, ended_at);
        CREATE INDEX workflowy_runs_by_workflow ON workflowy_runs (workflow, started_at, run_id, status, ended_at);
        CREATE INDEX workflowy_runs_by_status ON workflowy_runs (status, started_at, run_id, workflow, ended_at);
        """;

    /// <summary>Version 1 to 2: the run's status, start and end (null in the runs already stored), and the listing indexes.</summary>
    private const string MigrateFrom1 = $"""
        ALTER TABLE workflowy_runs ADD COLUMN status TEXT CHECK (status IN ({KnownStatuses}));
        ALTER TABLE workflowy_runs ADD COLUMN started_at TEXT;
        ALTER TABLE workflowy_runs ADD COLUMN ended_at TEXT;
        {CreateRunIndexes}
        UPDATE workflowy_meta SET value = '2' WHERE key = 'version';
        """;

    /// <summary>The run leases (schema version 3): who executes a run, until when unless renewed.</summary>
    private const string CreateLeases = """
        CREATE TABLE workflowy_leases (
            workflow TEXT NOT NULL,
            run_id TEXT NOT NULL,
            owner TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            PRIMARY KEY (workflow, run_id)
        ) STRICT, WITHOUT ROWID;
        """;

    /// <summary>Version 2 to 3: the run leases table (empty: no run is leased).</summary>
    private const string MigrateFrom2 = $"""
        {CreateLeases}
        UPDATE workflowy_meta SET value = '3' WHERE key = 'version';
        """;

    private const string CreateSchema = $"""
        CREATE TABLE workflowy_meta (
            key TEXT NOT NULL PRIMARY KEY,
            value TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
        INSERT INTO workflowy_meta (key, value) VALUES ('schema', '{Schema}'), ('version', '3');
        CREATE TABLE workflowy_runs (
            workflow TEXT NOT NULL,
            run_id TEXT NOT NULL,
            inputs_json TEXT,
            status TEXT CHECK (status IN ({KnownStatuses})),
            started_at TEXT,
            ended_at TEXT,
            PRIMARY KEY (workflow, run_id)
        ) STRICT, WITHOUT ROWID;
        {CreateRunIndexes}
        CREATE TABLE workflowy_tasks (
            workflow TEXT NOT NULL,
            run_id TEXT NOT NULL,
            key TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ({KnownStates})),
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
        {CreateLeases}
        """;

    /// <summary>Sets <see cref="ApplicationId"/>; run with the schema, in the transaction that creates it.</summary>
    private static readonly string ApplicationIdPragma = string.Create(CultureInfo.InvariantCulture, $"\nPRAGMA application_id = {ApplicationId};");

    private static readonly string[] Tables = ["workflowy_meta", "workflowy_runs", "workflowy_tasks", "workflowy_values", "workflowy_events", "workflowy_leases"];

    /// <summary>The schema version that added each table not in version 1 (an earlier database lacks it until upgraded).</summary>
    private static int TableSince(string table) => table == "workflowy_leases" ? 3 : 1;

    /// <summary>The two parts of a listing: runs with a start time, then runs without one.</summary>
    private static readonly bool[] StartedPhases = [true, false];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly SemaphoreSlim _initialization = new(1, 1);
    private volatile bool _initialized;
    private volatile bool _disposed;

    /// <summary>Creates a store in the database file at <paramref name="path"/> (created, with its directory, on first use).</summary>
    public SqliteWorkflowStore(string path)
        : this(new SqliteConnectionStringBuilder { DataSource = path })
    {
    }

    /// <summary>
    /// Creates a store with a connection string: its <c>Data Source</c> must be a file; its <c>Default Timeout</c>
    /// (30 s unless set; 0 waits without limit) is also how long a writer waits for another one (<see cref="BusyTimeout"/>).
    /// </summary>
    public SqliteWorkflowStore(SqliteConnectionStringBuilder connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        var builder = new SqliteConnectionStringBuilder(connectionString.ConnectionString);
        ArgumentException.ThrowIfNullOrWhiteSpace(builder.DataSource, nameof(connectionString));
        if (builder.Mode == SqliteOpenMode.Memory || builder.DataSource == ":memory:")
        {
            throw new ArgumentException("The SQLite store needs a database file; use InMemoryWorkflowStore for a store in memory.", nameof(connectionString));
        }

        builder.DataSource = Path.GetFullPath(builder.DataSource);
        FilePath = builder.DataSource;
        BusyTimeout = builder.DefaultTimeout > 0 ? TimeSpan.FromSeconds(builder.DefaultTimeout) : Timeout.InfiniteTimeSpan;
        _connectionString = builder.ConnectionString;
        var busyMilliseconds = builder.DefaultTimeout > 0 ? Math.Min((long)builder.DefaultTimeout * 1000, int.MaxValue) : int.MaxValue;
        _pragmas = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {busyMilliseconds}; PRAGMA synchronous = FULL;");
    }

    /// <summary>The database file (full path).</summary>
    public string FilePath { get; }

    /// <summary>How long an operation waits for another connection (of this or another process) holding the write lock.</summary>
    public TimeSpan BusyTimeout { get; }

    /// <summary>Test hook: called inside the <see cref="SaveAsync"/> transaction after each statement, with its ordinal (from 1).</summary>
    internal Action<int>? AfterSaveStatement { get; set; }

    /// <inheritdoc />
    public async ValueTask<RunCheckpoint?> LoadAsync(string workflow, string runId, CancellationToken cancellationToken = default)
    {
        CheckName(workflow, nameof(workflow));
        CheckName(runId, nameof(runId));
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                // One read transaction: the run, its tasks and its values are one consistent snapshot.
                var transaction = connection.BeginTransaction(deferred: true);
                await using (transaction.ConfigureAwait(false))
                {
                    string? inputs;
                    RunRow run;
                    using (var command = Command(connection, transaction, "SELECT workflow, run_id, status, started_at, ended_at, inputs_json FROM workflowy_runs WHERE workflow = $workflow AND run_id = $run_id", workflow, runId))
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
                        }
                    }

                    var (status, startedAt, endedAt) = ParseRunRow(run);
                    if (inputs is not null)
                    {
                        CheckStoredJson(inputs, $"The inputs of run '{runId}' of '{workflow}' are");
                    }

                    var tasks = new List<TaskRecord>();
                    using (var command = Command(connection, transaction, "SELECT key, state, result_json, attempts, error, started_at, finished_at FROM workflowy_tasks WHERE workflow = $workflow AND run_id = $run_id ORDER BY key", workflow, runId))
                    {
                        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        await using (reader.ConfigureAwait(false))
                        {
                            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                            {
                                var key = reader.GetString(0);
                                var stateText = reader.GetString(1);
                                if (!TryParseState(stateText, out var state))
                                {
                                    throw new CheckpointException($"Task '{key}' of run '{runId}' of '{workflow}' has the unknown state '{stateText}'", FilePath);
                                }

                                var result = reader.IsDBNull(2) ? null : reader.GetString(2);
                                if (result is not null)
                                {
                                    CheckStoredJson(result, $"The result of task '{key}' of run '{runId}' of '{workflow}' is");
                                }

                                var attempts = reader.GetInt64(3);
                                if (attempts is < 0 or > int.MaxValue)
                                {
                                    throw new CheckpointException($"Task '{key}' of run '{runId}' of '{workflow}' has the attempt count {attempts}, out of range (0 to {int.MaxValue}); it is left as it is", FilePath);
                                }

                                tasks.Add(new TaskRecord(
                                    key,
                                    state,
                                    result,
                                    (int)attempts,
                                    reader.IsDBNull(4) ? null : reader.GetString(4),
                                    Timestamp(reader, 5, key, "started_at"),
                                    Timestamp(reader, 6, key, "finished_at")));
                            }
                        }
                    }

                    var values = new Dictionary<string, string>(StringComparer.Ordinal);
                    using (var command = Command(connection, transaction, "SELECT key, json FROM workflowy_values WHERE workflow = $workflow AND run_id = $run_id", workflow, runId))
                    {
                        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        await using (reader.ConfigureAwait(false))
                        {
                            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                            {
                                var key = reader.GetString(0);
                                var json = reader.GetString(1);
                                CheckStoredJson(json, $"The value '{key}' of run '{runId}' of '{workflow}' is");
                                values[key] = json;
                            }
                        }
                    }

                    return new RunCheckpoint(workflow, runId, inputs, tasks, values) { Status = status, StartedAt = startedAt, EndedAt = endedAt };
                }
            }
        }
        catch (SqliteException ex)
        {
            throw Failure(ex, $"The checkpoint of run '{runId}' of '{workflow}' cannot be read");
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

        // Everything that can be checked without the database is checked before the transaction begins.
        var statusName = batch.Status is { } batchStatus ? StatusName(batchStatus) : null;
        if (batch.InputsJson is not null)
        {
            CheckJson(batch.InputsJson, "inputs");
        }

        foreach (var task in batch.Tasks)
        {
            ArgumentNullException.ThrowIfNull(task, nameof(batch));
            ArgumentNullException.ThrowIfNull(task.Key, nameof(batch));
            _ = StateName(task);
            if (task.ResultJson is not null)
            {
                CheckJson(task.ResultJson, $"result of task '{task.Key}'");
            }
        }

        foreach (var (key, json) in batch.Values)
        {
            ArgumentNullException.ThrowIfNull(json, nameof(batch));
            CheckJson(json, $"value '{key}'");
        }

        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                // BEGIN IMMEDIATE: takes the write lock now (waiting for other writers up to the busy timeout), so the
                // batch never fails half way for want of a lock. Disposing without commit rolls everything back.
                var transaction = connection.BeginTransaction(deferred: false);
                await using (transaction.ConfigureAwait(false))
                {
                    await CheckStoredStatesAsync(connection, transaction, batch.Workflow, batch.RunId, cancellationToken).ConfigureAwait(false);
                    var statement = 0;
                    using (var command = Command(
                        connection,
                        transaction,
                        """
                        INSERT INTO workflowy_runs (workflow, run_id, inputs_json, status, started_at, ended_at)
                        VALUES ($workflow, $run_id, $inputs, $status, $started, $ended)
                        ON CONFLICT (workflow, run_id) DO UPDATE SET
                            inputs_json = coalesce(excluded.inputs_json, workflowy_runs.inputs_json),
                            status = coalesce(excluded.status, workflowy_runs.status),
                            started_at = coalesce(excluded.started_at, workflowy_runs.started_at),
                            ended_at = CASE WHEN excluded.status IS NULL THEN workflowy_runs.ended_at ELSE excluded.ended_at END
                        """,
                        batch.Workflow,
                        batch.RunId))
                    {
                        command.Parameters.AddWithValue("$inputs", (object?)batch.InputsJson ?? DBNull.Value);
                        command.Parameters.AddWithValue("$status", (object?)statusName ?? DBNull.Value);
                        command.Parameters.AddWithValue("$started", (object?)RunTimestamp(batch.StartedAt) ?? DBNull.Value);
                        command.Parameters.AddWithValue("$ended", (object?)(statusName is null ? null : RunTimestamp(batch.EndedAt)) ?? DBNull.Value);
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                        AfterSaveStatement?.Invoke(++statement);
                    }

                    if (batch.Tasks.Count > 0)
                    {
                        using var command = Command(
                            connection,
                            transaction,
                            """
                            INSERT INTO workflowy_tasks (workflow, run_id, key, state, result_json, attempts, error, started_at, finished_at)
                            VALUES ($workflow, $run_id, $key, $state, $result, $attempts, $error, $started, $finished)
                            ON CONFLICT (workflow, run_id, key) DO UPDATE SET
                                state = excluded.state, result_json = excluded.result_json, attempts = excluded.attempts,
                                error = excluded.error, started_at = excluded.started_at, finished_at = excluded.finished_at
                            """,
                            batch.Workflow,
                            batch.RunId);
                        var key = command.Parameters.Add("$key", SqliteType.Text);
                        var state = command.Parameters.Add("$state", SqliteType.Text);
                        var result = command.Parameters.Add("$result", SqliteType.Text);
                        var attempts = command.Parameters.Add("$attempts", SqliteType.Integer);
                        var error = command.Parameters.Add("$error", SqliteType.Text);
                        var started = command.Parameters.Add("$started", SqliteType.Text);
                        var finished = command.Parameters.Add("$finished", SqliteType.Text);
                        foreach (var task in batch.Tasks)
                        {
                            key.Value = task.Key;
                            state.Value = StateName(task);
                            result.Value = (object?)task.ResultJson ?? DBNull.Value;
                            attempts.Value = task.Attempts;
                            error.Value = (object?)task.Error ?? DBNull.Value;
                            started.Value = (object?)Timestamp(task.StartedAt) ?? DBNull.Value;
                            finished.Value = (object?)Timestamp(task.FinishedAt) ?? DBNull.Value;
                            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                            AfterSaveStatement?.Invoke(++statement);
                        }
                    }

                    if (batch.Values.Count > 0)
                    {
                        using var command = Command(
                            connection,
                            transaction,
                            """
                            INSERT INTO workflowy_values (workflow, run_id, key, json) VALUES ($workflow, $run_id, $key, $json)
                            ON CONFLICT (workflow, run_id, key) DO UPDATE SET json = excluded.json
                            """,
                            batch.Workflow,
                            batch.RunId);
                        var key = command.Parameters.Add("$key", SqliteType.Text);
                        var json = command.Parameters.Add("$json", SqliteType.Text);
                        foreach (var (name, value) in batch.Values)
                        {
                            key.Value = name;
                            json.Value = value;
                            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                            AfterSaveStatement?.Invoke(++statement);
                        }
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (SqliteException ex)
        {
            throw Failure(ex, $"The batch for run '{batch.RunId}' of '{batch.Workflow}' could not be stored (nothing of it was)");
        }
    }

    /// <inheritdoc />
    public async ValueTask<string?> GetEventAsync(string name, CancellationToken cancellationToken = default)
    {
        CheckName(name, nameof(name));
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT payload_json FROM workflowy_events WHERE name = $name";
                command.Parameters.AddWithValue("$name", name);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return null;
                    }

                    var payload = reader.GetString(0);
                    CheckStoredJson(payload, $"The payload of event '{name}' is");
                    return payload;
                }
            }
        }
        catch (SqliteException ex)
        {
            throw Failure(ex, $"The event '{name}' cannot be read");
        }
    }

    /// <inheritdoc />
    public async ValueTask PublishEventAsync(string name, string payloadJson, CancellationToken cancellationToken = default)
    {
        CheckName(name, nameof(name));
        ArgumentNullException.ThrowIfNull(payloadJson);
        CheckJson(payloadJson, $"payload of event '{name}'");
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                using var command = connection.CreateCommand();
                command.CommandText = """
                    INSERT INTO workflowy_events (name, payload_json) VALUES ($name, $payload)
                    ON CONFLICT (name) DO UPDATE SET payload_json = excluded.payload_json
                    """;
                command.Parameters.AddWithValue("$name", name);
                command.Parameters.AddWithValue("$payload", payloadJson);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (SqliteException ex)
        {
            throw Failure(ex, $"The event '{name}' could not be published");
        }
    }

    /// <summary>Closes the store's idle pooled connections (so the WAL is checkpointed into the file); later calls throw.</summary>
    public ValueTask DisposeAsync()
    {
        if (!_disposed)
        {
            _disposed = true;
            using var connection = new SqliteConnection(_connectionString);
            SqliteConnection.ClearPool(connection);
        }

        return default;
    }

    /// <inheritdoc />
    public override string ToString() => $"SqliteWorkflowStore({FilePath})";

    // ---------------------------------------------------------------- helpers

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql, string workflow, string runId)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$workflow", workflow);
        command.Parameters.AddWithValue("$run_id", runId);
        return command;
    }

    private CheckpointException Failure(SqliteException exception, string what)
    {
        var message = exception.SqliteErrorCode switch
        {
            26 => "The file is not a SQLite database (corrupt, encrypted, or not a database at all); it is left as it is",
            11 => $"The database is corrupt or truncated ({exception.Message}); it is left as it is",
            5 or 6 => $"{what}: the database stayed locked by another connection for longer than the busy timeout ({BusyTimeout}) ({exception.Message})",
            _ => $"{what}: {exception.Message}",
        };
        return new CheckpointException(message, FilePath, exception);
    }

    /// <summary>Checks that a text is one JSON value (and valid Unicode, so it is stored exactly as given).</summary>
    private void CheckJson(string json, string what)
    {
        switch (JsonProblem(json))
        {
            case EncoderFallbackException ex:
                throw new CheckpointException($"The {what} to store is not valid Unicode text: {ex.Message}", FilePath, ex);
            case { } ex:
                throw new CheckpointException($"The {what} to store is not valid JSON: {ex.Message}", FilePath, ex);
        }
    }

    /// <summary>
    /// Checks a JSON text read from the database (written around the store, or damaged), so that a bad one is reported
    /// as what it is, here, rather than as a parser's exception wherever it is used. <paramref name="subject"/> is
    /// "The inputs of run 'r' of 'w' are", "The result of task 'a' of ... is", ...
    /// </summary>
    private void CheckStoredJson(string json, string subject)
    {
        if (JsonProblem(json) is { } ex)
        {
            throw new CheckpointException($"{subject} not valid JSON ({ex.Message}); it is left as it is", FilePath, ex);
        }
    }

    /// <summary>Null if a text is one JSON value of valid Unicode; else the exception saying what is wrong with it.</summary>
    private static Exception? JsonProblem(string json)
    {
        byte[]? rented = null;
        try
        {
            int length;
            try
            {
                rented = ArrayPool<byte>.Shared.Rent(StrictUtf8.GetByteCount(json));
                length = StrictUtf8.GetBytes(json, rented);
            }
            catch (EncoderFallbackException ex)
            {
                return ex;
            }

            var reader = new Utf8JsonReader(rented.AsSpan(0, length), new JsonReaderOptions { MaxDepth = 1000 });
            while (reader.Read())
            {
            }

            return null;
        }
        catch (JsonException ex)
        {
            return ex;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Refuses a name (workflow, run id, event) that is not valid UTF-16: SQLite would store a lone surrogate as U+FFFD,
    /// so the name would not read back as itself, and names that differ only there would share their rows.
    /// </summary>
    private static void CheckName(string name, string parameter)
    {
        ArgumentNullException.ThrowIfNull(name, parameter);
        try
        {
            _ = StrictUtf8.GetByteCount(name);
        }
        catch (EncoderFallbackException ex)
        {
            var unit = (int)(ex.CharUnknown != default ? ex.CharUnknown : ex.CharUnknownHigh);
            throw new ArgumentException($"The name is not valid UTF-16 text (a lone surrogate U+{unit:X4} at index {ex.Index}), so it could not be stored and read back.", parameter, ex);
        }
    }

    private static string StateName(TaskRecord task) => task.State switch
    {
        TaskState.Pending => "Pending",
        TaskState.Ready => "Ready",
        TaskState.Running => "Running",
        TaskState.Retrying => "Retrying",
        TaskState.Completed => "Completed",
        TaskState.Failed => "Failed",
        TaskState.Cancelled => "Cancelled",
        TaskState.Skipped => "Skipped",
        _ => throw new ArgumentException($"Task '{task.Key}' has the unknown state {(int)task.State}.", nameof(task)),
    };

    private static bool TryParseState(string text, out TaskState state)
    {
        switch (text)
        {
            case "Pending": state = TaskState.Pending; return true;
            case "Ready": state = TaskState.Ready; return true;
            case "Running": state = TaskState.Running; return true;
            case "Retrying": state = TaskState.Retrying; return true;
            case "Completed": state = TaskState.Completed; return true;
            case "Failed": state = TaskState.Failed; return true;
            case "Cancelled": state = TaskState.Cancelled; return true;
            case "Skipped": state = TaskState.Skipped; return true;
            default: state = default; return false;
        }
    }

    private static string? Timestamp(DateTimeOffset? value) => value?.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>A run's time as UTC round-trip text: fixed width, so text order is time order (the listing sorts by it).</summary>
    private static string? RunTimestamp(DateTimeOffset? value) => value?.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static string StatusName(RunStatus status) => status switch
    {
        RunStatus.Running => "Running",
        RunStatus.Completed => "Completed",
        RunStatus.Failed => "Failed",
        RunStatus.Cancelled => "Cancelled",
        _ => throw new ArgumentException($"The run status {(int)status} is unknown.", nameof(status)),
    };

}
