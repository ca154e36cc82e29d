using System;
using System.Diagnostics;

namespace Workflowy.Scheduling;

/// <summary>The options every schedule attribute has (R5–R7); durations are strings in the invariant <c>"c"</c> format (<c>"00:05:00"</c>), because a TimeSpan cannot be an attribute argument.</summary>
public abstract class ScheduleAttribute : Attribute
{
    /// <summary>The schedule's id (default <c>{workflow full name}#{index}</c>, the index counting the schedule attributes of the workflow in declaration order).</summary>
    public string? Id { get; set; }

    /// <summary>The misfire policy (default FireOnce).</summary>
    public MisfirePolicy Misfire { get; set; }

    /// <summary>The misfire threshold, e.g. <c>"00:01:00"</c> (default 60 s).</summary>
    public string? Threshold { get; set; }

    /// <summary>For FireAll: the most catch-up runs (default 10, 1 to 1000).</summary>
    public int MaxCatchUp { get; set; } = 10;

    /// <summary>The overlap policy (default Skip).</summary>
    public OverlapPolicy Overlap { get; set; }

    /// <summary>The maximum jitter, e.g. <c>"00:00:30"</c>; smaller than the shortest gap between occurrences.</summary>
    public string? Jitter { get; set; }

    /// <summary>Static inputs as a JSON object, e.g. <c>"{\"region\": \"eu\"}"</c>.</summary>
    public string? Inputs { get; set; }
}

/// <summary>Runs the workflow every interval: fixed rate anchored to the first registration, or fixed delay from completion. On the workflow class or a <c>[Workflow]</c> entry point.</summary>
/// <example><code>[Every("00:00:10")] public partial class Heartbeat { ... }</code></example>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class EveryAttribute(string interval) : ScheduleAttribute
{
    /// <summary>The interval, e.g. <c>"00:05:00"</c>.</summary>
    public string Interval { get; } = interval;

    /// <summary>Fire at the anchor itself too (default: one interval after it).</summary>
    public bool StartImmediately { get; set; }

    /// <summary>Fixed rate (default) or from completion.</summary>
    public IntervalMeasure Measure { get; set; }
}

/// <summary>Runs the workflow on a cron expression (Cronos: 5 fields, 6 with seconds first, or a macro such as <c>@daily</c>), in a time zone (IANA or Windows id, default UTC; checked at scheduler start, not at build time).</summary>
/// <example><code>[Cron("0 2 * * *", TimeZone = "Europe/Paris")] public partial class Nightly { ... }</code></example>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class CronAttribute(string expression) : ScheduleAttribute
{
    /// <summary>The expression.</summary>
    public string Expression { get; } = expression;

    /// <summary>The time zone id (default UTC).</summary>
    public string? TimeZone { get; set; }
}

/// <summary>Runs the workflow once, at an instant given in ISO-8601 with an explicit offset.</summary>
/// <example><code>[At("2026-12-24T18:00:00+01:00")]</code></example>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class AtAttribute(string instant) : ScheduleAttribute
{
    /// <summary>The instant.</summary>
    public string Instant { get; } = instant;
}

/// <summary>Runs the workflow for each event of this name (published with <see cref="WorkflowScheduler.PublishEventAsync"/> or <see cref="WorkflowRunner.PublishEventAsync(string, string, System.Threading.CancellationToken)"/>) whose payload passes the <see cref="EventFilterAttribute"/>s.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class OnEventAttribute(string eventName) : Attribute
{
    /// <summary>The event name (exact, ordinal).</summary>
    public string EventName { get; } = eventName;
}

/// <summary>A payload filter of the <c>[OnEvent]</c> triggers on the same target: the value at the dotted path must exist and equal this one, by JSON type. Repeatable (all must hold).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class EventFilterAttribute : Attribute
{
    /// <summary>A string value.</summary>
    public EventFilterAttribute(string path, string value) => (Path, ValueJson) = (path, "\"" + value + "\"");

    /// <summary>A number.</summary>
    public EventFilterAttribute(string path, long value) => (Path, ValueJson) = (path, value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A boolean.</summary>
    public EventFilterAttribute(string path, bool value) => (Path, ValueJson) = (path, value ? "true" : "false");

    /// <summary>The dotted path.</summary>
    public string Path { get; }

    /// <summary>The expected value as JSON.</summary>
    public string ValueJson { get; }
}

/// <summary>Runs the workflow when a run of another workflow (or, with <see cref="Task"/>, a task of it) ends with one of <see cref="Status"/>.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class OnStatusAttribute(string sourceWorkflow) : Attribute
{
    /// <summary>The source workflow's full or short name.</summary>
    public string SourceWorkflow { get; } = sourceWorkflow;

    /// <summary>The statuses that fire (default Completed).</summary>
    public TriggerStatus Status { get; set; } = TriggerStatus.Completed;

    /// <summary>A task of the source to watch instead of the whole run.</summary>
    public string? Task { get; set; }

    /// <summary>For Failed: only failures with this exception type (or derived).</summary>
    public Type? ExceptionType { get; set; }
}

/// <summary>A filter on the source run's inputs for the <c>[OnStatus]</c> triggers on the same target (string equality at a dotted path). Repeatable.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class SourceInputFilterAttribute(string path, string value) : Attribute
{
    /// <summary>The dotted path in the source's inputs.</summary>
    public string Path { get; } = path;

    /// <summary>The expected string value.</summary>
    public string Value { get; } = value;
}

/// <summary>How the <c>[OnEvent]</c>/<c>[OnStatus]</c> conditions on the same target combine. All needs <see cref="Within"/> (WFY035).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class TriggerJoinAttribute(JoinKind join) : Attribute
{
    /// <summary>Any or All.</summary>
    public JoinKind Join { get; } = join;

    /// <summary>The dotted payload path whose value correlates the occurrences (All).</summary>
    public string? CorrelateBy { get; set; }

    /// <summary>The window (All, required), e.g. <c>"01:00:00"</c>.</summary>
    public string? Within { get; set; }

    /// <summary>The trigger's id (default <c>{workflow full name}#trigger</c>).</summary>
    public string? Id { get; set; }

    /// <summary>Static inputs as a JSON object.</summary>
    public string? Inputs { get; set; }
}

/// <summary>Binds a parameter of a triggered <c>[Workflow]</c> entry point (a workflow input) to a dotted path of the event payload.</summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class FromEventAttribute(string path) : Attribute
{
    /// <summary>The dotted path.</summary>
    public string Path { get; } = path;
}

/// <summary>Binds a parameter of a scheduled or triggered <c>[Workflow]</c> entry point to a value of the trigger's context.</summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class FromTriggerAttribute(TriggerValue value) : Attribute
{
    /// <summary>The value.</summary>
    public TriggerValue Value { get; } = value;
}

/// <summary>Binds a parameter of a status-triggered <c>[Workflow]</c> entry point to the source's result.</summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class FromResultAttribute : Attribute
{
}

/// <summary>Binds a parameter of a status-triggered <c>[Workflow]</c> entry point to a dotted path of the source run's inputs.</summary>
[AttributeUsage(AttributeTargets.Parameter, AllowMultiple = false, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class FromSourceInputAttribute(string path) : Attribute
{
    /// <summary>The dotted path.</summary>
    public string Path { get; } = path;
}
