using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;
using NpgsqlTypes;

namespace Workflowy;

// The worker's loops: claim (and run bodies), complete (fenced, batched), heartbeat, reap, listen.
public sealed partial class PostgreSqlWorker
{
    private async Task RunLoopsAsync()
    {
        var claim = Task.Run(ClaimLoopAsync);
        var complete = Task.Run(CompleteLoopAsync);
        var heartbeat = Task.Run(HeartbeatLoopAsync);
        var reaper = Task.Run(ReaperLoopAsync);
        var listener = _db.Options.UseListenNotify ? Task.Run(ListenLoopAsync) : Task.CompletedTask;
        Exception? failure = null;
        try
        {
            await claim.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        // No more claims: wait until every claimed task has its outcome queued (bodies finish, or are cancelled when the
        // lease is lost: then for at most a lease), then flush the outcomes: after a lost lease they are all fenced,
        // and counted as such.
        var lostAt = (long?)null;
        while (Volatile.Read(ref _running) > 0)
        {
            if (_leaseLost && Stopwatch.GetElapsedTime(lostAt ??= Stopwatch.GetTimestamp()) > _db.Options.LeaseDuration)
            {
                break;
            }

            await Task.Delay(10).ConfigureAwait(false);
        }

        _outcomes.Writer.TryComplete();
        try
        {
            await complete.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            failure ??= ex;
        }

        _finished.Cancel();
        await Task.WhenAll(heartbeat, reaper, listener).ConfigureAwait(false);
        if (!_leaseLost)
        {
            await ExecuteQuietlyAsync($"DELETE FROM {_s}.workers WHERE id = @id").ConfigureAwait(false);
        }

        if (_leaseLost)
        {
            throw new WorkerLeaseLostException(Id);
        }

        if (failure is not null and not OperationCanceledException)
        {
            throw failure;
        }
    }

    // ---------------------------------------------------------------- claim

    private async Task ClaimLoopAsync()
    {
        var options = _db.Options;
        var batch = Math.Min(options.ClaimBatchSize, options.MaxConcurrency);
        var threshold = Math.Max(1, batch / 2);
        while (!_stopping.IsCancellationRequested && !_leaseLost)
        {
            var free = options.MaxConcurrency - Volatile.Read(ref _busy);
            if (free < threshold && free < options.MaxConcurrency)
            {
                await WaitForWakeAsync(options.PollInterval).ConfigureAwait(false);
                continue;
            }

            List<Claimed> claimed;
            try
            {
                claimed = await ClaimAsync(Math.Min(free, batch)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or CheckpointException or TimeoutException)
            {
                // The database is unreachable: try again after a poll interval (the lease decides who owns what).
                await WaitForWakeAsync(options.PollInterval).ConfigureAwait(false);
                continue;
            }

            if (claimed.Count == 0)
            {
                await WaitForWakeAsync(options.PollInterval).ConfigureAwait(false);
                continue;
            }

            Interlocked.Add(ref _claimed, claimed.Count);
            Interlocked.Add(ref _busy, claimed.Count);
            Interlocked.Add(ref _running, claimed.Count);
            foreach (var task in claimed)
            {
                // The run is resolved now (ClaimAsync has just read every claimed task's run into the cache).
                var run = _runs.GetValueOrDefault(task.RunSeq);
                _ = Task.Run(() => RunAttemptAsync(task, run));
            }
        }
    }

    private async Task WaitForWakeAsync(TimeSpan timeout)
    {
        try
        {
            await _wake.WaitAsync(timeout, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Claims up to <paramref name="count"/> ready tasks: the locking SELECT in a MATERIALIZED CTE (so LIMIT is applied
    /// once), the claim update bumping the attempt (the fencing token), and what each body needs (its run's identity,
    /// its dependencies' names, states and results) in the same round trip. A worker declared dead claims nothing.
    /// </summary>
    private async Task<List<Claimed>> ClaimAsync(int count)
    {
        var connection = await _db.OpenAsync(_stopping.Token).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = new NpgsqlCommand(
                $"""
                WITH picked AS MATERIALIZED (
                    SELECT id FROM {_s}.queue WHERE state = 1 AND run_after <= now()
                        AND EXISTS (SELECT 1 FROM {_s}.workers WHERE id = @me AND state = 0)
                    ORDER BY run_after, id LIMIT @count FOR UPDATE SKIP LOCKED
                ), claimed AS (
                    UPDATE {_s}.queue q SET state = 2, attempt = q.attempt + 1, owner = @me, claimed_at = now(),
                        deadline = CASE WHEN q.timeout_ms IS NULL THEN NULL ELSE now() + q.timeout_ms * interval '1 millisecond' END
                    FROM picked WHERE q.id = picked.id
                    RETURNING q.id, q.run_seq, q.name, q.key, q.inputs_json, q.attempt, q.lost, q.max_attempts, q.failed_deps,
                        q.on_dep_failure, q.timeout_ms, q.deps
                )
                SELECT c.id, c.run_seq, c.name, c.key, c.inputs_json, c.attempt, c.lost, c.max_attempts, c.failed_deps,
                    c.on_dep_failure, c.timeout_ms, d.names, d.keys, d.states, d.results
                FROM claimed c
                CROSS JOIN LATERAL (
                    SELECT coalesce(array_agg(p.name ORDER BY p.id), ARRAY[]::text[]) AS names, coalesce(array_agg(p.key ORDER BY p.id), ARRAY[]::text[]) AS keys,
                           coalesce(array_agg(p.state ORDER BY p.id), ARRAY[]::smallint[]) AS states,
                           coalesce(array_agg(r.result_json ORDER BY p.id), ARRAY[]::text[]) AS results
                    FROM {_s}.queue p LEFT JOIN {_s}.results r ON r.task_id = p.id
                    WHERE p.id = ANY (c.deps)
                ) d
                """,
                connection);
            command.Parameters.AddWithValue("count", count);
            command.Parameters.AddWithValue("me", Id);
            var claimed = new List<Claimed>(count);
            var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    claimed.Add(new Claimed(
                        reader.GetInt64(0),
                        reader.GetInt64(1),
                        reader.GetString(2),
                        reader.GetString(3),
                        reader.IsDBNull(4) ? null : reader.GetString(4),
                        reader.GetInt32(5),
                        reader.GetInt32(6),
                        reader.GetInt32(7),
                        reader.GetInt32(8),
                        (DependencyFailure)reader.GetInt16(9),
                        reader.IsDBNull(10) ? null : reader.GetInt64(10),
                        reader.GetFieldValue<string[]>(11),
                        reader.GetFieldValue<string[]>(12),
                        reader.GetFieldValue<short[]>(13),
                        reader.GetFieldValue<string?[]>(14)));
                }
            }

            if (_runs.Count > 10_000)
            {
                // A cache, not a record: runs that ended long ago need not stay (a run still going is read again).
                _runs.Clear();
            }

            foreach (var task in claimed)
            {
                if (!_runs.ContainsKey(task.RunSeq))
                {
                    using var run = new NpgsqlCommand($"SELECT workflow, run_id, inputs_json FROM {_s}.runs WHERE seq = @seq", connection);
                    run.Parameters.AddWithValue("seq", task.RunSeq);
                    var runReader = await run.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
                    await using (runReader.ConfigureAwait(false))
                    {
                        if (await runReader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                        {
                            _runs[task.RunSeq] = new RunInfo(runReader.GetString(0), runReader.GetString(1), runReader.IsDBNull(2) ? "{}" : runReader.GetString(2));
                        }
                    }
                }
            }

            return claimed;
        }
    }

    /// <summary>Runs one attempt (or resolves a task whose dependencies failed, per its policy) and queues its outcome.</summary>
    private async Task RunAttemptAsync(Claimed task, RunInfo? run)
    {
        Outcome outcome;
        var attempt = task.Attempt - task.Lost;
        var startedAt = AttemptStarting is null ? default : DateTimeOffset.UtcNow;
        if (Stopwatch.GetTimestamp() > Interlocked.Read(ref _leaseValidUntil))
        {
            // Our lease may have expired (the process was paused, or the heartbeat could not reach the database): the
            // reaper may have handed this task to another worker, which may even have completed it. Run nothing; hand
            // the task back (the write is fenced if it was taken over; the attempt is not counted).
            outcome = new Outcome(task.Id, task.Attempt, Lost, null, "WorkerLostException: the worker's lease was not surely valid when the attempt was to start", 0);
        }
        else if (run is null)
        {
            outcome = new Outcome(task.Id, task.Attempt, Failed, null, $"InvalidOperationException: the run of task '{task.Key}' is missing", 0);
        }
        else if (task.FailedDeps > 0 && task.OnDependencyFailure != DependencyFailure.RunAnyway)
        {
            var failed = new List<string>();
            for (var i = 0; i < task.DepKeys.Length; i++)
            {
                if (task.DepStates[i] != (short)TaskState.Completed)
                {
                    failed.Add(task.DepKeys[i]);
                }
            }

            var skipped = task.OnDependencyFailure == DependencyFailure.Skip;
            var error = new DependencyFailedException(task.Key, run.RunId, failed, skipped);
            outcome = new Outcome(task.Id, task.Attempt, skipped ? Skipped : Failed, null, $"{nameof(DependencyFailedException)}: {error.Message}", 0);
        }
        else if (_bodies.FindOptions(run.Workflow, task.Name) is not { } options)
        {
            outcome = new Outcome(task.Id, task.Attempt, Failed, null, $"InvalidOperationException: workflow '{run.Workflow}' or its task '{task.Name}' is not in the workflow catalogue of the worker that claimed it", 0);
        }
        else
        {
            var results = new Dictionary<string, string?>(task.DepNames.Length, StringComparer.Ordinal);
            for (var i = 0; i < task.DepNames.Length; i++)
            {
                results[task.DepNames[i]] = task.DepStates[i] == (short)TaskState.Completed ? task.DepResults[i] : null;
            }

            var call = new TaskCall(run.Workflow, run.RunId, task.Name, task.Key, task.InputsJson ?? run.InputsJson, results, Math.Max(1, attempt));
            AttemptStarting?.Invoke(new WorkerAttemptStart(run.Workflow, run.RunId, task.Name, task.Key, task.Attempt, startedAt));
            using var timeout = task.TimeoutMs is { } ms ? new CancellationTokenSource(TimeSpan.FromMilliseconds(ms)) : null;
            using var linked = timeout is null
                ? CancellationTokenSource.CreateLinkedTokenSource(_bodiesCancelled.Token)
                : CancellationTokenSource.CreateLinkedTokenSource(_bodiesCancelled.Token, timeout.Token);
            try
            {
                var result = await _bodies.InvokeAsync(call, linked.Token).ConfigureAwait(false);
                outcome = new Outcome(task.Id, task.Attempt, Completed, result, null, 0);
            }
            catch (Exception ex)
            {
                Exception failure = timeout is { IsCancellationRequested: true } && ex is OperationCanceledException
                    ? new TaskTimeoutException(task.Key, run.RunId, attempt, TimeSpan.FromMilliseconds(task.TimeoutMs!.Value), abandoned: false)
                    : ex;
                var retry = attempt < task.MaxAttempts && !_bodiesCancelled.IsCancellationRequested && Retryable(options, failure);
                outcome = new Outcome(
                    task.Id,
                    task.Attempt,
                    retry ? Retry : Failed,
                    null,
                    $"{failure.GetType().Name}: {failure.Message}",
                    retry ? (long)options.DelayAfter(attempt).TotalMilliseconds : 0);
            }
        }

        _outcomes.Writer.TryWrite(outcome);
        Interlocked.Decrement(ref _running);
    }

    private static bool Retryable(TaskOptions options, Exception failure)
    {
        try
        {
            return options.RetryOn?.Invoke(failure) ?? true;
        }
        catch (Exception)
        {
            // A RetryOn filter that throws decides nothing: no retry.
            return false;
        }
    }

    // ---------------------------------------------------------------- complete

    private async Task CompleteLoopAsync()
    {
        var batch = new List<Outcome>(512);
        while (await _outcomes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < 512 && _outcomes.Reader.TryRead(out var outcome))
            {
                batch.Add(outcome);
            }

            if (BeforeComplete is { } hook)
            {
                await hook(batch.Count).ConfigureAwait(false);
            }

            batch.Sort(static (a, b) => a.Id.CompareTo(b.Id));
            await CompleteAsync(batch).ConfigureAwait(false);
            Interlocked.Add(ref _busy, -batch.Count);
            Wake();
        }
    }

    /// <summary>Writes a batch of outcomes through the fenced completion function, retrying while the database is unreachable or a deadlock is reported.</summary>
    private async Task CompleteAsync(List<Outcome> batch)
    {
        var ids = new long[batch.Count];
        var attempts = new int[batch.Count];
        var kinds = new short[batch.Count];
        var results = new string?[batch.Count];
        var errors = new string?[batch.Count];
        var delays = new long[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            (ids[i], attempts[i], kinds[i], results[i], errors[i], delays[i]) = (batch[i].Id, batch[i].Attempt, batch[i].Kind, batch[i].Result, batch[i].Error, batch[i].DelayMs);
        }

        var now = Stopwatch.GetTimestamp();
        var notify = Stopwatch.GetElapsedTime(Interlocked.Read(ref _notifiedAt), now) >= TimeSpan.FromMilliseconds(50);
        for (var tries = 0; ; tries++)
        {
            try
            {
                var connection = await _db.DataSource.OpenConnectionAsync().ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    using var command = new NpgsqlCommand($"SELECT accepted, readied FROM {_s}.complete_tasks(@me, @ids, @attempts, @kinds, @results, @errors, @delays, @notify)", connection);
                    command.Parameters.AddWithValue("me", Id);
                    command.Parameters.Add(new NpgsqlParameter<long[]>("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = ids });
                    command.Parameters.Add(new NpgsqlParameter<int[]>("attempts", NpgsqlDbType.Array | NpgsqlDbType.Integer) { TypedValue = attempts });
                    command.Parameters.Add(new NpgsqlParameter<short[]>("kinds", NpgsqlDbType.Array | NpgsqlDbType.Smallint) { TypedValue = kinds });
                    command.Parameters.Add(new NpgsqlParameter<string?[]>("results", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = results });
                    command.Parameters.Add(new NpgsqlParameter<string?[]>("errors", NpgsqlDbType.Array | NpgsqlDbType.Text) { TypedValue = errors });
                    command.Parameters.Add(new NpgsqlParameter<long[]>("delays", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { TypedValue = delays });
                    command.Parameters.AddWithValue("notify", notify);
                    var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        await reader.ReadAsync().ConfigureAwait(false);
                        var accepted = reader.GetInt32(0);
                        var readied = reader.GetInt32(1);
                        Interlocked.Add(ref _accepted, accepted);
                        Interlocked.Add(ref _fenced, batch.Count - accepted);
                        if (notify && readied > 0)
                        {
                            Interlocked.Exchange(ref _notifiedAt, now);
                        }

                        return;
                    }
                }
            }
            catch (NpgsqlException ex) when (tries < 1000 && !_leaseLost && (ex is not PostgresException pg || pg.SqlState is "40P01" or "40001" or "57P01" or "08006" or "08003"))
            {
                // Unreachable, or a deadlock/serialization failure (the safety net; children are locked in id order):
                // write again. A write that did commit before the connection broke is then fenced, and counted as such.
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 20 * (tries + 1)))).ConfigureAwait(false);
            }
            catch (NpgsqlException) when (_leaseLost)
            {
                // The lease is gone: every one of these writes would be fenced anyway.
                Interlocked.Add(ref _fenced, batch.Count);
                return;
            }
        }
    }

    // ---------------------------------------------------------------- heartbeat, reaper, listener

    private async Task HeartbeatLoopAsync()
    {
        var unreachableSince = (long?)null;
        while (!_finished.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_db.Options.HeartbeatInterval, _finished.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (HeartbeatSuspended)
            {
                continue;
            }

            try
            {
                var connection = await _db.DataSource.OpenConnectionAsync(_finished.Token).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    var sent = Stopwatch.GetTimestamp();
                    using var command = new NpgsqlCommand($"UPDATE {_s}.workers SET lease_until = now() + @lease WHERE id = @id AND state = 0", connection);
                    command.Parameters.AddWithValue("id", Id);
                    command.Parameters.AddWithValue("lease", _db.Options.LeaseDuration);
                    if (await command.ExecuteNonQueryAsync(_finished.Token).ConfigureAwait(false) == 0)
                    {
                        LoseLease();
                        return;
                    }

                    Interlocked.Exchange(ref _leaseValidUntil, sent + LeaseTicks);
                    unreachableSince = null;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (NpgsqlException)
            {
                // Cannot reach the database: once a whole lease has passed, others may own our tasks; stop.
                unreachableSince ??= Stopwatch.GetTimestamp();
                if (Stopwatch.GetElapsedTime(unreachableSince.Value) > _db.Options.LeaseDuration)
                {
                    LoseLease();
                    return;
                }
            }
        }
    }

    private void LoseLease()
    {
        _leaseLost = true;
        _bodiesCancelled.Cancel();
        _stopping.Cancel();
        Wake();
    }

    private async Task ReaperLoopAsync()
    {
        var jitter = new Random();
        while (!_finished.IsCancellationRequested)
        {
            var interval = _db.Options.ReaperInterval;
            try
            {
                await Task.Delay(interval + TimeSpan.FromMilliseconds(jitter.Next(0, (int)Math.Min(int.MaxValue, interval.TotalMilliseconds / 4) + 1)), _finished.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await ReapAsync(_finished.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException)
            {
            }
        }
    }

    /// <summary>One reaper pass (if no other process is reaping now): returns how many tasks it returned or failed.</summary>
    internal async Task<int> ReapAsync(CancellationToken cancellationToken)
    {
        var connection = await _db.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = new NpgsqlCommand(
                $"SELECT CASE WHEN pg_try_advisory_xact_lock(hashtextextended('workflowy.reap:' || @schema, 0)) THEN {_s}.reap(@grace, 1000) ELSE 0 END",
                connection);
            command.Parameters.AddWithValue("schema", _db.Options.Schema);
            command.Parameters.AddWithValue("grace", (long)_db.Options.LeaseDuration.TotalMilliseconds);
            var reaped = (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) ?? 0);
            if (reaped > 0)
            {
                Wake();
            }

            return reaped;
        }
    }

    private async Task ListenLoopAsync()
    {
        while (!_finished.IsCancellationRequested)
        {
            try
            {
                var connection = await _db.DataSource.OpenConnectionAsync(_finished.Token).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += (_, _) => Wake();
                    using (var listen = new NpgsqlCommand($"LISTEN \"{_db.Options.ReadyChannel}\"", connection))
                    {
                        await listen.ExecuteNonQueryAsync(_finished.Token).ConfigureAwait(false);
                    }

                    // (Re)connected: something may have become ready while we were not listening.
                    Wake();
                    while (!_finished.IsCancellationRequested)
                    {
                        await connection.WaitAsync(_db.Options.PollInterval, _finished.Token).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (NpgsqlException)
            {
                try
                {
                    await Task.Delay(_db.Options.PollInterval, _finished.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ExecuteQuietlyAsync(string sql)
    {
        try
        {
            var connection = await _db.DataSource.OpenConnectionAsync().ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                using var command = new NpgsqlCommand(sql, connection);
                command.Parameters.AddWithValue("id", Id);
                await command.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }
        catch (NpgsqlException)
        {
        }
    }
}
