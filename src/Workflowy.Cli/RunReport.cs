using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace Workflowy.Cli;

/// <summary>One task of a <see cref="RunReport"/>.</summary>
internal sealed class TaskLine
{
    public required string Name { get; init; }

    public required string Key { get; init; }

    /// <summary>The state; null for a graph task the store has no record of (it never ended).</summary>
    public TaskState? State { get; init; }

    public int Attempts { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>From the first attempt's start to the end (a run in this process), or the last attempt's (a stored run).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>The failure as <c>Type: message</c>, inner exceptions after <c> ← </c>.</summary>
    public string? Error { get; init; }

    /// <summary>The throughline the exception carries (a run in this process).</summary>
    public IReadOnlyList<string>? Throughline { get; init; }

    /// <summary>The dependencies that did not complete, for a task that did not run because of them.</summary>
    public IReadOnlyList<string>? Causes { get; init; }

    /// <summary>Completed without running in this process: restored from the store's checkpoint (a resumed run).</summary>
    public bool Restored { get; init; }
}

/// <summary>A task that did not complete, with its chain: itself, then the dependency that made it fail, down to the root cause.</summary>
internal sealed record Failure(TaskLine Task, IReadOnlyList<TaskLine> Chain)
{
    public TaskLine Root => Chain[^1];
}

/// <summary>
/// What the CLI reports of a run, from a run of this process (its handles, and the times the CLI watched) or from a
/// store's checkpoint (its task records, in the order of the workflow's graph when this program has the workflow).
/// </summary>
internal sealed class RunReport
{
    public required string Workflow { get; init; }

    public required string RunId { get; init; }

    public RunStatus? Status { get; init; }

    /// <summary>"this process" or "store".</summary>
    public required string Source { get; init; }

    public string? RerunOf { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    public TimeSpan? Duration { get; init; }

    public required IReadOnlyList<TaskLine> Tasks { get; init; }

    /// <summary>Results of completed tasks as JSON, by task name (graph tasks whose result the workflow can serialise).</summary>
    public required IReadOnlyDictionary<string, string> Results { get; init; }

    /// <summary>Names of the graph tasks nothing depends on (the workflow's outcomes), whose results the summary shows.</summary>
    public IReadOnlyList<string> Outcomes { get; init; } = Array.Empty<string>();

    /// <summary>The run's own failure (the one that ended it under ErrorPolicy.Raise, or a checkpoint that could not be loaded).</summary>
    public string? RunError { get; init; }

    /// <summary>Whether the run has ended (a task still pending then never started).</summary>
    public bool Ended { get; init; } = true;

    /// <summary>The state's name as the summary shows it: a task left pending or ready by a run that ended never started.</summary>
    public string StateName(TaskState? state) =>
        Ended && state is TaskState.Pending or TaskState.Ready ? "not started" : Printer.Name(state);

    /// <summary>The exit code a command that ran this run ends with: 0 completed, 1 failed or cancelled; null while it runs.</summary>
    public int? ExitCode => Status switch
    {
        RunStatus.Completed => WorkflowyCli.Success,
        RunStatus.Failed or RunStatus.Cancelled => WorkflowyCli.RunFailed,
        _ => null,
    };

    /// <summary>Tasks counted by state (and "not recorded").</summary>
    public IReadOnlyList<(TaskState? State, int Count)> Counts()
    {
        var order = new TaskState?[]
        {
            TaskState.Completed, TaskState.Failed, TaskState.Cancelled, TaskState.Skipped, TaskState.Running, TaskState.Retrying,
            TaskState.Ready, TaskState.Pending, null,
        };
        var counts = new List<(TaskState?, int)>();
        foreach (var state in order)
        {
            var count = Tasks.Count(t => t.State == state);
            if (count > 0)
            {
                counts.Add((state, count));
            }
        }

        return counts;
    }

    /// <summary>Every task that failed, was cancelled or skipped, with its chain of causes.</summary>
    public IReadOnlyList<Failure> Failures()
    {
        var byName = new Dictionary<string, TaskLine>(StringComparer.Ordinal);
        foreach (var task in Tasks)
        {
            byName.TryAdd(task.Name, task);
        }

        var failures = new List<Failure>();
        foreach (var task in Tasks)
        {
            if (task.State is not (TaskState.Failed or TaskState.Cancelled or TaskState.Skipped))
            {
                continue;
            }

            var chain = new List<TaskLine> { task };
            var current = task;
            while (current.Causes is { Count: > 0 } causes
                && byName.TryGetValue(causes[0], out var cause)
                && !chain.Contains(cause))
            {
                chain.Add(cause);
                current = cause;
            }

            failures.Add(new Failure(task, chain));
        }

        // Root causes first (a failed task whose chain is itself), then the tasks they took down.
        return failures.OrderBy(f => f.Chain.Count == 1 && f.Task.State == TaskState.Failed ? 0 : 1).ToList();
    }

    /// <summary>A report of a run of this process.</summary>
    public static RunReport FromRun(WorkflowRun run, RunWatcher? watcher, string? rerunOf)
    {
        var tasks = new List<TaskLine>();
        foreach (var handle in run.Tasks)
        {
            var exception = handle.Exception;
            var timing = watcher?.TimingOf(handle);
            tasks.Add(new TaskLine
            {
                Name = handle.Name,
                Key = handle.Key,
                State = handle.State,
                Attempts = handle.Attempts,
                StartedAt = timing?.StartedAt,
                EndedAt = timing?.EndedAt,
                Duration = timing?.Duration,
                Error = exception is null ? null : ErrorText(exception),
                Throughline = exception is null ? null : Throughline.ChainOf(exception),
                Causes = exception is DependencyFailedException dependency ? dependency.FailedDependencies : null,
                Restored = watcher is not null && handle.State == TaskState.Completed && timing?.FirstStart is null or 0,
            });
        }

        var results = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < run.Graph.Count && i < tasks.Count; i++)
        {
            if (tasks[i].State == TaskState.Completed)
            {
                try
                {
                    results[run.Graph.Tasks[i].Name] = run.ResultJson(run.Graph.Tasks[i].Name);
                }
                catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or JsonException or ArgumentException)
                {
                    // No serializer context, or a result it cannot write: the report goes without it.
                }
            }
        }

