using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.Dashboard;

/// <summary>A run as its page shows it: the data, the graph as SVG, and where it came from.</summary>
internal sealed record RunView(RunDetailJson Detail, string? Svg, RunEntry? Entry, RunCheckpoint? Checkpoint, WorkflowDefinition? Definition);

internal sealed partial class DashboardData
{
    private static readonly string[] SecretWords = ["password", "secret", "token", "apikey", "api_key", "credential", "privatekey", "private_key"];

    public async Task<RunView?> RunAsync(string workflow, string runId, CancellationToken cancellationToken)
    {
        var entry = _d.Monitor.Find(workflow, runId);
        RunCheckpoint? checkpoint = null;
        if (Store is { } store)
        {
            checkpoint = await store.LoadAsync(workflow, runId, cancellationToken).ConfigureAwait(false);
        }

        if (entry is null && checkpoint is null)
        {
            return null;
        }

        var definition = Definition(workflow);
        var graph = entry?.Run.Graph ?? definition?.Graph;
        var tasks = new List<TaskRowJson>();
        RunStatus status;
        DateTimeOffset? startedAt, endedAt;
        string? error = null;
        string? svg = null;
        var history = entry?.History() ?? Array.Empty<Transition>();
        if (entry is not null)
        {
            var run = entry.Run;
            status = RunStates.Of(run);
            startedAt = checkpoint?.StartedAt ?? entry.StartedAt;
            endedAt = run.HasEnded ? entry.EndedAt : null;
            var times = TimesOf(history);
            foreach (var handle in run.Tasks)
            {
                times.TryGetValue(handle.Name, out var t);
                tasks.Add(new TaskRowJson(
                    handle.Name,
                    DashboardText.State(handle.State),
                    handle.Attempts,
                    t.Start,
                    t.End,
                    t is { Start: { } s, End: { } e } ? (e - s).TotalMilliseconds : null,
                    handle.Exception is { } ex ? DashboardText.FirstLine(SafeMessage(ex)) : null,
                    handle.NextAttemptAt,
                    DependenciesOf(graph, handle.Index, handle.Name)));
            }

            if (run.Failure is { } failure && failure is not OperationCanceledException && !run.Tasks.Any(static t => t.State == TaskState.Failed))
            {
                error = DashboardText.FirstLine(SafeMessage(failure));
            }

            svg = WorkflowRenderer.ToSvg(run);
        }
        else
        {
            status = checkpoint!.Status ?? RunStatus.Running;
            startedAt = checkpoint.StartedAt;
            endedAt = checkpoint.EndedAt;
            var records = checkpoint.Tasks.ToDictionary(static r => r.Key, StringComparer.Ordinal);
            var names = graph is not null ? graph.Tasks.Select(static n => n.Name).ToList() : new List<string>();
            foreach (var record in checkpoint.Tasks)
            {
                if (!names.Contains(record.Key))
                {
                    names.Add(record.Key);
                }
            }

            foreach (var name in names)
            {
                records.TryGetValue(name, out var record);
                tasks.Add(new TaskRowJson(
                    name,
                    DashboardText.State(record?.State ?? TaskState.Pending),
                    record?.Attempts ?? 0,
                    record?.StartedAt,
                    record?.FinishedAt,
                    record is { StartedAt: { } s, FinishedAt: { } e } ? (e - s).TotalMilliseconds : null,
                    DashboardText.FirstLine(record?.Error) is { Length: > 0 } line ? line : null,
                    null,
                    DependenciesOf(graph, graph?.IndexOf(name) ?? -1, name)));
            }

            if (graph is not null)
            {
                var states = new TaskState[graph.Count];
                var attempts = new int[graph.Count];
                for (var i = 0; i < graph.Count; i++)
                {
                    if (records.TryGetValue(graph.Tasks[i].Name, out var record))
                    {
                        states[i] = record.State;
                        attempts[i] = record.Attempts;
                    }
                }

                svg = WorkflowRenderer.ToSvg(graph, runId, states, attempts);
            }
        }

        var timeline = TimelineOf(history, tasks, entry is not null);
        var critical = CriticalPath(timeline, tasks);
        timeline = timeline.Select(b => b with { Critical = critical.Contains(b.Task) }).ToList();
        var inputsJson = entry?.InputsJson ?? checkpoint?.InputsJson;
        var detail = new RunDetailJson(
            workflow,
            definition?.Name ?? graph?.Name ?? workflow,
            runId,
            DashboardText.Status(status),
            entry is not null ? "this process" : "store",
            startedAt,
            endedAt,
            startedAt is { } from && endedAt is { } to ? (to - from).TotalMilliseconds : null,
            Inputs(definition, inputsJson),
            tasks,
            timeline,
            critical,
            history.Skip(Math.Max(0, history.Count - 500)).Select(static h => new TransitionJson(h.At, h.Task, DashboardText.State(h.From), DashboardText.State(h.To), h.Attempt, h.Error)).ToList(),
            _d.AuditOf(workflow, runId),
            ActionsOf(status, entry, definition, inputsJson),
            entry?.RerunOf,
            error);
        return new RunView(detail, svg, entry, checkpoint, definition);
    }

