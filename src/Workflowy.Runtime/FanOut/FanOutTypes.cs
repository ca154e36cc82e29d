using System;
using System.Diagnostics;

namespace Workflowy;

/// <summary>What a fan-out does when one of its calls fails (<see cref="FanOutAttribute.OnFailure"/>).</summary>
public enum FanOutFailure
{
    /// <summary>The first failure cancels the calls still running and not started, the fan-out fails with a <see cref="FanOutFailedException"/>, and its aggregate does not run.</summary>
    FailFast = 0,

    /// <summary>Every call runs; the fan-out's result holds a <see cref="FanOutResult{T}"/> per element, failed ones included.</summary>
    CollectAll = 1,
}

/// <summary>
/// Makes a <c>[Task]</c> run once per element of the collection another task returns (or once per chunk of
/// <see cref="BatchSize"/> elements), at most <see cref="MaxParallel"/> at once. The task's handle holds the results in
/// the input's order (<c>IReadOnlyList&lt;R&gt;</c>); a task depending on it aggregates them. Each call is a child
/// task of the fan-out named <c>Task[i]</c>, with the options of the <c>[Task]</c> (retries, timeout, backend). Checked
/// at compile time (WFY025-WFY028).
/// </summary>
/// <example><code>[Task] public IReadOnlyList&lt;Item&gt; LoadItems() =&gt; ...;
/// [Task, FanOut(nameof(LoadItems), MaxParallel = 4)] public Price Process(Item item) =&gt; ...;
/// [Task, DependsOn(nameof(Process))] public decimal Sum(IReadOnlyList&lt;Price&gt; process) =&gt; ...;</code></example>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class FanOutAttribute : Attribute
{
    /// <summary>Fans out over the result of the task <paramref name="source"/> (use <c>nameof</c>).</summary>
    public FanOutAttribute(string source) => Source = source;

    /// <summary>The task whose collection result is fanned out over; it becomes a dependency.</summary>
    public string Source { get; }

    /// <summary>
    /// Elements per call (≥ 1): the task's parameter then takes an <c>IReadOnlyList&lt;Item&gt;</c> chunk, and its
    /// result list has one entry per chunk. Leave it out to call the task once per element.
    /// </summary>
    public int BatchSize { get; set; }

    /// <summary>How many calls run at once (≥ 1); leave it out for no bound beyond the runner's workers.</summary>
    public int MaxParallel { get; set; }

    /// <summary>What a failed call does (default: <see cref="FanOutFailure.FailFast"/>).</summary>
    public FanOutFailure OnFailure { get; set; }
}

/// <summary>The outcome of one call of a <see cref="FanOutFailure.CollectAll"/> fan-out.</summary>
/// <typeparam name="T">The call's result type.</typeparam>
public readonly struct FanOutResult<T> : IEquatable<FanOutResult<T>>
{
    internal FanOutResult(int index, T value, Exception? exception)
    {
        Index = index;
        Value = value;
        Exception = exception;
    }

    /// <summary>The element's (or chunk's) position in the input.</summary>
    public int Index { get; }

    /// <summary>Whether the call completed.</summary>
    public bool Succeeded => Exception is null;

    /// <summary>The call's result (default when it failed).</summary>
    public T Value { get; }

    /// <summary>Why the call did not complete; null when it did.</summary>
    public Exception? Exception { get; }

    /// <inheritdoc />
    public bool Equals(FanOutResult<T> other) =>
        Index == other.Index && Equals(Exception, other.Exception) && System.Collections.Generic.EqualityComparer<T>.Default.Equals(Value, other.Value);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is FanOutResult<T> other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Index, Value, Exception);

    /// <summary>Whether two outcomes are equal.</summary>
    public static bool operator ==(FanOutResult<T> left, FanOutResult<T> right) => left.Equals(right);

    /// <summary>Whether two outcomes differ.</summary>
    public static bool operator !=(FanOutResult<T> left, FanOutResult<T> right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => Succeeded ? $"[{Index}] {Value}" : $"[{Index}] failed: {Exception!.GetType().Name}";
}

/// <summary>A call of a <see cref="FanOutFailure.FailFast"/> fan-out failed: the others were cancelled and the aggregate does not run.</summary>
public sealed class FanOutFailedException : WorkflowException
{
    /// <summary>Creates the exception.</summary>
    public FanOutFailedException(string taskName, string runId, int index, Exception? innerException)
        : base($"Fan-out '{taskName}' in run {runId} failed: its call for element {index} failed ({innerException?.GetType().Name}: {(innerException is null ? "no exception" : RunTelemetry.SafeMessage(innerException))}); the other calls were cancelled.", innerException)
    {
        TaskName = taskName;
        RunId = runId;
        Index = index;
    }

    /// <summary>The position of the failed element (or chunk) in the input.</summary>
    public int Index { get; }
}
