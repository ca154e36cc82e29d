using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace Workflowy;

/// <summary>
/// Starts distributed runs and waits for them: a run started here is written to the database (the run, and one queue
/// row per task with its dependencies and options) in one transaction, and executed by any <see cref="PostgreSqlWorker"/>
/// sharing the database, in this process or others. Await the run with <see cref="WaitForRunAsync"/>, or detach and
/// read it later through <see cref="PostgreSqlWorkflowStore"/> (<see cref="PostgreSqlWorkflowStore.LoadAsync"/>,
/// <see cref="PostgreSqlWorkflowStore.QueryRunsAsync"/>). See docs/scale-out.md.
/// </summary>
public sealed class PostgreSqlWorkflowClient : IAsyncDisposable
{
    private readonly PostgreSqlDatabase _db;
    private readonly string _s;

    /// <summary>Creates a client on the server and schema the options name.</summary>
    public PostgreSqlWorkflowClient(PostgreSqlWorkflowyOptions options)
    {
        _db = new PostgreSqlDatabase(options);
        _s = _db.Schema;
        Store = new PostgreSqlWorkflowStore(_db);
    }

    /// <summary>The store on the same database (runs started here are loaded and listed through it).</summary>
    public PostgreSqlWorkflowStore Store { get; }

    /// <summary>Starts a run of the workflow's graph (one task per graph task); returns its run id.</summary>
    /// <param name="definition">The workflow (from <see cref="WorkflowCatalog"/>); workers find it there by its full name.</param>
    /// <param name="inputsJson">The run's inputs, a JSON object (as for <see cref="WorkflowDefinition.StartAsync"/>).</param>
    /// <param name="runId">The run id (default: a new one); a run id the workflow already has is refused.</param>
    /// <param name="cancellationToken">Cancels the start (nothing is written unless it completes).</param>
    public Task<string> StartAsync(WorkflowDefinition definition, string inputsJson, string? runId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return StartPlanAsync(definition, inputsJson, PlannedTask.FromGraph(definition.Graph), runId, cancellationToken);
    }