    private AvailableActionsJson ActionsOf(RunStatus status, RunEntry? entry, WorkflowDefinition? definition, string? inputsJson)
    {
        var startable = definition?.SerializerContext is not null;
        var inThisProcess = entry is not null && !entry.Run.HasEnded;
        var ended = status is RunStatus.Failed or RunStatus.Cancelled or RunStatus.Completed;
        var canResume = startable && Store is not null && inputsJson is not null;
        var retry = status is RunStatus.Failed or RunStatus.Cancelled && !inThisProcess && (canResume || entry is { Run.HasEnded: true });
        string? note = null;
        if (!startable)
        {
            note = definition is null
                ? "This workflow is not one of this program's: it can be looked at, not started again."
                : "This workflow has no [WorkflowSerialization] context: it cannot be started again from here.";
        }
        else if (Store is null)
        {
            note = "The runner has no store: retrying from a task needs one (completed tasks are restored from it).";
        }
        else if (status == RunStatus.Running && !inThisProcess)
        {
            note = "The store says running, but this process does not run it: cancel it where it runs.";
        }

        return new AvailableActionsJson(
            inThisProcess,
            retry,
            ended && canResume && !inThisProcess,
            startable && inputsJson is not null,
            note);
    }

    private static IReadOnlyList<string> DependenciesOf(WorkflowGraph? graph, int index, string name)
    {
        if (graph is null || index < 0 || index >= graph.Count || graph.Tasks[index].Name != name)
        {
            return Array.Empty<string>();
        }

        return graph.Tasks[index].Dependencies.Select(d => graph.Tasks[d].Name).ToList();
    }

    /// <summary>The graph tasks downstream of <paramref name="task"/>, itself first, in graph order after it.</summary>
    public static IReadOnlyList<string> Downstream(WorkflowGraph graph, string task)
    {
        var start = graph.IndexOf(task);
        if (start < 0)
        {
            return Array.Empty<string>();
        }

        var seen = new bool[graph.Count];
        var queue = new Queue<int>();
        queue.Enqueue(start);
        seen[start] = true;
        while (queue.Count > 0)
        {
            foreach (var next in graph.Tasks[queue.Dequeue()].Dependents)
            {
                if (!seen[next])
                {
                    seen[next] = true;
                    queue.Enqueue(next);
                }
            }
        }

        var list = new List<string> { task };
        foreach (var index in graph.TopologicalOrder)
        {
            if (seen[index] && index != start)
            {
                list.Add(graph.Tasks[index].Name);
            }
        }

        return list;
    }

    private static Dictionary<string, (DateTimeOffset? Start, DateTimeOffset? End)> TimesOf(IReadOnlyList<Transition> history)
    {
        var times = new Dictionary<string, (DateTimeOffset? Start, DateTimeOffset? End)>(StringComparer.Ordinal);
        foreach (var h in history)
        {
            times.TryGetValue(h.Task, out var t);
            if (h.To == TaskState.Running && (t.Start is null || t.End is not null))
            {
                // The first attempt, or the first after the task had ended (a retry of the run): the latest round.
                t.Start = h.At;
            }

            if (h.To == TaskState.Running)
            {
                t.End = null;
            }

            if (h.To is TaskState.Completed or TaskState.Failed or TaskState.Cancelled or TaskState.Skipped)
            {
                t.End = h.At;
            }

            times[h.Task] = t;
        }

        return times;
    }

