using System;
using System.Collections.Generic;

namespace Workflowy;

/// <summary>What happens to a call of a task whose concurrency key is at its limit (<see cref="ConcurrencyOptions.OnLimit"/>).</summary>
public enum ConcurrencyLimit
{
    /// <summary>The call waits, first in first out per key, until a call with the same key ends (within <see cref="ConcurrencyOptions.MaxPending"/>).</summary>
    Queue = 0,

    /// <summary>
    /// The call takes the outcome of a pending call with the same key instead of running (its handle ends with that
    /// call's result or failure; <see cref="TaskHandle.ReusedFrom"/> names it). Non-key arguments that differ are an
    /// error (<see cref="ConcurrencyArgumentMismatchException"/>) unless <see cref="ConcurrencyOptions.OnArgumentMismatch"/> says otherwise.
    /// </summary>
    Reuse = 1,

    /// <summary>The call never runs: its task ends <see cref="TaskState.Skipped"/> with a <see cref="ConcurrencyRejectedException"/>.</summary>
    Reject = 2,
}

/// <summary>What a <see cref="ConcurrencyLimit.Reuse"/> call does when its non-key arguments differ from the pending call's.</summary>
public enum ArgumentMismatch
{
    /// <summary>The call fails with a <see cref="ConcurrencyArgumentMismatchException"/> naming the argument.</summary>
    Error = 0,

    /// <summary>The call takes the pending call's outcome anyway (the first call's arguments win).</summary>
    KeepFirst = 1,
}

/// <summary>
/// Concurrency control by key arguments (<c>[ConcurrencyKey]</c> on a task, or <see cref="TaskOptions.Concurrency"/>):
/// calls of one task whose key arguments are equal share a limit of running and pending calls, per runner.
/// </summary>
/// <remarks>
/// A call is <em>running</em> from the moment it is admitted to its executor until its task is terminal (retries
/// included), and <em>pending</em> while it waits for a running slot. Keys are compared by the argument values'
/// equality (<see cref="object.Equals(object?)"/>): use strings, numbers, enums, or records of those. The scope is the
/// runner: calls in different runs of one runner share the limit; two runners (or processes) do not.
/// </remarks>
public sealed class ConcurrencyOptions
{
    private readonly int _maxRunning = 1;
    private readonly int? _maxPending;
    private readonly ConcurrencyLimit _onLimit;
    private readonly ArgumentMismatch _onArgumentMismatch;

    /// <summary>A limit keyed by the named arguments; none means one limit for every call of the task.</summary>
    /// <param name="keyArguments">The names of the arguments whose values form the key.</param>
    public ConcurrencyOptions(params string[] keyArguments)
    {
        ArgumentNullException.ThrowIfNull(keyArguments);
        foreach (var name in keyArguments)
        {
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException("A key argument name cannot be null or empty; name a parameter of the task.", nameof(keyArguments));
            }
        }

        KeyArguments = keyArguments;
    }

    /// <summary>The names of the arguments whose values form the key (empty: one key for the whole task).</summary>
    public IReadOnlyList<string> KeyArguments { get; }

    /// <summary>How many calls per key run at once (≥ 1; default 1).</summary>
    public int MaxRunning
    {
        get => _maxRunning;
        init => _maxRunning = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxRunning), value, "MaxRunning must be 1 or more.");
    }

    /// <summary>
    /// How many calls per key wait for a running slot (≥ 0). Default: unlimited for <see cref="ConcurrencyLimit.Queue"/>,
    /// 1 for <see cref="ConcurrencyLimit.Reuse"/>, 0 for <see cref="ConcurrencyLimit.Reject"/>.
    /// </summary>
    public int MaxPending
    {
        get => _maxPending ?? (_onLimit switch { ConcurrencyLimit.Queue => int.MaxValue, ConcurrencyLimit.Reuse => 1, _ => 0 });
        init => _maxPending = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxPending), value, "MaxPending cannot be negative.");
    }

    /// <summary>What a call does when its key is at the limit (default: <see cref="ConcurrencyLimit.Queue"/>).</summary>
    public ConcurrencyLimit OnLimit
    {
        get => _onLimit;
        init => _onLimit = value is ConcurrencyLimit.Queue or ConcurrencyLimit.Reuse or ConcurrencyLimit.Reject
            ? value
            : throw new ArgumentOutOfRangeException(nameof(OnLimit), value, $"{(int)value} is not a ConcurrencyLimit; use Queue, Reuse or Reject.");
    }

    /// <summary>For <see cref="ConcurrencyLimit.Reuse"/>: what a call whose non-key arguments differ does (default: <see cref="ArgumentMismatch.Error"/>).</summary>
    public ArgumentMismatch OnArgumentMismatch
    {
        get => _onArgumentMismatch;
        init => _onArgumentMismatch = value is ArgumentMismatch.Error or ArgumentMismatch.KeepFirst
            ? value
            : throw new ArgumentOutOfRangeException(nameof(OnArgumentMismatch), value, $"{(int)value} is not an ArgumentMismatch; use Error or KeepFirst.");
    }

    /// <summary>Checks what an initializer cannot check property by property; the runtime calls it when a task is created.</summary>
    internal void Validate()
    {
        if (_onLimit == ConcurrencyLimit.Reuse && MaxPending < 1)
        {
            throw new ArgumentException("OnLimit = Reuse reuses a pending call, so MaxPending must be 1 or more.", nameof(MaxPending));
        }
    }
}

/// <summary>
/// Caches a task's result (<c>[CacheResult]</c> on a task, or <see cref="TaskOptions.Cache"/>): a call whose
/// arguments equal those of a call that completed less than <see cref="TimeToLive"/> ago ends
/// <see cref="TaskState.Completed"/> with that result without running (<see cref="TaskHandle.ResultSource"/> is
/// <see cref="Workflowy.ResultSource.Cache"/>); concurrent calls with equal arguments run once.
/// </summary>
/// <remarks>
/// The key is the task's identity (workflow and task name, or a submitted task's <see cref="TaskOptions.Name"/>) and
/// its arguments, compared by the values' equality, minus the arguments named in <see cref="Exclude"/>. Only completed
/// results are cached; a failure is not. Time is read from the runner's <see cref="WorkflowRunner.TimeProvider"/>. The
/// store is the runner's <see cref="WorkflowRunner.ResultCache"/> (in memory by default).
/// </remarks>
public sealed class ResultCacheOptions
{
    /// <summary>Caches results for <paramref name="timeToLive"/>.</summary>
    /// <param name="timeToLive">How long a result is served (&gt; 0).</param>
    public ResultCacheOptions(TimeSpan timeToLive)
    {
        TimeToLive = timeToLive > TimeSpan.Zero
            ? timeToLive
            : throw new ArgumentOutOfRangeException(nameof(timeToLive), timeToLive, "A cache's time to live must be positive.");
    }

    /// <summary>How long a result is served after the call that produced it completed.</summary>
    public TimeSpan TimeToLive { get; }

    /// <summary>Arguments that are not part of the key (a logger, a correlation id).</summary>
    public IReadOnlyList<string> Exclude { get; init; } = Array.Empty<string>();
}
