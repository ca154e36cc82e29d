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
/// Results, inputs, values and event payloads are stored as the JSON text given, unchanged. The schema (a
/// <c>workflowy_meta</c> table naming it and its version) is created in a new or empty database only; a database of
/// schema version 1 (an earlier Workflowy) is upgraded in place on first use; a corrupt, truncated or foreign file, or
/// a newer schema version, gives a <see cref="CheckpointException"/> naming the file, and the file is left as it is.
/// Each operation uses its own pooled connection, so the store is thread-safe.
/// </summary>
public sealed class SqliteWorkflowStore : IWorkflowStore, IAsyncDisposable
{
    /// <summary>The schema name recorded in <c>workflowy_meta</c>.</summary>
    public const string Schema = "workflowy.run";

    /// <summary>The schema version this store creates and reads (version 1 databases are upgraded to it).</summary>
    public const int SchemaVersion = 2;

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

    private const string CreateSchema = $"""
        CREATE TABLE workflowy_meta (
            key TEXT NOT NULL PRIMARY KEY,
            value TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
        INSERT INTO workflowy_meta (key, value) VALUES ('schema', '{Schema}'), ('version', '2');
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
        """;

    private static readonly string[] Tables = ["workflowy_meta", "workflowy_runs", "workflowy_tasks", "workflowy_values", "workflowy_events"];

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
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(runId);
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

