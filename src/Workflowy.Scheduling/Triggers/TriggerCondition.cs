using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Workflowy.Scheduling;

/// <summary>One condition of a trigger: an event (<see cref="OnEvent"/>) or another workflow's or task's status (<see cref="OnStatus"/>).</summary>
public abstract class TriggerCondition
{
    private protected TriggerCondition(string name) => Name = name;

    /// <summary>Its name (recorded as the <see cref="ScheduleOccurrence.Condition"/> that fired; the event name or <c>status:Workflow</c> by default).</summary>
    public string Name { get; }

    /// <summary>An event with this exact (ordinal) name whose payload passes every filter (path exists and equals, by JSON type).</summary>
    /// <exception cref="SchedulingConfigurationException">The name is empty.</exception>
    public static TriggerCondition OnEvent(string eventName, params PayloadFilter[] filters)
    {
        if (string.IsNullOrEmpty(eventName))
        {
            throw new SchedulingConfigurationException("Event name must not be empty.");
        }

        return new EventCondition(eventName, filters ?? []);
    }

    /// <summary>
    /// A run of <paramref name="sourceWorkflow"/> (or, with <paramref name="task"/>, a task of it) that enters one of
    /// <paramref name="statuses"/>; fires once per source run (R10).
    /// </summary>
    /// <param name="sourceWorkflow">The source workflow's full or short name (its graph name).</param>
    /// <param name="statuses">The statuses that fire (default Completed).</param>
    /// <param name="task">A task of the source (its graph name): the trigger watches it instead of the whole run.</param>
    /// <param name="inputFilters">Filters on the source run's inputs (path = value).</param>
    /// <param name="resultFilter">A predicate on the source's result (JSON); the result of a run is its one final task's.</param>
    /// <param name="exceptionType">For Failed: only failures with an exception of this type (or derived).</param>
    /// <exception cref="SchedulingConfigurationException">No status or no source given.</exception>
    public static TriggerCondition OnStatus(string sourceWorkflow, TriggerStatus statuses = TriggerStatus.Completed, string? task = null, IReadOnlyList<PayloadFilter>? inputFilters = null, Func<JsonElement, bool>? resultFilter = null, Type? exceptionType = null)
    {
        if (string.IsNullOrEmpty(sourceWorkflow))
        {
            throw new SchedulingConfigurationException("OnStatus needs a source workflow.");
        }

        if ((statuses & TriggerStatus.AnyTerminal) == 0)
        {
            throw new SchedulingConfigurationException("OnStatus needs at least one status.");
        }

        return new StatusCondition(sourceWorkflow, statuses, task, inputFilters ?? [], resultFilter, exceptionType);
    }

    internal abstract string Describe();
}

internal sealed class EventCondition(string eventName, IReadOnlyList<PayloadFilter> filters) : TriggerCondition(eventName)
{
    private readonly (string Path, JsonElement Value)[] _filters = Parse(filters);

    public string EventName { get; } = eventName;

    public IReadOnlyList<PayloadFilter> Filters { get; } = filters;

    internal override string Describe() => Filters.Count == 0 ? $"event {EventName}" : $"event {EventName} [{string.Join(", ", FilterTexts())}]";

    public bool Matches(string name, JsonElement payload)
    {
        if (!string.Equals(name, EventName, StringComparison.Ordinal))
        {
            return false;
        }

        return Filter.All(payload, _filters);
    }

    private IEnumerable<string> FilterTexts()
    {
        foreach (var f in Filters)
        {
            yield return $"{f.Path}={f.ValueJson}";
        }
    }

    internal static (string Path, JsonElement Value)[] Parse(IReadOnlyList<PayloadFilter> filters)
    {
        var parsed = new (string, JsonElement)[filters.Count];
        for (var i = 0; i < filters.Count; i++)
        {
            try
            {
                using var document = JsonDocument.Parse(filters[i].ValueJson);
                parsed[i] = (filters[i].Path, document.RootElement.Clone());
            }
            catch (JsonException ex)
            {
                throw new SchedulingConfigurationException($"The filter value of '{filters[i].Path}' is not JSON: {ex.Message}", ex);
            }
        }

        return parsed;
    }
}

internal static class Filter
{
    public static bool All(JsonElement root, (string Path, JsonElement Value)[] filters)
    {
        foreach (var (path, expected) in filters)
        {
            if (!JsonPath.TryGet(root, path, out var actual) || !JsonPath.JsonEquals(actual, expected))
            {
                return false;
            }
        }

        return true;
    }
}

internal sealed class StatusCondition(string sourceWorkflow, TriggerStatus statuses, string? task, IReadOnlyList<PayloadFilter> inputFilters, Func<JsonElement, bool>? resultFilter, Type? exceptionType)
    : TriggerCondition(task is null ? $"status:{sourceWorkflow}" : $"status:{sourceWorkflow}.{task}")
{
    private readonly (string Path, JsonElement Value)[] _inputFilters = EventCondition.Parse(inputFilters);

    public string SourceWorkflow { get; } = sourceWorkflow;

    public TriggerStatus Statuses { get; } = statuses;

    public string? Task { get; } = task;

    public Func<JsonElement, bool>? ResultFilter { get; } = resultFilter;

    public Type? ExceptionType { get; } = exceptionType;

    internal override string Describe() => $"status of {SourceWorkflow}{(Task is null ? "" : "." + Task)} {Statuses}{(ExceptionType is null ? "" : " " + ExceptionType.Name)}";

    public bool MatchesSource(StatusItem item) =>
        (string.Equals(item.WorkflowFullName, SourceWorkflow, StringComparison.Ordinal) || string.Equals(item.WorkflowName, SourceWorkflow, StringComparison.Ordinal))
        && string.Equals(item.Task, Task, StringComparison.Ordinal)
        && (Statuses & item.Status) != 0
        && (ExceptionType is null || (item.Exception is { } ex && ExceptionType.IsAssignableFrom(Unwrap(ex).GetType())));

    public bool MatchesInputs(JsonElement? inputs) => _inputFilters.Length == 0 || (inputs is { } i && Filter.All(i, _inputFilters));

    private static Exception Unwrap(Exception ex) => ex is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerExceptions[0]) : ex;
}

/// <summary>How a trigger combines its conditions and treats overlapping runs.</summary>
public sealed record TriggerOptions
{
    /// <summary>The defaults: Any, Allow.</summary>
    public static TriggerOptions Default { get; } = new();

    /// <summary>Any (default: one run per occurrence of any condition) or All (a join).</summary>
    public JoinKind Join { get; init; } = JoinKind.Any;

    /// <summary>For All: a dotted payload path whose value must be the same in every condition's occurrence (without it, one global key).</summary>
    public string? CorrelateBy { get; init; }

    /// <summary>For All (required): how long an occurrence waits for its partners; it then expires (recorded as Expired(Join)).</summary>
    public TimeSpan? Within { get; init; }

    /// <summary>Allow (default: each event is distinct data) or Skip (no run while the previous one of this trigger is going).</summary>
    public OverlapPolicy Overlap { get; init; } = OverlapPolicy.Allow;
}
