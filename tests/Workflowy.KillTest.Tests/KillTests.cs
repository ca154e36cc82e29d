using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using Xunit.Abstractions;

namespace Workflowy.KillTest.Tests;

/// <summary>
/// The kill test: over many seeded iterations, the app is killed (<c>Process.Kill(entireProcessTree: true)</c>) at a
/// random point of its run, one to three times, then restarted with the same run id until it finishes. It runs once on
/// the JSON store and once on the SQLite store. After every process the test reads the run's checkpoint (the JSON
/// store's file, or the SQLite database) and the app's journal, and checks that
/// no task whose completion was checkpointed ever starts again, that only bodies that were not checkpointed run again
/// (and all of them do), that starts respect the graph, that the side effect's action does not run again once it was
/// recorded, that the checkpoint never claims a completion the journal does not show, and that the final results
/// equal those of an uninterrupted run.
/// <para>
/// Run leases: the processes of one run hold its lease under one owner name (a restarted process takes its lease back
/// at once, as a service restarting under the same identity would), except in every eighth iteration (seeds divisible
/// by 8), where each process has its own name, a lease of one second, and waits for the lease: a restart then takes the
/// killed process's lease over once it has expired.
/// </para>
/// </summary>
/// <remarks>
/// Reproduce an iteration with <c>WORKFLOWY_KILLTEST_SEED=&lt;seed&gt; WORKFLOWY_KILLTEST_ITERATIONS=1</c> (the kill
/// points are drawn from the seed; where they land in the run also depends on the machine's timing).
/// </remarks>
public sealed class KillTests : IDisposable
{
    private const string WorkflowKey = "Workflowy.KillTest.App.LayeredWorkflow";
    private const string EffectKey = "effect:Zeta:ticket";

