using System.Diagnostics;
using System.Globalization;
using Workflowy.PostgreSql.ChaosApp;
using Workflowy.PostgreSql.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Workflowy.PostgreSql.Tests.Chaos;

/// <summary>
/// The chaos test: four worker processes (tests/Workflowy.PostgreSql.ChaosApp, the generated <see cref="LayeredDag"/>
/// run unchanged through the catalogue) execute layered DAG runs while the test kills workers with <c>kill -9</c> at
/// seeded random moments (each restarted at once) and, in some rounds, pauses a busy worker with SIGSTOP past its lease
/// and resumes it. Round 0 is the 20,000-task DAG (5 layers × 4,000); rounds 1 to 20 are 5 × 60..160 (300 to 800
/// tasks); a chaos action every 0.5 to 1.5 s, the first of each round on a worker holding claimed tasks. After each round: the run completed with the locally computed results; no body execution started after its
/// task's completion was committed, nor with a later attempt than the one that completed it (the workers journal every
/// attempt start to a file, flushed before the body runs); every task has one result row. Over all rounds: stale writes were rejected by fencing (counted by the database), and each killed
/// worker's tasks were handed back (recovery times are printed).
/// Reproduce with <c>WORKFLOWY_CHAOS_SEED=&lt;seed&gt;</c>; <c>WORKFLOWY_CHAOS_ROUNDS</c> sets the number of small rounds.
/// </summary>
public sealed class ChaosTests(PostgresServer server, ITestOutputHelper output) : PostgresTest(server)
{
    private const int LeaseMs = 2000;
    private const int Workers = 4;

