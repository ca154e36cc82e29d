using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace Workflowy.Dashboard;

/// <summary>One state change of a task as the dashboard saw it.</summary>
internal sealed record Transition(DateTimeOffset At, string Task, TaskState From, TaskState To, int Attempt, string? Error);

/// <summary>A run of this process the dashboard has seen start: its latest run object and what happened to it.</summary>
internal sealed class RunEntry
{
    private readonly List<Transition> _history = new();

    public RunEntry(WorkflowRun run, DateTimeOffset startedAt)
    {
        Run = run;
        StartedAt = startedAt;
    }

    /// <summary>The latest run object of this id (a retry in place starts a new one).</summary>
    public WorkflowRun Run { get; set; }

    public string Workflow => Run.WorkflowKey;

    public string RunId => Run.RunId;

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>The inputs as JSON, when the dashboard started the run (a run without a store has no other record of them).</summary>
    public string? InputsJson { get; set; }

    public string? RerunOf { get; set; }

    public void Add(Transition transition)
    {
        lock (_history)
        {
            if (_history.Count < 10_000)
            {
                _history.Add(transition);
            }
        }
    }

    public IReadOnlyList<Transition> History()
    {
        lock (_history)
        {
            return _history.ToArray();
        }
    }
}

/// <summary>
/// Watches a runner through its events (RunStarted, RunEnded, TaskStateChanged, ProgressChanged, EventPublished): keeps
/// the recent runs of this process with their state history, counts tasks ended per minute, and turns every event into
/// a frame of the live stream.
/// </summary>
internal sealed class DashboardMonitor : IDisposable
{
    private readonly ConcurrentDictionary<string, RunEntry> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, int[]> _minutes = new();
    private readonly WorkflowRunner _runner;
    private readonly LiveFeed _feed;
    private readonly int _maxRuns;

    public DashboardMonitor(WorkflowRunner runner, LiveFeed feed, int maxRuns)
    {
        _runner = runner;
        _feed = feed;
        _maxRuns = Math.Max(10, maxRuns);
        runner.RunStarted += OnRunStarted;
        runner.RunEnded += OnRunEnded;
        runner.TaskStateChanged += OnTaskStateChanged;
        runner.ProgressChanged += OnProgressChanged;
        runner.EventPublished += OnEventPublished;
        foreach (var run in runner.ActiveRuns)
        {
            Track(run);
        }
    }

    public DateTimeOffset Now => _runner.TimeProvider.GetUtcNow();

    public static string KeyOf(string workflow, string runId) => workflow + "\n" + runId;

    public RunEntry? Find(string workflow, string runId) => _runs.TryGetValue(KeyOf(workflow, runId), out var entry) ? entry : null;

    public IReadOnlyList<RunEntry> Recent() => _runs.Values.OrderByDescending(static e => e.StartedAt).ThenByDescending(static e => e.RunId, StringComparer.Ordinal).ToList();

    /// <summary>Completed and failed tasks per minute over the last <paramref name="minutes"/> minutes, oldest first.</summary>
    public IReadOnlyList<ThroughputPointJson> Throughput(int minutes)
    {
        var now = Minute(Now);
        var points = new List<ThroughputPointJson>(minutes);
        for (var m = now - minutes + 1; m <= now; m++)
        {
            var counts = _minutes.TryGetValue(m, out var c) ? c : null;
            points.Add(new ThroughputPointJson(DateTimeOffset.FromUnixTimeSeconds(m * 60), counts is null ? 0 : counts[0], counts is null ? 0 : counts[1]));
        }

        foreach (var old in _minutes.Keys)
        {
            if (old < now - 120)
            {
                _minutes.TryRemove(old, out _);
            }
        }

        return points;
    }

    /// <summary>Remembers a run the dashboard itself started, with its inputs (and what it reruns).</summary>
    public RunEntry Started(WorkflowRun run, string inputsJson, string? rerunOf)
    {
        var entry = Track(run);
        entry.InputsJson = inputsJson;
        entry.RerunOf ??= rerunOf;
        return entry;
    }

    public void Publish(LiveEventJson value) => _feed.Publish(value);

    public void Dispose()
    {
        _runner.RunStarted -= OnRunStarted;
        _runner.RunEnded -= OnRunEnded;
        _runner.TaskStateChanged -= OnTaskStateChanged;
        _runner.ProgressChanged -= OnProgressChanged;
        _runner.EventPublished -= OnEventPublished;
    }

    private static long Minute(DateTimeOffset time) => time.ToUnixTimeSeconds() / 60;

    private RunEntry Track(WorkflowRun run)
    {
        var key = KeyOf(run.WorkflowKey, run.RunId);
        var now = Now;
        var entry = _runs.AddOrUpdate(
            key,
            _ => new RunEntry(run, now),
            (_, existing) =>
            {
                if (!ReferenceEquals(existing.Run, run))
                {
                    // The same run started again (a retry in place): one entry, its history goes on.
                    existing.Run = run;
                    existing.EndedAt = null;
                }

                return existing;
            });
        if (_runs.Count > _maxRuns)
        {
            foreach (var old in _runs.Values.Where(static e => e.EndedAt is not null).OrderBy(static e => e.StartedAt).Take(_runs.Count - _maxRuns).ToList())
            {
                _runs.TryRemove(KeyOf(old.Workflow, old.RunId), out _);
            }
        }

        return entry;
    }

    private void OnRunStarted(object? sender, WorkflowRunEventArgs e)
    {
        Track(e.Run);
        _feed.Publish(new LiveEventJson("run", e.Run.WorkflowKey, e.Run.RunId, null, "running", null, Now, null));
    }

    private void OnRunEnded(object? sender, WorkflowRunEventArgs e)
    {
        var entry = Track(e.Run);
        entry.EndedAt = Now;
        _feed.Publish(new LiveEventJson("run", e.Run.WorkflowKey, e.Run.RunId, null, DashboardText.Status(RunStates.Of(e.Run)), null, Now, null));
    }

    private void OnTaskStateChanged(object? sender, TaskStateChangedEventArgs e)
    {
        var run = e.Task.Run;
        var now = Now;
        var entry = Find(run.WorkflowKey, run.RunId) ?? Track(run);
        string? error = null;
        if (e.Exception is { } ex)
        {
            try
            {
                error = ex.GetType().Name + ": " + ex.Message;
            }
            catch (Exception)
            {
                error = ex.GetType().Name;
            }
        }

        entry.Add(new Transition(now, e.Task.Name, e.OldState, e.NewState, e.Attempt, error));
        if (e.NewState is TaskState.Completed or TaskState.Failed)
        {
            var counts = _minutes.GetOrAdd(Minute(now), static _ => new int[2]);
            lock (counts)
            {
                counts[e.NewState == TaskState.Completed ? 0 : 1]++;
            }
        }

        _feed.Publish(new LiveEventJson("task", run.WorkflowKey, run.RunId, e.Task.Name, DashboardText.State(e.NewState), e.Attempt, now, null));
    }

    private void OnProgressChanged(object? sender, TaskProgressEventArgs e)
    {
        var run = e.Task.Run;
        _feed.Publish(new LiveEventJson("progress", run.WorkflowKey, run.RunId, e.Task.Name, DashboardText.State(e.Task.State), null, Now, e.Message));
    }

    private void OnEventPublished(object? sender, WorkflowEventPublishedEventArgs e) =>
        _feed.Publish(new LiveEventJson("event", null, null, null, null, null, Now, e.Name));
}