    /// <summary>One bar per attempt: from the task going to running until its next state.</summary>
    private static List<TimelineBarJson> TimelineOf(IReadOnlyList<Transition> history, List<TaskRowJson> tasks, bool live)
    {
        var bars = new List<TimelineBarJson>();
        if (live && history.Count > 0)
        {
            // Attempts are numbered per task across the whole history (a retried run starts its own count again).
            var open = new Dictionary<string, (DateTimeOffset Start, int Attempt)>(StringComparer.Ordinal);
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var h in history)
            {
                if (open.Remove(h.Task, out var bar))
                {
                    var outcome = h.To == TaskState.Retrying ? "failed, retrying" : DashboardText.State(h.To);
                    bars.Add(new TimelineBarJson(h.Task, bar.Attempt, bar.Start, h.At, outcome, false, h.Error));
                }

                if (h.To == TaskState.Running)
                {
                    counts[h.Task] = counts.GetValueOrDefault(h.Task) + 1;
                    open[h.Task] = (h.At, counts[h.Task]);
                }
            }

            foreach (var (task, bar) in open)
            {
                bars.Add(new TimelineBarJson(task, bar.Attempt, bar.Start, null, "running", false, null));
            }
        }
        else
        {
            foreach (var task in tasks)
            {
                if (task.StartedAt is { } start)
                {
                    bars.Add(new TimelineBarJson(task.Name, Math.Max(1, task.Attempts), start, task.FinishedAt, task.State, false, task.Error));
                }
            }
        }

        return bars.OrderBy(static b => b.Start).ThenBy(static b => b.Task, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The chain of tasks that decided when the run ended: from the task that finished last, back through the dependency
    /// of each that finished last.
    /// </summary>
    private static List<string> CriticalPath(List<TimelineBarJson> timeline, List<TaskRowJson> tasks)
    {
        var finish = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var bar in timeline)
        {
            var end = bar.End ?? DateTimeOffset.MaxValue;
            if (!finish.TryGetValue(bar.Task, out var known) || end > known)
            {
                finish[bar.Task] = end;
            }
        }

        var byName = tasks.ToDictionary(static t => t.Name, StringComparer.Ordinal);
        var path = new List<string>();
        var current = finish.Count == 0 ? null : finish.OrderByDescending(static f => f.Value).First().Key;
        while (current is not null && !path.Contains(current))
        {
            path.Add(current);
            string? next = null;
            var latest = DateTimeOffset.MinValue;
            if (byName.TryGetValue(current, out var row))
            {
                foreach (var dependency in row.DependsOn)
                {
                    if (finish.TryGetValue(dependency, out var end) && end > latest)
                    {
                        latest = end;
                        next = dependency;
                    }
                }
            }

            current = next;
        }

        path.Reverse();
        return path;
    }

    /// <summary>The inputs of a run as name and JSON value, secrets shown as <c>***</c>.</summary>
    private List<InputValueJson> Inputs(WorkflowDefinition? definition, string? inputsJson)
    {
        var list = new List<InputValueJson>();
        if (inputsJson is null)
        {
            return list;
        }

        try
        {
            using var document = JsonDocument.Parse(inputsJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return list;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                var type = definition?.Inputs.FirstOrDefault(i => i.Name == property.Name)?.TypeName;
                var redacted = IsRedacted(definition, property.Name);
                var (text, _) = DashboardText.Cap(property.Value.GetRawText(), _d.Options.MaxOutputChars);
                list.Add(new InputValueJson(property.Name, type, redacted ? "***" : text, redacted));
            }
        }
        catch (JsonException)
        {
            list.Add(new InputValueJson("(unreadable)", null, null, false));
        }

        return list;
    }

    public bool IsRedacted(WorkflowDefinition? definition, string input)
    {
        foreach (var name in _d.Options.RedactedInputs)
        {
            if (string.Equals(name, input, StringComparison.OrdinalIgnoreCase)
                || (definition is not null
                    && (string.Equals(name, definition.Name + "." + input, StringComparison.OrdinalIgnoreCase)
                        || string.Equals(name, definition.FullName + "." + input, StringComparison.OrdinalIgnoreCase))))
            {
                return true;
            }
        }

        var lower = input.ToLowerInvariant();
        return SecretWords.Any(lower.Contains);
    }
}
