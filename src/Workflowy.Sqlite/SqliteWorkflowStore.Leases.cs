using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Workflowy;

// Run leases (schema version 3): one row per leased run in workflowy_leases (owner, expiry as UTC round-trip text).
// Each change is one BEGIN IMMEDIATE transaction that reads the row and writes it: SQLite's write lock makes the read
// and the write one step for every connection of every process, so a lease is granted to one owner at a time.
public sealed partial class SqliteWorkflowStore
{
    /// <inheritdoc />
    public ValueTask<RunLease> TryAcquireRunLeaseAsync(string workflow, string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken = default) =>
        ChangeLeaseAsync(workflow, runId, owner, now, duration, renew: false, cancellationToken);

    /// <inheritdoc />
    public ValueTask<RunLease> RenewRunLeaseAsync(string workflow, string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken = default) =>
        ChangeLeaseAsync(workflow, runId, owner, now, duration, renew: true, cancellationToken);

    /// <inheritdoc />
    public async ValueTask ReleaseRunLeaseAsync(string workflow, string runId, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = connection.BeginTransaction(deferred: false);
                await using (transaction.ConfigureAwait(false))
                {
                    using var command = Command(connection, transaction, "DELETE FROM workflowy_leases WHERE workflow = $workflow AND run_id = $run_id AND owner = $owner", workflow, runId);
                    command.Parameters.AddWithValue("$owner", owner);
                    await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (SqliteException ex)
        {
            throw Failure(ex, $"The lease of run '{runId}' of '{workflow}' could not be released");
        }
    }

    /// <summary>Takes (or, with <paramref name="renew"/>, extends) a run's lease in one write transaction.</summary>
    private async ValueTask<RunLease> ChangeLeaseAsync(string workflow, string runId, string owner, DateTimeOffset now, TimeSpan duration, bool renew, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var expiresAt = now + duration;
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                // BEGIN IMMEDIATE: the write lock is taken before the row is read, so no one changes it in between.
                var transaction = connection.BeginTransaction(deferred: false);
                await using (transaction.ConfigureAwait(false))
                {
                    string? heldBy = null;
                    DateTimeOffset heldUntil = default;
                    using (var command = Command(connection, transaction, "SELECT owner, expires_at FROM workflowy_leases WHERE workflow = $workflow AND run_id = $run_id", workflow, runId))
                    {
                        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        await using (reader.ConfigureAwait(false))
                        {
                            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                            {
                                heldBy = reader.GetString(0);
                                var text = reader.GetString(1);
                                if (!DateTimeOffset.TryParseExact(text, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out heldUntil))
                                {
                                    throw new CheckpointException($"The lease of run '{runId}' of '{workflow}' has the unreadable expiry '{text}'", FilePath);
                                }
                            }
                        }
                    }

                    var granted = renew ? heldBy == owner : heldBy is null || heldBy == owner || heldUntil <= now;
                    if (!granted)
                    {
                        return new RunLease(false, heldBy, heldUntil);
                    }

                    using (var command = Command(
                        connection,
                        transaction,
                        """
                        INSERT INTO workflowy_leases (workflow, run_id, owner, expires_at) VALUES ($workflow, $run_id, $owner, $expires)
                        ON CONFLICT (workflow, run_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
                        """,
                        workflow,
                        runId))
                    {
                        command.Parameters.AddWithValue("$owner", owner);
                        command.Parameters.AddWithValue("$expires", RunTimestamp(expiresAt));
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return new RunLease(true, owner, expiresAt);
                }
            }
        }
        catch (SqliteException ex)
        {
            throw Failure(ex, $"The lease of run '{runId}' of '{workflow}' could not be {(renew ? "renewed" : "taken")}");
        }
    }
}