        return new RunReport
        {
            Workflow = run.WorkflowKey,
            RunId = run.RunId,
            Status = StatusOf(run),
            Source = "this process",
            RerunOf = rerunOf,
            StartedAt = watcher?.StartedAt,
            EndedAt = run.HasEnded ? watcher?.EndedAt : null,
            Duration = watcher?.Elapsed,
            Tasks = tasks,
            Results = results,
            Outcomes = OutcomesOf(run.Graph),
            RunError = RunErrorOf(run, tasks),
            Ended = run.HasEnded,
        };
    }

    /// <summary>A report of a stored run; <paramref name="workflow"/> (this program's, if it has it) orders the tasks.</summary>
    public static RunReport FromCheckpoint(RunCheckpoint checkpoint, WorkflowDefinition? workflow)
    {
        var records = new Dictionary<string, TaskRecord>(StringComparer.Ordinal);
        foreach (var record in checkpoint.Tasks)
        {
            records[record.Key] = record;
        }

        var tasks = new List<TaskLine>();
        var graph = workflow?.Graph;
        if (graph is not null)
        {
            foreach (var node in graph.Tasks)
            {
                records.TryGetValue(node.Name, out var record);
                tasks.Add(Line(node.Name, record, graph, records));
            }
        }

        foreach (var record in checkpoint.Tasks)
        {
            if (graph is null || graph.IndexOf(record.Key) < 0)
            {
                tasks.Add(Line(record.Key, record, null, records));
            }
        }

        var results = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var record in checkpoint.Tasks)
        {
            if (record is { State: TaskState.Completed, ResultJson: { } json })
            {
                results[record.Key] = json;
            }
        }

