using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace Workflowy;

// Listing runs (keyset pages over the runs indexes) and run leases (one atomic statement each).
public sealed partial class PostgreSqlWorkflowStore
{
    private static readonly bool[] StartedPhases = [true, false];

    /// <summary>
    /// Lists runs (see <see cref="IWorkflowStore.QueryRunsAsync"/>) in one repeatable-read transaction, walking an index
    /// of the runs table in listing order from the continuation, so a page costs the same wherever it is; each listed
    /// run's task records (and, for a distributed run, its terminal tasks) are counted by state.
    /// </summary>
    public async ValueTask<RunQueryResult> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Workflow is { } workflowFilter)
        {
            CheckName(workflowFilter, nameof(query));
        }

        var after = query.Continuation is { } continuation ? DecodeContinuation(continuation) : default((long? Started, string Workflow, string RunId)?);
        var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var rows = new List<(RunRow Row, long? Seq)>();
                    var more = false;
                    var timed = query.StartedAfter is not null || query.StartedBefore is not null;
                    foreach (var started in StartedPhases)
                    {
                        if ((!started && timed) || (started && after is { Started: null }))
                        {
                            continue;
                        }

                        var continues = after is not null && (started || after.Value.Started is null);
                        using var command = new NpgsqlCommand(RunsSql(started, query.Workflow is not null, query.Status is not null, query.StartedAfter is not null, query.StartedBefore is not null, continues), connection, transaction);
                        command.Parameters.Add(new NpgsqlParameter<string?>("workflow", NpgsqlDbType.Text) { TypedValue = query.Workflow });
                        command.Parameters.Add(new NpgsqlParameter<short?>("status", NpgsqlDbType.Smallint) { TypedValue = query.Status is { } st ? StatusValue(st) : null });
                        command.Parameters.Add(new NpgsqlParameter<long?>("after", NpgsqlDbType.Bigint) { TypedValue = query.StartedAfter?.UtcTicks });
                        command.Parameters.Add(new NpgsqlParameter<long?>("before", NpgsqlDbType.Bigint) { TypedValue = query.StartedBefore?.UtcTicks });
                        command.Parameters.Add(new NpgsqlParameter<long?>("c_started", NpgsqlDbType.Bigint) { TypedValue = after?.Started });
                        command.Parameters.Add(new NpgsqlParameter<string?>("c_run", NpgsqlDbType.Text) { TypedValue = after?.RunId });
                        command.Parameters.Add(new NpgsqlParameter<string?>("c_workflow", NpgsqlDbType.Text) { TypedValue = after?.Workflow });
                        command.Parameters.Add(new NpgsqlParameter<int>("limit", NpgsqlDbType.Integer) { TypedValue = query.Limit + 1 - rows.Count });
                        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        await using (reader.ConfigureAwait(false))
                        {
                            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                            {
                                if (rows.Count == query.Limit)
                                {
                                    more = true;
                                    break;
                                }

                                rows.Add((ReadRunRow(reader), reader.IsDBNull(5) ? null : reader.GetInt64(5)));
                            }
                        }

                        if (more)
                        {
                            break;
                        }
                    }

                    var runs = new List<RunSummary>(rows.Count);
                    var unreadable = new List<CheckpointException>();
                    foreach (var (row, seq) in rows)
                    {
                        try
                        {
                            var (status, startedAt, endedAt) = ParseRunRow(row);
                            var counts = await CountTasksAsync(connection, transaction, row, seq, cancellationToken).ConfigureAwait(false);
                            runs.Add(new RunSummary(row.Workflow, row.RunId, status, startedAt, endedAt, counts));
                        }
                        catch (CheckpointException ex)
                        {
                            unreadable.Add(ex);
                        }
                    }

                    var token = more ? EncodeContinuation(rows[^1].Row) : null;
                    return new RunQueryResult(runs, token) { Unreadable = unreadable };
                }
            }
            catch (NpgsqlException ex)
            {
                throw _db.Failure(ex, "The runs cannot be listed");
            }
        }
    }

    /// <summary>The listing's SQL: runs with (or without) a start time, filtered, after the continuation, in listing order.</summary>
    private string RunsSql(bool started, bool workflow, bool status, bool after, bool before, bool continues) =>
        RunListingSql.Build($"SELECT workflow, run_id, status, started_at, ended_at, seq FROM {_s}.runs", '@', started, workflow, status, after, before, continues).Append(" LIMIT @limit").ToString();

    private async Task<TaskCounts> CountTasksAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, RunRow run, long? seq, CancellationToken cancellationToken)
    {
        var sql = $"SELECT state, count(*)::integer FROM {_s}.tasks WHERE workflow = @workflow AND run_id = @run_id GROUP BY state";
        if (seq is not null)
        {
            sql += $" UNION ALL SELECT state, count(*)::integer FROM {_s}.queue WHERE run_seq = @seq AND state >= 4 GROUP BY state";
        }

        using var command = Command(connection, transaction, sql, run.Workflow, run.RunId);
        command.Parameters.AddWithValue("seq", (object?)seq ?? DBNull.Value);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var counts = default(TaskCounts);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts = counts.Add(ParseState(reader.GetInt16(0), "?", run.RunId, run.Workflow), reader.GetInt32(1));
            }

            return counts;
        }
    }

    /// <summary>A row of the runs table as stored.</summary>
    private readonly record struct RunRow(string Workflow, string RunId, short? Status, long? Started, long? Ended);

    /// <summary>Reads columns 0 to 4: workflow, run_id, status, started_at, ended_at.</summary>
    private static RunRow ReadRunRow(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetInt16(2),
        reader.IsDBNull(3) ? null : reader.GetInt64(3),
        reader.IsDBNull(4) ? null : reader.GetInt64(4));

    private (RunStatus? Status, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt) ParseRunRow(RunRow row)
    {
        RunStatus? status = row.Status switch
        {
            null => null,
            >= 0 and <= 3 => (RunStatus)row.Status.Value,
            _ => throw new CheckpointException($"Run '{row.RunId}' of '{row.Workflow}' has the unknown status {row.Status}", _db.Location),
        };
        return (status, Time(row, row.Started, "started_at"), Time(row, row.Ended, "ended_at"));
    }

    private DateTimeOffset? Time(RunRow row, long? ticks, string column) =>
        ticks is null ? null
        : ticks.Value is >= 0 and <= 3155378975999999999 ? new DateTimeOffset(ticks.Value, TimeSpan.Zero)
        : throw new CheckpointException($"Run '{row.RunId}' of '{row.Workflow}' has an out-of-range {column} {ticks}", _db.Location);

    /// <summary>The continuation after a run: base64url of <c>p1|ticks or empty|length of workflow|workflow run id</c>.</summary>
    private static string EncodeContinuation(RunRow row)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"p1|{row.Started}|{row.Workflow.Length}|{row.Workflow}{row.RunId}");
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static (long? Started, string Workflow, string RunId) DecodeContinuation(string continuation)
    {
        try
        {
            var base64 = continuation.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var parts = StrictUtf8.GetString(Convert.FromBase64String(base64)).Split('|', 4);
            if (parts.Length == 4 && parts[0] == "p1"
                && (parts[1].Length == 0 || long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
                && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                && length <= parts[3].Length)
            {
                long? started = parts[1].Length == 0 ? null : long.Parse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                return (started, parts[3][..length], parts[3][length..]);
            }
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new ArgumentException($"'{continuation}' is not a continuation of a run listing of this store.", "query", ex);
        }

        throw new ArgumentException($"'{continuation}' is not a continuation of a run listing of this store.", "query");
    }

    /// <inheritdoc />
    public ValueTask<RunLease> TryAcquireRunLeaseAsync(string workflow, string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken = default) =>
        ChangeLeaseAsync(workflow, runId, owner, now, duration, renew: false, cancellationToken);

    /// <inheritdoc />
    public ValueTask<RunLease> RenewRunLeaseAsync(string workflow, string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken = default) =>
        ChangeLeaseAsync(workflow, runId, owner, now, duration, renew: true, cancellationToken);

    /// <inheritdoc />
    public async ValueTask ReleaseRunLeaseAsync(string workflow, string runId, string owner, CancellationToken cancellationToken = default)
    {
        CheckName(workflow, nameof(workflow));
        CheckName(runId, nameof(runId));
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                using var command = new NpgsqlCommand($"DELETE FROM {_s}.leases WHERE workflow = @workflow AND run_id = @run_id AND owner = @owner", connection);
                command.Parameters.AddWithValue("workflow", workflow);
                command.Parameters.AddWithValue("run_id", runId);
                command.Parameters.AddWithValue("owner", owner);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException ex)
            {
                throw _db.Failure(ex, $"The lease of run '{runId}' of '{workflow}' could not be released");
            }
        }
    }

    /// <summary>
    /// Takes or renews a lease in one statement (the row lock of the upsert makes the check and the change one step for
    /// every connection); when refused, reads the holder (retried if the row changed in between).
    /// </summary>
    private async ValueTask<RunLease> ChangeLeaseAsync(string workflow, string runId, string owner, DateTimeOffset now, TimeSpan duration, bool renew, CancellationToken cancellationToken)
    {
        CheckName(workflow, nameof(workflow));
        CheckName(runId, nameof(runId));
        ArgumentException.ThrowIfNullOrEmpty(owner);
        CheckName(owner, nameof(owner));
        var expiresAt = now + duration;
        var connection = await _db.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                using var command = new NpgsqlCommand(
                    renew
                        ? $"""
                          WITH changed AS (
                              UPDATE {_s}.leases SET expires_at = @expires WHERE workflow = @workflow AND run_id = @run_id AND owner = @owner RETURNING owner, expires_at)
                          SELECT true, owner, expires_at FROM changed
                          UNION ALL SELECT false, owner, expires_at FROM {_s}.leases WHERE workflow = @workflow AND run_id = @run_id AND NOT EXISTS (SELECT 1 FROM changed)
                          """
                        : $"""
                          WITH changed AS (
                              INSERT INTO {_s}.leases AS l (workflow, run_id, owner, expires_at) VALUES (@workflow, @run_id, @owner, @expires)
                              ON CONFLICT (workflow, run_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
                                  WHERE l.owner = excluded.owner OR l.expires_at <= @now
                              RETURNING owner, expires_at)
                          SELECT true, owner, expires_at FROM changed
                          """,
                    connection);
                command.Parameters.AddWithValue("workflow", workflow);
                command.Parameters.AddWithValue("run_id", runId);
                command.Parameters.AddWithValue("owner", owner);
                command.Parameters.AddWithValue("expires", expiresAt.UtcTicks);
                command.Parameters.AddWithValue("now", now.UtcTicks);
                for (var tries = 0; ; tries++)
                {
                    var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            return reader.GetBoolean(0)
                                ? new RunLease(true, owner, expiresAt)
                                : new RunLease(false, reader.GetString(1), new DateTimeOffset(reader.GetInt64(2), TimeSpan.Zero));
                        }
                    }

                    if (renew)
                    {
                        return new RunLease(false, null, default);
                    }

                    // Refused: another owner holds it; read who (in a new statement, so we see the committed holder).
                    using var holder = new NpgsqlCommand($"SELECT owner, expires_at FROM {_s}.leases WHERE workflow = @workflow AND run_id = @run_id", connection);
                    holder.Parameters.AddWithValue("workflow", workflow);
                    holder.Parameters.AddWithValue("run_id", runId);
                    var held = await holder.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (held.ConfigureAwait(false))
                    {
                        if (await held.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            return new RunLease(false, held.GetString(0), new DateTimeOffset(held.GetInt64(1), TimeSpan.Zero));
                        }
                    }

                    // Released in between: ask again.
                }
            }
            catch (NpgsqlException ex)
            {
                throw _db.Failure(ex, $"The lease of run '{runId}' of '{workflow}' could not be {(renew ? "renewed" : "taken")}");
            }
        }
    }
}
