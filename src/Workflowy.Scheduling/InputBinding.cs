using System;

namespace Workflowy.Scheduling;

/// <summary>Where a binding takes a workflow input's value from (R12).</summary>
public enum BindingSource
{
    /// <summary>A dotted path in the event payload (<c>[FromEvent("order.id")]</c>).</summary>
    Event = 0,

    /// <summary>A value of the trigger's context (<c>[FromTrigger(TriggerValue.ScheduledTime)]</c>).</summary>
    Trigger = 1,

    /// <summary>The source run's or task's result (<c>[FromResult]</c>, status triggers).</summary>
    Result = 2,

    /// <summary>A dotted path in the source run's inputs (<c>[FromSourceInput("tenant")]</c>, status triggers).</summary>
    SourceInput = 3,
}

/// <summary>
/// Binds one input of the started workflow to a value of the trigger. Per input, the order is: an explicit binding, a
/// static value (the registration's inputs JSON), for events a payload property with the input's name
/// (case-insensitive), <c>null</c> for a nullable input; otherwise the occurrence is recorded as
/// <see cref="OccurrenceOutcome.BindingFailed"/> and nothing starts.
/// </summary>
/// <param name="Input">The workflow input's name.</param>
/// <param name="Source">Where the value comes from.</param>
/// <param name="Path">For <see cref="BindingSource.Event"/> and <see cref="BindingSource.SourceInput"/>: the dotted path.</param>
/// <param name="Value">For <see cref="BindingSource.Trigger"/>: which value.</param>
public sealed record InputBinding(string Input, BindingSource Source, string? Path = null, TriggerValue Value = TriggerValue.ScheduledTime)
{
    /// <summary>The input takes the value at a dotted path of the event payload.</summary>
    public static InputBinding FromEvent(string input, string path) => new(input, BindingSource.Event, Path: Check(path));

    /// <summary>The input takes a value of the trigger's context.</summary>
    public static InputBinding FromTrigger(string input, TriggerValue value) => new(input, BindingSource.Trigger, Value: value);

    /// <summary>The input takes the source's result (status triggers).</summary>
    public static InputBinding FromResult(string input) => new(input, BindingSource.Result);

    /// <summary>The input takes a value at a dotted path of the source run's inputs (status triggers).</summary>
    public static InputBinding FromSourceInput(string input, string path) => new(input, BindingSource.SourceInput, Path: Check(path));

    private static string Check(string path)
    {
        if (!JsonPath.IsValid(path))
        {
            throw new SchedulingConfigurationException($"\"{path}\" is not a valid payload path (dotted identifiers, e.g. \"order.region\").");
        }

        return path;
    }
}

/// <summary>A payload filter: the value at a dotted path must exist and equal the given JSON value, by JSON type (<c>1</c> is not <c>"1"</c>).</summary>
/// <param name="Path">The dotted path, e.g. <c>total.currency</c>.</param>
/// <param name="ValueJson">The expected value as JSON, e.g. <c>"EUR"</c> (with its quotes), <c>1</c>, <c>true</c>.</param>
public sealed record PayloadFilter(string Path, string ValueJson)
{
    /// <summary>A filter on a string value.</summary>
    public static PayloadFilter Equal(string path, string value) => new(CheckPath(path), System.Text.Json.JsonSerializer.Serialize(value, SchedulingJson.Default.String));

    /// <summary>A filter on a number.</summary>
    public static PayloadFilter Equal(string path, long value) => new(CheckPath(path), value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A filter on a boolean.</summary>
    public static PayloadFilter Equal(string path, bool value) => new(CheckPath(path), value ? "true" : "false");

    private static string CheckPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!JsonPath.IsValid(path))
        {
            throw new SchedulingConfigurationException($"\"{path}\" is not a valid payload path (dotted identifiers, e.g. \"order.region\").");
        }

        return path;
    }
}