        return new RunReport
        {
            Workflow = checkpoint.Workflow,
            RunId = checkpoint.RunId,
            Status = checkpoint.Status,
            Source = "store",
            StartedAt = checkpoint.StartedAt,
            EndedAt = checkpoint.EndedAt,
            Duration = checkpoint is { StartedAt: { } s, EndedAt: { } e } ? e - s : null,
            Tasks = tasks,
            Results = results,
            Outcomes = graph is null ? Array.Empty<string>() : OutcomesOf(graph),
        };
    }

    /// <summary>The report as the JSON shape of docs/cli.md.</summary>
    public RunReportJson ToJson()
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (state, count) in Counts())
        {
            counts[state is { } s ? JsonName(s) : "notRecorded"] = count;
        }

        var results = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (name, json) in Results)
        {
            try
            {
                using var document = JsonDocument.Parse(json);
                results[name] = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                // A stored result that is not JSON is left out (the stores check what they store).
            }
        }

        return new RunReportJson(
            Workflow,
            RunId,
            Status?.ToString(),
            ExitCode,
            Source,
            RerunOf,
            Iso(StartedAt),
            Iso(EndedAt),
            Ms(Duration),
            counts,
            Tasks.Select(static t => new TaskJson(
                t.Name,
                t.Key,
                t.State?.ToString() ?? "NotRecorded",
                t.Attempts,
                Iso(t.StartedAt),
                Iso(t.EndedAt),
                Ms(t.Duration),
                t.Error,
                t.Throughline,
                t.Causes,
                t.Restored)).ToList(),
            Failures().Select(static f => new FailureJson(
                f.Task.Name,
                f.Task.State?.ToString() ?? "NotRecorded",
                f.Task.Error,
                f.Chain.Select(static c => c.Name).ToList(),
                f.Root.Error)).ToList(),
            results,
            RunError);
    }

    /// <summary>
    /// <c>Type: message</c>, then each inner exception after <c> ← </c>, unless the message before already says it
    /// (a <see cref="RetriesExhaustedException"/> names its last failure).
    /// </summary>
    public static string ErrorText(Exception exception)
    {
        var parts = new List<string>();
        var said = string.Empty;
        for (var e = exception; e is not null && parts.Count < 5; e = e.InnerException)
        {
            var text = $"{e.GetType().Name}: {e.Message}";
            if (!said.Contains(text, StringComparison.Ordinal))
            {
                parts.Add(text);
                said += text;
            }
        }

        return string.Join(" ← ", parts);
    }

    /// <summary>The run's status as a store records it (docs/durability.md, "Listing runs"); Running while it goes on.</summary>
    public static RunStatus StatusOf(WorkflowRun run)
    {
        if (!run.HasEnded || !run.Completion.IsCompleted)
        {
            return RunStatus.Running;
        }

        if (run.Completion.IsFaulted)
        {
            return RunStatus.Failed;
        }

        if (run.Completion.IsCanceled)
        {
            return RunStatus.Cancelled;
        }

        return run.Tasks.Any(static t => t.State == TaskState.Failed) ? RunStatus.Failed : RunStatus.Completed;
    }

    /// <summary>The failure that ended the run, unless it is the error of one of its failed tasks (shown with that task).</summary>
    private static string? RunErrorOf(WorkflowRun run, List<TaskLine> tasks)
    {
        if (!run.Completion.IsFaulted || run.Completion.Exception?.InnerException is not { } failure)
        {
            return null;
        }

        var text = ErrorText(failure);
        return tasks.Any(t => t.State == TaskState.Failed && string.Equals(t.Error, text, StringComparison.Ordinal)) ? null : text;
    }

    public static string? Iso(DateTimeOffset? time) => time?.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Milliseconds to a tenth.</summary>
    public static double? Ms(TimeSpan? duration) => duration is { } d ? Math.Round(d.TotalMilliseconds, 1) : null;

    private static string JsonName(TaskState state)
    {
        var name = state.ToString();
        return char.ToLowerInvariant(name[0]) + name[1..];
    }

    private static IReadOnlyList<string> OutcomesOf(WorkflowGraph graph) =>
        graph.Tasks.Where(static t => t.Dependents.Count == 0).Select(static t => t.Name).ToList();

    private static TaskLine Line(string name, TaskRecord? record, WorkflowGraph? graph, Dictionary<string, TaskRecord> records)
    {
        IReadOnlyList<string>? causes = null;
        if (record?.Error is { } error && error.StartsWith(nameof(DependencyFailedException), StringComparison.Ordinal)
            && graph is not null && graph.IndexOf(name) is var index and >= 0)
        {
            // A stored error is text: the dependencies that did not complete are read from the graph and the records.
            causes = graph.Tasks[index].Dependencies
                .Select(d => graph.Tasks[d].Name)
                .Where(d => !records.TryGetValue(d, out var r) || r.State != TaskState.Completed)
                .ToList();
        }

        return new TaskLine
        {
            Name = name,
            Key = record?.Key ?? name,
            State = record?.State,
            Attempts = record?.Attempts ?? 0,
            StartedAt = record?.StartedAt,
            EndedAt = record?.FinishedAt,
            Duration = record is { StartedAt: { } s, FinishedAt: { } f } ? f - s : null,
            Error = record?.Error,
            Causes = causes,
        };
    }
}
