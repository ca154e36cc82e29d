using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Workflowy.Scheduling;

/// <summary>A registered trigger as the loop holds it.</summary>
internal sealed class TriggerEntry(string id, string workflow, IReadOnlyList<TriggerCondition> conditions, TriggerOptions options, JsonElement staticInputs, IReadOnlyList<InputBinding> bindings)
{
    public string Id { get; } = id;

    public string Workflow { get; } = workflow;

    public IReadOnlyList<TriggerCondition> Conditions { get; } = conditions;

    public TriggerOptions Options { get; } = options;

    public JsonElement StaticInputs { get; } = staticInputs;

    public IReadOnlyList<InputBinding> Bindings { get; } = bindings;

    public bool Paused { get; set; }

    public List<WorkflowRun> Running { get; } = [];

    public Queue<ScheduleOccurrence> Recent { get; } = new();

    public DateTimeOffset? LastFired { get; set; }

    /// <summary>For All: per correlation key, per condition, the unconsumed occurrences, oldest first.</summary>
    public Dictionary<string, Queue<JoinOccurrence>[]> Pending { get; } = new(StringComparer.Ordinal);

    public string Description => Conditions.Count == 1
        ? Conditions[0].Describe()
        : $"{Options.Join} of {string.Join(", ", DescribeAll())}";

    private IEnumerable<string> DescribeAll()
    {
        foreach (var c in Conditions)
        {
            yield return c.Describe();
        }
    }
}

/// <summary>An occurrence waiting in an All-join.</summary>
internal sealed record JoinOccurrence(DateTimeOffset At, DateTimeOffset Expires, JsonElement Payload, string EventId);

/// <summary>Something that happened, waiting in the inbox for the loop: an event or a status change.</summary>
internal abstract record InboxItem(DateTimeOffset At);

internal sealed record EventItem(DateTimeOffset At, string Name, string PayloadJson, string EventId) : InboxItem(At);

internal sealed record StatusItem(DateTimeOffset At, string WorkflowName, string WorkflowFullName, string? Task, TriggerStatus Status, Exception? Exception, WorkflowRun Run, int ChainDepth) : InboxItem(At);