                                tasks.Add(new TaskRecord(
                                    key,
                                    state,
                                    reader.IsDBNull(2) ? null : reader.GetString(2),
                                    reader.GetInt32(3),
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
                                values[reader.GetString(0)] = reader.GetString(1);
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
        ArgumentNullException.ThrowIfNull(batch.Workflow);
        ArgumentNullException.ThrowIfNull(batch.RunId);
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

    /// <summary>
    /// Lists runs (see <see cref="IWorkflowStore.QueryRunsAsync"/>) in one read transaction, walking an index of the
    /// runs table in listing order (<c>workflowy_runs_by_started</c>, <c>_by_workflow</c> or <c>_by_status</c>) from
    /// the continuation, so a page costs the same wherever it is in the listing; each listed run's task records are
    /// counted through their primary key. A run row with an unknown status or an unreadable time, or a task row with an
    /// unknown state, is left out of the runs and reported in <see cref="RunQueryResult.Unreadable"/> on the page
    /// where it would have been.
    /// </summary>
    public async ValueTask<RunQueryResult> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var after = query.Continuation is { } continuation ? DecodeContinuation(continuation) : default((string? Started, string Workflow, string RunId)?);
        var statusName = query.Status is { } status ? StatusName(status) : null;
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = connection.BeginTransaction(deferred: true);
                await using (transaction.ConfigureAwait(false))
                {
                    var runs = new List<RunSummary>();
                    var unreadable = new List<CheckpointException>();
                    RunRow? last = null;
                    var more = false;

                    // Runs with a start time first (newest first), then those without one; time filters exclude the latter.
                    var timed = query.StartedAfter is not null || query.StartedBefore is not null;
                    foreach (var started in StartedPhases)
                    {
                        if ((!started && timed) || (started && after is { Started: null }))
                        {
                            continue;
                        }

                        var continues = after is not null && (started || after.Value.Started is null);
                        using var command = connection.CreateCommand();
                        command.Transaction = transaction;
                        command.CommandText = RunsSql(started, query.Workflow is not null, statusName is not null, query.StartedAfter is not null, query.StartedBefore is not null, continues);
                        command.Parameters.AddWithValue("$workflow", (object?)query.Workflow ?? DBNull.Value);
                        command.Parameters.AddWithValue("$status", (object?)statusName ?? DBNull.Value);
                        command.Parameters.AddWithValue("$after", (object?)RunTimestamp(query.StartedAfter) ?? DBNull.Value);
                        command.Parameters.AddWithValue("$before", (object?)RunTimestamp(query.StartedBefore) ?? DBNull.Value);
                        command.Parameters.AddWithValue("$c_started", (object?)after?.Started ?? DBNull.Value);
                        command.Parameters.AddWithValue("$c_run", (object?)after?.RunId ?? DBNull.Value);
                        command.Parameters.AddWithValue("$c_workflow", (object?)after?.Workflow ?? DBNull.Value);
                        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        await using (reader.ConfigureAwait(false))
                        {
                            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                            {
                                if (runs.Count == query.Limit)
                                {
                                    more = true;
                                    break;
                                }

                                var row = ReadRunRow(reader);
                                last = row;
                                try
                                {
                                    var (runStatus, startedAt, endedAt) = ParseRunRow(row);
                                    var counts = await CountTasksAsync(connection, transaction, row, cancellationToken).ConfigureAwait(false);
                                    runs.Add(new RunSummary(row.Workflow, row.RunId, runStatus, startedAt, endedAt, counts));
                                }
                                catch (CheckpointException ex)
                                {
                                    unreadable.Add(ex);
                                }
                            }
                        }

                        if (more)
                        {
                            break;
                        }
                    }

                    var token = more && last is { } end ? EncodeContinuation(end) : null;
                    return new RunQueryResult(runs, token) { Unreadable = unreadable };
                }
            }
        }
        catch (SqliteException ex)
        {
            throw Failure(ex, "The runs cannot be listed");
        }
    }

    /// <summary>
    /// The listing's SQL: runs with (or without) a start time, filtered, after the continuation, in listing order:
    /// start time, run id, workflow, descending (SQLite's binary order of text). Times are UTC round-trip text, which
    /// sorts as time does.
    /// </summary>
    internal static string RunsSql(bool started, bool workflow, bool status, bool after, bool before, bool continues)
    {
        var sql = new StringBuilder("SELECT workflow, run_id, status, started_at, ended_at FROM workflowy_runs WHERE started_at IS ");
        sql.Append(started ? "NOT NULL" : "NULL");
        if (workflow)
        {
            sql.Append(" AND workflow = $workflow");
        }

        if (status)
        {
            sql.Append(" AND status = $status");
        }

        if (after)
        {
            sql.Append(" AND started_at > $after");
        }

        if (before)
        {
            sql.Append(" AND started_at < $before");
        }

        if (continues)
        {
            sql.Append(started ? " AND (started_at, run_id, workflow) < ($c_started, $c_run, $c_workflow)" : " AND (run_id, workflow) < ($c_run, $c_workflow)");
        }

        sql.Append(started ? " ORDER BY started_at DESC, run_id DESC, workflow DESC" : " ORDER BY run_id DESC, workflow DESC");
        return sql.ToString();
    }

    /// <summary>A run's task records counted by state; <see cref="CheckpointException"/> for a state this version does not know.</summary>
    private async Task<TaskCounts> CountTasksAsync(SqliteConnection connection, SqliteTransaction transaction, RunRow run, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction, "SELECT state, count(*) FROM workflowy_tasks WHERE workflow = $workflow AND run_id = $run_id GROUP BY state", run.Workflow, run.RunId);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var counts = default(TaskCounts);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var text = reader.GetString(0);
                if (!TryParseState(text, out var state))
                {
                    throw new CheckpointException($"A task of run '{run.RunId}' of '{run.Workflow}' has the unknown state '{text}'", FilePath);
                }

                counts = counts.Add(state, reader.GetInt32(1));
            }

            return counts;
        }
    }

    /// <inheritdoc />
    public async ValueTask<string?> GetEventAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
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
                    return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? reader.GetString(0) : null;
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
        ArgumentNullException.ThrowIfNull(name);
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

    // ---------------------------------------------------------------- opening and checking the database

    private async ValueTask<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var command = connection.CreateCommand();
            command.CommandText = _pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// On first use: creates the schema in a new or empty database, or checks that the database is a Workflowy store
    /// of this schema version or an earlier one (writing nothing to it if it is not), turns WAL on, and upgrades an
    /// earlier version.
    /// </summary>
    private async ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_initialized)
        {
            return;
        }

        await _initialization.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            var directory = Path.GetDirectoryName(FilePath);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }

            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var objects = await SchemaObjectsAsync(connection, null, cancellationToken).ConfigureAwait(false);
                if (objects.Count == 0)
                {
                    // A new or empty database: WAL first (not possible inside a transaction), then the schema, unless
                    // another connection created it meanwhile.
                    await UseWalAsync(connection, cancellationToken).ConfigureAwait(false);
                    var transaction = connection.BeginTransaction(deferred: false);
                    await using (transaction.ConfigureAwait(false))
                    {
                        objects = await SchemaObjectsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                        if (objects.Count == 0)
                        {
                            using var command = connection.CreateCommand();
                            command.Transaction = transaction;
                            command.CommandText = CreateSchema;
                            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                            _initialized = true;
                            return;
                        }
                    }
                }

                var version = await CheckSchemaAsync(connection, objects, cancellationToken).ConfigureAwait(false);
                await UseWalAsync(connection, cancellationToken).ConfigureAwait(false);
                if (version < SchemaVersion)
                {
                    await MigrateAsync(connection, cancellationToken).ConfigureAwait(false);
                }

                _initialized = true;
            }
        }
        catch (SqliteException ex)
        {
            throw Failure(ex, "The database cannot be opened as a Workflowy store");
        }
        catch (IOException ex)
        {
            throw new CheckpointException($"The database cannot be opened: {ex.Message}", FilePath, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new CheckpointException($"The database cannot be opened: {ex.Message}", FilePath, ex);
        }
        finally
        {
            _initialization.Release();
        }
    }

    /// <summary>The names of the tables, indexes, views and triggers in the database (reading it detects a file that is not SQLite).</summary>
    private static async Task<List<(string Type, string Name)>> SchemaObjectsAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT type, name FROM sqlite_schema ORDER BY name";
        var objects = new List<(string, string)>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                objects.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        return objects;
    }

    /// <summary>
    /// Upgrades a database of an earlier schema version, in one transaction that first reads the version again (another
    /// connection may have upgraded it meanwhile).
    /// </summary>
    private static async Task MigrateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var transaction = connection.BeginTransaction(deferred: false);
        await using (transaction.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "SELECT value FROM workflowy_meta WHERE key = 'version'";
            if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string == "1")
            {
                command.CommandText = MigrateFrom1;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Checks an existing database: its meta rows, its tables and its size, and returns its schema version. Writes nothing.</summary>
    private async Task<int> CheckSchemaAsync(SqliteConnection connection, List<(string Type, string Name)> objects, CancellationToken cancellationToken)
    {
        var tables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (type, name) in objects)
        {
            if (type == "table")
            {
                tables.Add(name);
            }
        }

        if (!tables.Contains("workflowy_meta"))
        {
            var names = new List<string>();
            foreach (var (_, name) in objects)
            {
                if (names.Count == 5)
                {
                    names.Add("...");
                    break;
                }

                names.Add(name);
            }

            throw new CheckpointException($"The database is not a Workflowy store: it has no workflowy_meta table but other contents ({string.Join(", ", names)}); it is left as it is", FilePath);
        }

        var meta = new Dictionary<string, string?>(StringComparer.Ordinal);
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT key, value FROM workflowy_meta";
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (!reader.IsDBNull(0))
                    {
                        meta[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
                    }
                }
            }
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 1)
        {
            throw new CheckpointException($"The database is not a Workflowy store: its workflowy_meta table cannot be read ({ex.Message})", FilePath, ex);
        }

        if (!meta.TryGetValue("schema", out var schema) || schema != Schema)
        {
            throw new CheckpointException($"The database is not a Workflowy store: its workflowy_meta names the schema '{schema ?? "(none)"}', expected '{Schema}'", FilePath);
        }

        if (!meta.TryGetValue("version", out var versionText) || !int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw new CheckpointException($"The Workflowy store has no readable schema version (found '{versionText ?? "(none)"}')", FilePath);
        }

        if (version > SchemaVersion)
        {
            throw new CheckpointException($"The Workflowy store has schema version {version}, written by a newer Workflowy; this version reads version {SchemaVersion}", FilePath);
        }

        if (version < 1)
        {
            throw new CheckpointException($"The Workflowy store has the unknown schema version {version}; this version reads versions 1 to {SchemaVersion}", FilePath);
        }

        var missing = new List<string>();
        foreach (var table in Tables)
        {
            if (!tables.Contains(table))
            {
                missing.Add(table);
            }
        }

        if (missing.Count > 0)
        {
            throw new CheckpointException($"The Workflowy store lacks its table(s) {string.Join(", ", missing)} (corrupt)", FilePath);
        }

        // SQLite keeps a file a whole number of pages long; a file that is not was cut short (SQLite itself detects a
        // file shorter than the page count its header records). A WAL file beside it may hold pages still to be copied.
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA page_size";
            var pageSize = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            var length = new FileInfo(FilePath).Length;
            var wal = new FileInfo(FilePath + "-wal");
            if (pageSize > 0 && length % pageSize != 0 && !(wal.Exists && wal.Length > 0))
            {
                throw new CheckpointException($"The database file is {length} bytes long, not a whole number of {pageSize}-byte pages (truncated or corrupt)", FilePath);
            }
        }

        return version;
    }

    /// <summary>Turns on WAL (persistent in the file) unless it is on already.</summary>
    private async Task UseWalAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        if (string.Equals(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string, "wal", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        command.CommandText = "PRAGMA journal_mode = WAL";
        var mode = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new CheckpointException($"The database cannot use WAL journal mode (it stays in '{mode}' mode; is the file on a network file system?)", FilePath);
        }
    }

    /// <summary>Refuses to add to a run whose stored status or task rows have states this version does not know.</summary>
    private async Task CheckStoredStatesAsync(SqliteConnection connection, SqliteTransaction transaction, string workflow, string runId, CancellationToken cancellationToken)
    {
        using (var status = Command(connection, transaction, $"SELECT status FROM workflowy_runs WHERE workflow = $workflow AND run_id = $run_id AND status NOT IN ({KnownStatuses})", workflow, runId))
        {
            if (await status.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string unknown)
            {
                throw new CheckpointException($"Run '{runId}' of '{workflow}' has the unknown status '{unknown}'", FilePath);
            }
        }

        using var command = Command(connection, transaction, $"SELECT key, state FROM workflowy_tasks WHERE workflow = $workflow AND run_id = $run_id AND state NOT IN ({KnownStates}) LIMIT 1", workflow, runId);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new CheckpointException($"Task '{reader.GetString(0)}' of run '{runId}' of '{workflow}' has the unknown state '{reader.GetString(1)}'", FilePath);
            }
        }
    }

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
                throw new CheckpointException($"The {what} to store is not valid Unicode text: {ex.Message}", FilePath, ex);
            }

            var reader = new Utf8JsonReader(rented.AsSpan(0, length), new JsonReaderOptions { MaxDepth = 1000 });
            while (reader.Read())
            {
            }
        }
        catch (JsonException ex)
        {
            throw new CheckpointException($"The {what} to store is not valid JSON: {ex.Message}", FilePath, ex);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
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

    /// <summary>A row of the runs table as stored (texts unparsed), so that an unreadable one still has its place in a listing.</summary>
    private readonly record struct RunRow(string Workflow, string RunId, string? Status, string? Started, string? Ended);

    /// <summary>Reads columns 0 to 4: workflow, run_id, status, started_at, ended_at.</summary>
    private static RunRow ReadRunRow(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetString(2),
        reader.IsDBNull(3) ? null : reader.GetString(3),
        reader.IsDBNull(4) ? null : reader.GetString(4));

    private (RunStatus? Status, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt) ParseRunRow(RunRow row)
    {
        RunStatus? status = row.Status switch
        {
            null => null,
            "Running" => RunStatus.Running,
            "Completed" => RunStatus.Completed,
            "Failed" => RunStatus.Failed,
            "Cancelled" => RunStatus.Cancelled,
            _ => throw new CheckpointException($"Run '{row.RunId}' of '{row.Workflow}' has the unknown status '{row.Status}'", FilePath),
        };
        return (status, RunTime(row, row.Started, "started_at"), RunTime(row, row.Ended, "ended_at"));
    }

    private DateTimeOffset? RunTime(RunRow row, string? text, string column) =>
        text is null ? null
        : DateTimeOffset.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value) ? value
        : throw new CheckpointException($"Run '{row.RunId}' of '{row.Workflow}' has an unreadable {column} '{text}'", FilePath);

    /// <summary>The continuation after a run: base64url of its start time text (or none), workflow and run id, each length-prefixed.</summary>
    private static string EncodeContinuation(RunRow row)
    {
        var text = new StringBuilder("s1");
        foreach (var part in (ReadOnlySpan<string?>)[row.Started, row.Workflow, row.RunId])
        {
            text.Append(part is null ? "-" : string.Create(CultureInfo.InvariantCulture, $"{part.Length}:{part}"));
        }

        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text.ToString())).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static (string? Started, string Workflow, string RunId) DecodeContinuation(string continuation)
    {
        try
        {
            var base64 = continuation.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var text = StrictUtf8.GetString(Convert.FromBase64String(base64));
            if (text.StartsWith("s1", StringComparison.Ordinal))
            {
                var parts = new List<string?>(3);
                var at = 2;
                while (at < text.Length && parts.Count < 3)
                {
                    if (text[at] == '-')
                    {
                        parts.Add(null);
                        at++;
                        continue;
                    }

                    var colon = text.IndexOf(':', at);
                    if (colon < 0 || !int.TryParse(text.AsSpan(at, colon - at), NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > text.Length - colon - 1)
                    {
                        break;
                    }

                    parts.Add(text.Substring(colon + 1, length));
                    at = colon + 1 + length;
                }

                if (parts.Count == 3 && at == text.Length && parts[1] is { } workflow && parts[2] is { } runId)
                {
                    return (parts[0], workflow, runId);
                }
            }
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new ArgumentException($"'{continuation}' is not a continuation of a run listing of this store.", "query", ex);
        }

        throw new ArgumentException($"'{continuation}' is not a continuation of a run listing of this store.", "query");
    }

    private DateTimeOffset? Timestamp(SqliteDataReader reader, int ordinal, string key, string column)
    {
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }

        var text = reader.GetString(ordinal);
        return DateTimeOffset.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
            ? value
            : throw new CheckpointException($"Task '{key}' has an unreadable {column} '{text}'", FilePath);
    }
}
