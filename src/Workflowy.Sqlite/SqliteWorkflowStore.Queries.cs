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

// Listing runs: the keyset-paged query over the runs table's indexes, and reading run rows.
public sealed partial class SqliteWorkflowStore
{
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
        if (query.Workflow is { } workflow)
        {
            CheckName(workflow, nameof(query));
        }

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
    internal static string RunsSql(bool started, bool workflow, bool status, bool after, bool before, bool continues) =>
        RunListingSql.Build("SELECT workflow, run_id, status, started_at, ended_at FROM workflowy_runs", '$', started, workflow, status, after, before, continues).ToString();

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