    /// <summary>
    /// Starts a run made of the planned tasks (each an instance of a task of the workflow's graph: its body and options;
    /// see <see cref="PlannedTask"/>); returns its run id.
    /// </summary>
    /// <exception cref="ArgumentException">The inputs are not a JSON object, a planned task names no task of the graph, a key repeats, a dependency index is out of range, or the plan has a cycle.</exception>
    /// <exception cref="InvalidOperationException">The workflow already has a run with this id.</exception>
    public async Task<string> StartPlanAsync(WorkflowDefinition definition, string inputsJson, IReadOnlyList<PlannedTask> tasks, string? runId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(inputsJson);
        ArgumentNullException.ThrowIfNull(tasks);
        CheckObject(inputsJson, "inputsJson", definition.FullName);
        runId ??= Guid.NewGuid().ToString("N");
        var rows = Plan(definition, tasks);
        var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    long seq;
                    long[] ids;
                    using (var command = new NpgsqlCommand(
                        $"""
                        INSERT INTO {_s}.runs (workflow, run_id, inputs_json, status, started_at, seq, pending_tasks, failed_tasks)
                        VALUES (@workflow, @run_id, @inputs, 0, (extract(epoch FROM now()) * 10000000)::bigint + 621355968000000000, nextval('{_s}.run_seq'), @count, 0)
                        ON CONFLICT (workflow, run_id) DO NOTHING
                        RETURNING seq, ARRAY(SELECT nextval('{_s}.task_ids') FROM generate_series(1, @count) ORDER BY 1)
                        """,
                        connection,
                        transaction))
                    {
                        command.Parameters.AddWithValue("workflow", definition.FullName);
                        command.Parameters.AddWithValue("run_id", runId);
                        command.Parameters.AddWithValue("inputs", inputsJson);
                        command.Parameters.AddWithValue("count", (long)rows.Length);
                        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        await using (reader.ConfigureAwait(false))
                        {
                            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                            {
                                throw new InvalidOperationException($"Workflow '{definition.FullName}' already has a run '{runId}'; start it with another run id.");
                            }

                            (seq, ids) = (reader.GetInt64(0), reader.GetFieldValue<long[]>(1));
                        }
                    }

                    var importer = await connection.BeginBinaryImportAsync(
                        $"COPY {_s}.queue (id, run_seq, name, key, inputs_json, state, pending_deps, deps, dependents, on_dep_failure, max_attempts, timeout_ms) FROM STDIN (FORMAT BINARY)",
                        cancellationToken).ConfigureAwait(false);
                    await using (importer.ConfigureAwait(false))
                    {
                        foreach (var row in rows)
                        {
                            await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                            await importer.WriteAsync(ids[row.Index], NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                            await importer.WriteAsync(seq, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                            await importer.WriteAsync(row.Task.TaskName, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                            await importer.WriteAsync(row.Task.Key, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                            if (row.Task.InputsJson is { } inputs)
                            {
                                await importer.WriteAsync(inputs, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                            }
                            else
                            {
                                await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                            }

                            await importer.WriteAsync((short)(row.Task.Dependencies.Count == 0 ? TaskState.Ready : TaskState.Pending), NpgsqlDbType.Smallint, cancellationToken).ConfigureAwait(false);
                            await importer.WriteAsync(row.Task.Dependencies.Count, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                            await importer.WriteAsync(Ids(ids, row.Task.Dependencies), NpgsqlDbType.Array | NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                            await importer.WriteAsync(Ids(ids, row.Dependents), NpgsqlDbType.Array | NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                            await importer.WriteAsync((short)row.Options.OnDependencyFailure, NpgsqlDbType.Smallint, cancellationToken).ConfigureAwait(false);
                            await importer.WriteAsync(row.Options.MaxAttempts, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                            if (row.Options.Timeout is { } timeout)
                            {
                                await importer.WriteAsync((long)Math.Ceiling(timeout.TotalMilliseconds), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                            }
                            else
                            {
                                await importer.WriteNullAsync(cancellationToken).ConfigureAwait(false);
                            }
                        }

                        await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
                    }

                    using (var notify = new NpgsqlCommand("SELECT pg_notify(@channel, '')", connection, transaction))
                    {
                        notify.Parameters.AddWithValue("channel", _db.Options.ReadyChannel);
                        await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return runId;
                }
            }
            catch (NpgsqlException ex)
            {
                throw _db.Failure(ex, $"The run '{runId}' of '{definition.FullName}' could not be started (nothing of it was stored)");
            }
        }
    }

    /// <summary>
    /// Waits until the run has ended (every task terminal) and returns its checkpoint: its status, and a record per task
    /// with the result of each completed one. Polls the run's row (from every 20 ms up to the poll interval).
    /// </summary>
    /// <exception cref="InvalidOperationException">The workflow has no run with this id.</exception>
    public async Task<RunCheckpoint> WaitForRunAsync(string workflow, string runId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(runId);
        var delay = TimeSpan.FromMilliseconds(20);
        while (true)
        {
            var status = await GetStatusAsync(workflow, runId, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Workflow '{workflow}' has no run '{runId}'.");
            if (status != RunStatus.Running)
            {
                return (await Store.LoadAsync(workflow, runId, cancellationToken).ConfigureAwait(false))!;
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _db.Options.PollInterval.Ticks));
        }
    }

    /// <summary>The run's recorded status, or null if the workflow has no run with this id.</summary>
    public async Task<RunStatus?> GetStatusAsync(string workflow, string runId, CancellationToken cancellationToken = default)
    {
        var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                using var command = new NpgsqlCommand($"SELECT status FROM {_s}.runs WHERE workflow = @workflow AND run_id = @run_id", connection);
                command.Parameters.AddWithValue("workflow", workflow);
                command.Parameters.AddWithValue("run_id", runId);
                return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is short value ? (RunStatus)value : null;
            }
            catch (NpgsqlException ex)
            {
                throw _db.Failure(ex, $"The status of run '{runId}' of '{workflow}' cannot be read");
            }
        }
    }

    /// <summary>Closes the client's connections.</summary>
    public ValueTask DisposeAsync() => _db.DisposeAsync();

    private readonly record struct Row(int Index, PlannedTask Task, List<int> Dependents, TaskOptions Options);

    /// <summary>Checks the plan and works out each task's dependents and options.</summary>
    private static Row[] Plan(WorkflowDefinition definition, IReadOnlyList<PlannedTask> tasks)
    {
        if (tasks.Count == 0)
        {
            throw new ArgumentException("A run needs at least one task.", nameof(tasks));
        }

        var graph = definition.Graph;
        var rows = new Row[tasks.Count];
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tasks.Count; i++)
        {
            var task = tasks[i] ?? throw new ArgumentException($"Planned task {i} is null.", nameof(tasks));
            var node = graph.IndexOf(task.TaskName) is var n and >= 0 ? graph.Tasks[n]
                : throw new ArgumentException($"Planned task '{task.Key}' names '{task.TaskName}', which is not a task of workflow '{definition.FullName}'.", nameof(tasks));
            if (!keys.Add(task.Key))
            {
                throw new ArgumentException($"The key '{task.Key}' is planned twice.", nameof(tasks));
            }

            if (task.InputsJson is { } inputs)
            {
                CheckObject(inputs, nameof(tasks), definition.FullName);
            }

            rows[i] = new Row(i, task, [], node.Options);
        }

        var pending = new int[rows.Length];
        for (var i = 0; i < rows.Length; i++)
        {
            foreach (var dependency in rows[i].Task.Dependencies)
            {
                if ((uint)dependency >= (uint)rows.Length || dependency == i)
                {
                    throw new ArgumentException($"Planned task '{rows[i].Task.Key}' depends on {dependency}, which is not another task of the plan.", nameof(tasks));
                }

                rows[dependency].Dependents.Add(i);
                pending[i]++;
            }
        }

        // Kahn's walk: every task is reached only if there is no cycle.
        var ready = new Queue<int>();
        for (var i = 0; i < rows.Length; i++)
        {
            if (pending[i] == 0)
            {
                ready.Enqueue(i);
            }
        }

        var reached = 0;
        while (ready.TryDequeue(out var i))
        {
            reached++;
            foreach (var dependent in rows[i].Dependents)
            {
                if (--pending[dependent] == 0)
                {
                    ready.Enqueue(dependent);
                }
            }
        }

        return reached == rows.Length ? rows : throw new ArgumentException("The planned tasks have a cycle.", nameof(tasks));
    }

    private static long[] Ids(long[] ids, IReadOnlyList<int> indexes)
    {
        var result = new long[indexes.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = ids[indexes[i]];
        }

        Array.Sort(result);
        return result;
    }

    private static void CheckObject(string json, string parameter, string workflow)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException($"The inputs of workflow '{workflow}' must be a JSON object, not {document.RootElement.ValueKind}.", parameter);
            }
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The inputs of workflow '{workflow}' are not valid JSON: {ex.Message}", parameter, ex);
        }
    }
}