    /// <summary>The app's graph (LayeredWorkflow.Dependencies): task → dependencies.</summary>
    private static readonly IReadOnlyDictionary<string, string[]> Graph = ParseGraph(
        "Seed:;Title:;Alpha:Seed;Beta:Seed;Gamma:Seed,Title;Delta:Alpha,Beta;Epsilon:Beta,Gamma;Zeta:Alpha,Gamma;" +
        "Eta:Delta,Epsilon;Theta:Epsilon,Zeta;Iota:Delta,Zeta;Kappa:Eta,Theta,Iota");

    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    private readonly ITestOutputHelper _output;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "workflowy-kill-" + Guid.NewGuid().ToString("N"));
    private bool _keep;
    private string _store = "json";

    public KillTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(_root);
    }

    public void Dispose()
    {
        if (!_keep && Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Theory]
    [InlineData("json")]
    [InlineData("sqlite")]
    public async Task KilledAtRandomPoints_TheRunFinishes_WithoutRerunningCheckpointedTasks_OrLosingAny(string store)
    {
        var iterations = Setting("WORKFLOWY_KILLTEST_ITERATIONS", 60);
        var baseSeed = Setting("WORKFLOWY_KILLTEST_SEED", 20_261_123);
        var clock = Stopwatch.StartNew();
        _keep = true;
        _store = store;

        var reference = await MeasureReferenceAsync();
        _output.WriteLine($"app: {AppProcess.AppPath}");
        _output.WriteLine($"uninterrupted run: the first task starts {reference.Startup.TotalMilliseconds:F0} ms after the process was started, which exits {reference.Work.TotalMilliseconds:F0} ms later (median and minimum of 3)");

        var stats = new Stats();
        for (var i = 0; i < iterations; i++)
        {
            await RunIterationAsync(i, baseSeed + i, reference, stats);
        }

        _keep = false;
        _output.WriteLine($"{store} store: {iterations} iterations (seeds {baseSeed}..{baseSeed + iterations - 1}) in {clock.Elapsed.TotalSeconds:F1} s; {stats.Takeovers} of them took expired leases over");
        _output.WriteLine($"processes: {stats.Processes}; killed: {stats.Kills}; finished before their kill: {stats.FinishedBeforeKill}; runs killed once: {stats.KilledOnce}, more than once: {stats.KilledMore}");
        _output.WriteLine($"kills before any task started: {stats.KillsBeforeAnyStart}; with some but not all tasks checkpointed: {stats.KillsPartial}; after all were checkpointed: {stats.KillsAllCheckpointed}");
        _output.WriteLine($"bodies interrupted by a kill: {stats.Interrupted}; bodies that had ended but were not yet checkpointed when killed, and ran again: {stats.EndedNotCheckpointed}");
        _output.WriteLine($"side-effect actions that ran again (killed between the action and its record): {stats.EffectRepeats}");
        _output.WriteLine($"bodies re-run although checkpointed: 0 (checked); tasks lost: 0 (checked)");
    }

    private async Task RunIterationAsync(int iteration, int seed, Reference reference, Stats stats)
    {
        var random = new Random(seed);
        var kills = random.Next(10) switch { < 5 => 1, < 8 => 2, _ => 3 };
        var interval = random.Next(4) == 0 ? 25 : 0;

        // A run that finished before its first kill tested only a clean run: start a fresh one (at most three times).
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (await RunAttemptAsync(iteration, seed, attempt, random, kills, interval, reference, stats))
            {
                return;
            }
        }
    }

    /// <summary>One run of an iteration: killed up to <paramref name="kills"/> times, then finished; true if it was killed at least once.</summary>
    private async Task<bool> RunAttemptAsync(int iteration, int seed, int attempt, Random random, int kills, int interval, Reference reference, Stats stats)
    {
        var directory = Path.Combine(_root, $"iteration-{iteration:D3}-{attempt}");
        Directory.CreateDirectory(directory);
        var log = Path.Combine(directory, "journal.log");
        var storeDirectory = Path.Combine(directory, "store");
        var runId = $"kill-{seed}-{attempt}";
        var takeover = seed % 8 == 0;
        var options = takeover
            ? new[] { "--store", _store, "--lease-seconds", "1", "--lease-wait-seconds", "30" }
            : new[] { "--store", _store, "--lease-owner", runId };
        stats.Takeovers += takeover && attempt == 0 ? 1 : 0;
        var story = new StringBuilder($"iteration {iteration}, seed {seed}, attempt {attempt}, run {runId}, {_store} store, checkpoint interval {interval} ms, {kills} kill(s), {(takeover ? "leases taken over after expiry" : "one lease owner")}, files in {directory}");
        var snapshots = new List<Snapshot>();
        var outputs = new List<string>();

        for (var k = 0; k < kills; k++)
        {
            // Where the kill lands: 15% anywhere from the process start (startup, before anything is stored); 45% a
            // random fraction of the run's typical duration (shorter when fewer tasks are left), counted from the first
            // task start this process journals, so that a slow startup does not push it past the end; 40% right after
            // a random number of this process's journal lines (plus 0-25 ms), which covers every phase of the run
            // whatever the machine's speed.
            var mode = random.Next(100);
            var fraction = random.NextDouble();
            var extra = TimeSpan.FromMilliseconds(random.Next(0, 26));
            var remainingTasks = Graph.Count - (snapshots.Count == 0 ? 0 : snapshots[^1].Completed.Count);
            var work = reference.Work * Math.Max(remainingTasks / (double)Graph.Count, 0.2);
            var expectedLines = 2 + (2 * remainingTasks) + (snapshots.Count > 0 && snapshots[^1].EffectRecorded ? 0 : 1);
            var targetLines = 1 + (int)(fraction * (expectedLines - 1));
            var length = AppProcess.LengthOf(log);
            using var app = AppProcess.Start(log, storeDirectory, runId, interval, options);
            bool exited;
            string plan;
            if (mode < 15)
            {
                var delay = (reference.Startup + work) * fraction;
                plan = $"kill planned {delay.TotalMilliseconds:F0} ms after the start";
                exited = app.WaitUntil(delay);
            }
            else if (mode < 60)
            {
                var delay = work * fraction;
                plan = $"kill planned {delay.TotalMilliseconds:F0} ms after its first task start";
                exited = app.WaitForJournal(log, length, text => text.Contains("start ", StringComparison.Ordinal), ExitTimeout) ? app.WaitFor(delay) : app.HasExited;
            }
            else
            {
                plan = $"kill planned {extra.TotalMilliseconds:F0} ms after its journal line {targetLines} (of {expectedLines})";
                exited = app.WaitForJournal(log, length, text => text.Count(c => c == '\n') >= targetLines, ExitTimeout) ? app.WaitFor(extra) : app.HasExited;
            }

            var killed = !exited && app.Kill();
            if (!killed)
            {
                app.WaitForExit(ExitTimeout);
            }

            stats.Processes++;
            var snapshot = await SnapshotAsync(storeDirectory, runId, log, app.Id, killed);
            snapshots.Add(snapshot);
            outputs.Add($"pid {app.Id}: exit {app.ExitCode}; stdout: {app.Stdout.Trim()}; stderr: {app.Stderr.Trim()}");
            story.AppendLine().Append(CultureInfo.InvariantCulture, $"  process {k + 1} (pid {app.Id}): {plan}: ")
                .Append(killed ? "killed" : $"had exited ({app.ExitCode})")
                .Append(CultureInfo.InvariantCulture, $"; checkpoint then: [{string.Join(", ", snapshot.Completed.OrderBy(t => t, StringComparer.Ordinal))}]{(snapshot.EffectRecorded ? " + effect" : string.Empty)}");
            if (killed)
            {
                stats.Kills++;
            }
            else
            {
                stats.FinishedBeforeKill++;
                Check(app.ExitCode == 0 && LastLine(app.Stdout) == reference.Results, "a process that was not killed did not finish with the reference results", story, snapshots, outputs);

                // The run is complete: the final process below checks that a restart runs nothing.
                break;
            }
        }

        using (var last = AppProcess.Start(log, storeDirectory, runId, interval, options))
        {
            last.WaitForExit(ExitTimeout);
            stats.Processes++;
            snapshots.Add(await SnapshotAsync(storeDirectory, runId, log, last.Id, killed: false));
            outputs.Add($"pid {last.Id}: exit {last.ExitCode}; stdout: {last.Stdout.Trim()}; stderr: {last.Stderr.Trim()}");
            story.AppendLine().Append(CultureInfo.InvariantCulture, $"  final process (pid {last.Id}): exit {last.ExitCode}");
            Check(last.ExitCode == 0, $"the final process failed (exit {last.ExitCode})", story, snapshots, outputs);
            Check(LastLine(last.Stdout) == reference.Results, $"the final results differ from the uninterrupted run's:{Environment.NewLine}  expected {reference.Results}{Environment.NewLine}  actual   {LastLine(last.Stdout)}", story, snapshots, outputs);
        }

        Verify(snapshots, reference, stats, story, outputs);
        var killedHere = snapshots.Count(x => x.Killed);
        stats.KilledOnce += killedHere == 1 ? 1 : 0;
        stats.KilledMore += killedHere > 1 ? 1 : 0;
        return killedHere > 0;
    }

    /// <summary>Checks the journal against the checkpoints, process by process.</summary>
    private static void Verify(List<Snapshot> snapshots, Reference reference, Stats stats, StringBuilder story, List<string> outputs)
    {
        var lines = snapshots[^1].Lines;
        var previous = Snapshot.Empty;
        var endedEarlier = new HashSet<string>(StringComparer.Ordinal);
        var effectEarlier = false;
        foreach (var snapshot in snapshots)
        {
            var segment = lines.Skip(previous.LineCount).Take(snapshot.LineCount - previous.LineCount).ToList();
            var started = new HashSet<string>(StringComparer.Ordinal);
            var ended = new HashSet<string>(StringComparer.Ordinal);
            var effects = 0;
            var who = $"process {snapshot.Pid} (journal lines {previous.LineCount}..{snapshot.LineCount - 1})";
            foreach (var line in segment)
            {
                Check(line.Pid == snapshot.Pid, $"{who}: line '{line}' belongs to another process", story, snapshots, outputs);
                switch (line.Kind)
                {
                    case "start":
                        var task = line.Task!;
                        Check(Graph.ContainsKey(task), $"{who}: unknown task in '{line}'", story, snapshots, outputs);
                        Check(!previous.Completed.Contains(task), $"{who}: '{task}' started again (line '{line}') although its completion was checkpointed before this process started", story, snapshots, outputs);
                        Check(started.Add(task), $"{who}: '{task}' started twice in one process (line '{line}')", story, snapshots, outputs);
                        foreach (var dependency in Graph[task])
                        {
                            Check(previous.Completed.Contains(dependency) || ended.Contains(dependency), $"{who}: '{task}' started (line '{line}') before its dependency '{dependency}' had completed in this process or in the checkpoint", story, snapshots, outputs);
                        }

                        if (endedEarlier.Contains(task))
                        {
                            stats.EndedNotCheckpointed++;
                        }

                        break;
                    case "end":
                        Check(started.Contains(line.Task!) && ended.Add(line.Task!), $"{who}: '{line}' without a start in this process, or twice", story, snapshots, outputs);
                        break;
                    case "effect":
                        Check(!previous.EffectRecorded, $"{who}: the side effect's action ran again (line '{line}') although its result was recorded before this process started", story, snapshots, outputs);
                        effects++;
                        if (effectEarlier)
                        {
                            stats.EffectRepeats++;
                        }

                        break;
                }
            }

            Check(effects <= 1, $"{who}: the side effect's action ran {effects} times in one process", story, snapshots, outputs);

            // The checkpoint only grows, and never claims a completion the journal does not show.
            Check(previous.Completed.IsSubsetOf(snapshot.Completed) && (!previous.EffectRecorded || snapshot.EffectRecorded), $"{who}: the checkpoint lost completions or the recorded side effect", story, snapshots, outputs);
            foreach (var task in snapshot.Completed.Except(previous.Completed))
            {
                Check(ended.Contains(task), $"{who}: the checkpoint says '{task}' completed, but it did not end in this process", story, snapshots, outputs);
            }

            Check(!snapshot.EffectRecorded || previous.EffectRecorded || effects == 1, $"{who}: the side effect is recorded, but its action did not run", story, snapshots, outputs);
            foreach (var (task, json) in snapshot.Results)
            {
                Check(reference.TaskResults.TryGetValue(task, out var expected) && expected == json, $"{who}: the checkpointed result of '{task}' is {json}, the uninterrupted run's is {expected}", story, snapshots, outputs);
            }

            if (snapshot.Killed)
            {
                stats.Interrupted += started.Count - ended.Count;
                if (started.Count == 0)
                {
                    stats.KillsBeforeAnyStart++;
                }
                else if (snapshot.Completed.Count < Graph.Count)
                {
                    stats.KillsPartial++;
                }
                else
                {
                    stats.KillsAllCheckpointed++;
                }
            }
            else
            {
                // A process that finished ran exactly the tasks that were not checkpointed, each to its end.
                var expected = Graph.Keys.Where(t => !previous.Completed.Contains(t)).ToHashSet(StringComparer.Ordinal);
                Check(started.SetEquals(expected) && ended.SetEquals(expected), $"{who} finished, but ran [{string.Join(", ", started.Order(StringComparer.Ordinal))}] instead of the tasks not checkpointed before it: [{string.Join(", ", expected.Order(StringComparer.Ordinal))}]", story, snapshots, outputs);
                Check(snapshot.Completed.SetEquals(Graph.Keys) && snapshot.EffectRecorded, $"{who} finished, but its checkpoint does not hold every task as completed (run ends only after its last batch is stored)", story, snapshots, outputs);
                Check(segment.Count > 0 && segment[^1].Kind == "done", $"{who} finished without journaling 'done'", story, snapshots, outputs);
            }

            endedEarlier.UnionWith(ended);
            effectEarlier |= effects > 0;
            previous = snapshot;
        }

        var everEnded = lines.Where(l => l.Kind == "end").Select(l => l.Task!).ToHashSet(StringComparer.Ordinal);
        Check(everEnded.SetEquals(Graph.Keys), $"tasks lost: never ended: [{string.Join(", ", Graph.Keys.Except(everEnded))}]", story, snapshots, outputs);
    }

    private async Task<Snapshot> SnapshotAsync(string storeDirectory, string runId, string log, int pid, bool killed)
    {
        RunCheckpoint? checkpoint;
        if (_store == "sqlite")
        {
            var path = Path.Combine(storeDirectory, "workflowy.db");
            await using var sqlite = new SqliteWorkflowStore(path);
            checkpoint = File.Exists(path) ? await sqlite.LoadAsync(WorkflowKey, runId) : null;
        }
        else
        {
            checkpoint = await new JsonFileWorkflowStore(storeDirectory).LoadAsync(WorkflowKey, runId);
        }

        var completed = new HashSet<string>(StringComparer.Ordinal);
        var results = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var task in checkpoint?.Tasks ?? Array.Empty<TaskRecord>())
        {
            if (task.State == TaskState.Completed)
            {
                completed.Add(task.Key);
                results[task.Key] = task.ResultJson ?? "(none)";
            }
        }

        var lines = JournalLog.Read(log);
        return new Snapshot(pid, killed, lines.Count, lines, completed, results, checkpoint?.Values.ContainsKey(EffectKey) == true);
    }

    /// <summary>Runs the app uninterrupted four times (the first warms the disk cache): results, checkpoint, timing.</summary>
    private async Task<Reference> MeasureReferenceAsync()
    {
        var startups = new List<TimeSpan>();
        var works = new List<TimeSpan>();
        string? results = null;
        Dictionary<string, string>? taskResults = null;
        for (var i = 0; i < 4; i++)
        {
            var directory = Path.Combine(_root, $"reference-{i}");
            Directory.CreateDirectory(directory);
            var log = Path.Combine(directory, "journal.log");
            var storeDirectory = Path.Combine(directory, "store");
            using var app = AppProcess.Start(log, storeDirectory, "reference", 0, "--store", _store);
            var started = app.WaitForJournal(log, 0, text => text.Contains("start ", StringComparison.Ordinal), ExitTimeout);
            var startup = app.Elapsed;
            if (!started)
            {
                app.WaitForExit(ExitTimeout);
                Assert.Fail($"The uninterrupted run started no task (exit {app.ExitCode}): {app.Stderr}");
            }

            app.WaitForExit(ExitTimeout);
            var exit = app.Elapsed;
            Assert.True(app.ExitCode == 0, $"The uninterrupted run failed (exit {app.ExitCode}): {app.Stderr}");
            var lines = JournalLog.Read(log);
            foreach (var task in Graph.Keys)
            {
                Assert.Equal(1, lines.Count(l => l.Kind == "start" && l.Task == task));
                Assert.Equal(1, lines.Count(l => l.Kind == "end" && l.Task == task));
            }

            Assert.Equal(1, lines.Count(l => l.Kind == "effect"));
            var snapshot = await SnapshotAsync(storeDirectory, "reference", log, app.Id, killed: false);
            Assert.True(snapshot.Completed.SetEquals(Graph.Keys) && snapshot.EffectRecorded, "The uninterrupted run's checkpoint does not hold every task as completed.");
            results ??= LastLine(app.Stdout);
            taskResults ??= snapshot.Results;
            Assert.Equal(results, LastLine(app.Stdout));
            if (i > 0)
            {
                startups.Add(startup);
                works.Add(exit - startup);
            }
        }

        // The shortest work time: kills drawn within it land before the end even when the measurement ran under load.
        return new Reference(results!, taskResults!, Median(startups), works.Min());
    }

    private static void Check(bool condition, string what, StringBuilder story, List<Snapshot> snapshots, List<string> outputs)
    {
        if (condition)
        {
            return;
        }

        var lines = snapshots.Count > 0 ? snapshots[^1].Lines : Array.Empty<JournalLine>();
        Assert.Fail($"""
            {what}
            {story}
            processes:
              {string.Join(Environment.NewLine + "  ", outputs)}
            journal (last lines):
            {JournalLog.Excerpt(lines)}
            """);
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? string.Empty;

    private static TimeSpan Median(List<TimeSpan> values) => values.Order().ElementAt(values.Count / 2);

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;

    private static Dictionary<string, string[]> ParseGraph(string text) =>
        text.Split(';').Select(entry => entry.Split(':')).ToDictionary(
            parts => parts[0],
            parts => parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries),
            StringComparer.Ordinal);

    /// <summary>What the checkpoint and the journal held after one process ended (killed or not).</summary>
    private sealed record Snapshot(int Pid, bool Killed, int LineCount, IReadOnlyList<JournalLine> Lines, HashSet<string> Completed, Dictionary<string, string> Results, bool EffectRecorded)
    {
        public static Snapshot Empty { get; } = new(0, false, 0, Array.Empty<JournalLine>(), new HashSet<string>(StringComparer.Ordinal), new Dictionary<string, string>(StringComparer.Ordinal), false);
    }

    /// <summary>The uninterrupted run: its printed results, its checkpointed results, the time to its first task start and from there to its exit.</summary>
    private sealed record Reference(string Results, Dictionary<string, string> TaskResults, TimeSpan Startup, TimeSpan Work);

    private sealed class Stats
    {
        public int Processes;
        public int KilledOnce;
        public int KilledMore;
        public int Kills;
        public int FinishedBeforeKill;
        public int KillsBeforeAnyStart;
        public int KillsPartial;
        public int KillsAllCheckpointed;
        public int Interrupted;
        public int EndedNotCheckpointed;
        public int EffectRepeats;
        public int Takeovers;
    }
}
