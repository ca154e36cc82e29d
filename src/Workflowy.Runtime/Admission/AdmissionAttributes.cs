using System;
using System.Diagnostics;

namespace Workflowy;

/// <summary>
/// Limits how many calls of a <c>[Task]</c> with equal key arguments run and wait at once in a runner (see
/// <see cref="ConcurrencyOptions"/>). Name the key parameters with <c>nameof</c>; none means one limit for the whole
/// task. Checked at compile time (WFY021, WFY022, WFY024).
/// </summary>
/// <example><code>[Task, ConcurrencyKey(nameof(tenant), MaxRunning = 1, MaxPending = 1, OnLimit = ConcurrencyLimit.Reuse)]
/// public Task&lt;Report&gt; Build(string tenant, DateOnly day) =&gt; ...;</code></example>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class ConcurrencyKeyAttribute : Attribute
{
    /// <summary>Keys the limit by the named parameters.</summary>
    /// <param name="parameters">Parameter names of the task (use <c>nameof</c>).</param>
    public ConcurrencyKeyAttribute(params string[] parameters) => Parameters = parameters ?? Array.Empty<string>();

    /// <summary>The key parameters.</summary>
    public string[] Parameters { get; }

    /// <summary>Calls per key running at once (≥ 1; default 1).</summary>
    public int MaxRunning { get; set; } = 1;

    /// <summary>Calls per key waiting for a slot (≥ 0; default: unlimited for Queue, 1 for Reuse, 0 for Reject).</summary>
    public int MaxPending { get; set; } = -1;

    /// <summary>What a call over the limit does (default: <see cref="ConcurrencyLimit.Queue"/>).</summary>
    public ConcurrencyLimit OnLimit { get; set; }

    /// <summary>For Reuse: what a call whose other arguments differ from the pending call's does (default: <see cref="ArgumentMismatch.Error"/>).</summary>
    public ArgumentMismatch OnArgumentMismatch { get; set; }
}

/// <summary>
/// Caches a <c>[Task]</c>'s result per runner for a time to live given as an invariant time span (<c>"00:10:00"</c>;
/// attribute arguments cannot be <see cref="TimeSpan"/>s): a call whose arguments equal a completed call's takes that
/// result without running. Checked at compile time (WFY021, WFY023, WFY024).
/// </summary>
/// <example><code>[Task, CacheResult("00:10:00", Exclude = new[] { nameof(requestId) })]
/// public Task&lt;Quote&gt; Price(string sku, string requestId) =&gt; ...;</code></example>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class CacheResultAttribute : Attribute
{
    /// <summary>Caches results for <paramref name="timeToLive"/> (invariant <c>[d.]hh:mm:ss[.fffffff]</c>, positive).</summary>
    public CacheResultAttribute(string timeToLive) => TimeToLive = timeToLive;

    /// <summary>The time to live, as written.</summary>
    public string TimeToLive { get; }

    /// <summary>Parameters that are not part of the key (use <c>nameof</c>).</summary>
    public string[]? Exclude { get; set; }
}