    [Fact]
    public async Task FourWorkers_KilledAndPausedAtRandom_EveryRunCompletesRight_NothingCommittedRunsAgain_StaleWritesAreFenced()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("WORKFLOWY_CHAOS_SEED"), out var s) ? s : Environment.TickCount & 0xffff;
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("WORKFLOWY_CHAOS_ROUNDS"), out var r) ? r : 20;
        var random = new Random(seed);
        var folder = Path.Combine(Path.GetTempPath(), "workflowy-chaos-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var definition = WorkflowCatalog.Find(typeof(LayeredDag).FullName!) ?? throw new InvalidOperationException("LayeredDag is not in the catalogue.");
        await using var client = new PostgreSqlWorkflowClient(Options());
        await client.Store.EnsureSchemaAsync();

        var starts = 0;
        var slots = new WorkerProcess?[Workers];
        var all = new List<WorkerProcess>();
        async Task<WorkerProcess> StartAsync(int slot)
        {
            var worker = await WorkerProcess.StartAsync(Server.ConnectionString, Schema, Path.Combine(folder, $"w{slot}-{Interlocked.Increment(ref starts)}.log"), LeaseMs, 64, 64);
            lock (all)
            {
                all.Add(worker);
            }

            return slots[slot] = worker;
        }

        var kills = 0;
        var pauses = 0;
        var recoveries = new List<double>();
        var totalTasks = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            await Task.WhenAll(Enumerable.Range(0, Workers).Select(StartAsync));
            for (var round = 0; round <= rounds; round++)
            {
                var width = round == 0 ? 4000 : random.Next(60, 161);
                totalTasks += width * LayeredDag.Layers;
                var context = $"seed {seed}, round {round}, width {width}";
                var runId = await client.StartPlanAsync(definition, "{}", LayeredDag.Plan(width), "round-" + round);
                var pauseThisRound = round % 4 == 2;
                var nextChaos = clock.Elapsed + TimeSpan.FromMilliseconds(random.Next(0, 100));
                var firstDone = false;
                var pending = new List<Task>();
                while (await client.GetStatusAsync(definition.FullName, runId) == RunStatus.Running)
                {
                    Assert.True(clock.Elapsed < TimeSpan.FromMinutes(10), $"{context}: the run did not finish");

                    // Workers that stopped by themselves (lease lost after a pause) are restarted.
                    for (var slot = 0; slot < Workers; slot++)
                    {
                        if (slots[slot] is { HasExited: true })
                        {
                            slots[slot] = null;
                            var restart = slot;
                            pending.Add(StartAsync(restart));
                        }
                    }

                    if (clock.Elapsed >= nextChaos)
                    {
                        nextChaos = clock.Elapsed + TimeSpan.FromMilliseconds(random.Next(500, 1500));
                        var slot = random.Next(Workers);
                        if (slots[slot] is { HasExited: false } victim && (firstDone || await RunningTasksAsync(victim.Id) > 0))
                        {
                            // The first action of a round hits a worker holding claimed tasks, so every round loses some.
                            firstDone = true;
                            if (pauseThisRound)
                            {
                                // Paused while the database shows it holding claimed tasks (checked after the pause, so it
                                // cannot finish them meanwhile): the others take them over past its lease, then it
                                // resumes, and every write it makes for them must be fenced.
                                victim.Pause();
                                await Task.Delay(20);
                                if (await RunningTasksAsync(victim.Id) > 0)
                                {
                                    // Out of the slots (no kill hits it while paused); a new worker takes its slot.
                                    pauses++;
                                    pauseThisRound = false;
                                    slots[slot] = null;
                                    pending.Add(ResumeAfterTakeoverAsync(victim, context));
                                    pending.Add(StartAsync(slot));
                                }
                                else
                                {
                                    victim.Resume();
                                    nextChaos = clock.Elapsed;
                                }
                            }
                            else
                            {
                                slots[slot] = null;
                                victim.Kill();
                                kills++;
                                pending.Add(MeasureRecoveryAsync(victim.Id, recoveries));
                                pending.Add(StartAsync(slot));
                            }
                        }
                        else if (!firstDone)
                        {
                            nextChaos = clock.Elapsed;
                        }
                    }

                    await Task.Delay(25);
                }

                await Task.WhenAll(pending);
                await CheckRoundAsync(client, definition.FullName, runId, width, folder, context);
                output.WriteLine($"{context}: completed at {clock.Elapsed.TotalSeconds:F1} s");
            }

            var fenced = (await QueryAsync<long>($"SELECT value FROM \"{Schema}\".counters WHERE name = 'fenced_writes'")).Single();
            var reaped = (await QueryAsync<long>($"SELECT value FROM \"{Schema}\".counters WHERE name = 'reaped_tasks'")).Single();
            var dead = (await QueryAsync<long>($"SELECT value FROM \"{Schema}\".counters WHERE name = 'dead_workers'")).Single();
            var executions = Directory.GetFiles(folder).Sum(f => File.ReadLines(f).Count());
            output.WriteLine(
                $"seed {seed}: {rounds + 1} rounds, {totalTasks} tasks, {executions} body executions ({executions - totalTasks} again after a kill or pause), "
                + $"{kills} kills, {pauses} pauses, {starts} worker processes, {dead} workers declared dead, {reaped} tasks reaped, {fenced} stale writes fenced, "
                + $"recovery after a kill: max {(recoveries.Count == 0 ? 0 : recoveries.Max()):F2} s, mean {(recoveries.Count == 0 ? 0 : recoveries.Average()):F2} s "
                + $"(lease {LeaseMs / 1000.0:F1} s + reaper interval {LeaseMs / 4000.0:F1} s), {clock.Elapsed.TotalSeconds:F0} s in all");
            Assert.True(kills >= rounds, $"seed {seed}: only {kills} kills");
            Assert.True(pauses >= 1, $"seed {seed}: no worker was paused past its lease");
            Assert.True(fenced > 0, $"seed {seed}: {pauses} workers were paused past their lease with tasks claimed, but no stale write was fenced");
            Assert.All(recoveries, seconds => Assert.True(seconds < 30, $"seed {seed}: a killed worker's tasks were handed back only after {seconds:F1} s"));
        }
        finally
        {
            foreach (var worker in all)
            {
                worker.Dispose();
            }

            Directory.Delete(folder, recursive: true);
        }
    }

    private async Task<long> RunningTasksAsync(Guid worker) =>
        (await QueryAsync<long>($"SELECT count(*) FROM \"{Schema}\".queue WHERE state = 2 AND owner = '{worker}'")).Single();

    /// <summary>Resumes a paused worker once the reaper has declared it dead (its tasks are handed over).</summary>
    private async Task ResumeAfterTakeoverAsync(WorkerProcess victim, string context)
    {
        var watch = Stopwatch.StartNew();
        while ((await QueryAsync<short>($"SELECT state FROM \"{Schema}\".workers WHERE id = '{victim.Id}'")).SingleOrDefault() != 1)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(2), $"{context}: the paused worker was never declared dead");
            await Task.Delay(50);
        }

        // Give the others a moment to take its tasks, then resume it: its late writes must all be fenced.
        await Task.Delay(LeaseMs / 2);
        victim.Resume();
    }

    /// <summary>Measures how long after a kill the killed worker's running tasks are all handed back.</summary>
    private async Task MeasureRecoveryAsync(Guid worker, List<double> recoveries)
    {
        var watch = Stopwatch.StartNew();
        while (await RunningTasksAsync(worker) > 0)
        {
            await Task.Delay(50);
        }

        lock (recoveries)
        {
            recoveries.Add(watch.Elapsed.TotalSeconds);
        }
    }

    private async Task CheckRoundAsync(PostgreSqlWorkflowClient client, string workflow, string runId, int width, string folder, string context)
    {
        var run = (await client.Store.LoadAsync(workflow, runId))!;
        Assert.True(run.Status == RunStatus.Completed, $"{context}: the run ended {run.Status}: {run.Tasks.FirstOrDefault(t => t.Error is not null)?.Error}");
        var expected = LayeredDag.Expected(width);
        Assert.Equal(expected.Count, run.Tasks.Count);
        foreach (var task in run.Tasks)
        {
            Assert.True(task.State == TaskState.Completed && task.ResultJson == expected[task.Key].ToString(CultureInfo.InvariantCulture), $"{context}: task {task.Key} ended {task.State} with {task.ResultJson}, expected {expected[task.Key]}");
        }

        // One result row per task (the completion is recorded exactly once).
        Assert.Equal([(long)expected.Count], await QueryAsync<long>($"SELECT count(*) FROM \"{Schema}\".results r JOIN \"{Schema}\".queue q ON q.id = r.task_id JOIN \"{Schema}\".runs u ON u.seq = q.run_seq WHERE u.run_id = '{runId}'"));

        // No body started after its task's completion was committed (the completion's transaction time, same host clock).
        var committed = new Dictionary<string, long>(StringComparer.Ordinal);
        var committedAttempt = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var (key, finishedMs, attempt) in FinishedAsync(runId))
        {
            committed[key] = finishedMs;
            committedAttempt[key] = attempt;
        }

        var executed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(folder))
        {
            foreach (var line in File.ReadLines(file))
            {
                var parts = line.Split(' ');
                if (parts.Length != 4 || parts[0] != runId)
                {
                    continue;
                }

                executed.Add(parts[1]);
                var at = long.Parse(parts[3], CultureInfo.InvariantCulture);
                Assert.True(at <= committed[parts[1]], $"{context}: task {parts[1]} ran again (attempt {parts[2]}, in {Path.GetFileName(file)}) {at - committed[parts[1]]} ms after its completion was committed");
                Assert.True(int.Parse(parts[2], CultureInfo.InvariantCulture) <= committedAttempt[parts[1]], $"{context}: task {parts[1]} started attempt {parts[2]} after attempt {committedAttempt[parts[1]]} had completed it");
            }
        }

        Assert.Equal(expected.Count, executed.Count);
    }

    private async IAsyncEnumerable<(string Key, long FinishedMs, int Attempt)> FinishedAsync(string runId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(Server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            $"SELECT q.key, ceil(extract(epoch FROM q.finished_at) * 1000)::bigint, r.attempt FROM \"{Schema}\".queue q JOIN \"{Schema}\".runs u ON u.seq = q.run_seq JOIN \"{Schema}\".results r ON r.task_id = q.id WHERE u.run_id = @run",
            connection);
        command.Parameters.AddWithValue("run", runId);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            yield return (reader.GetString(0), reader.GetInt64(1), reader.GetInt32(2));
        }
    }
}
