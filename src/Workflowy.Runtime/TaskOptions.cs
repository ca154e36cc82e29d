using System;

namespace Workflowy;

/// <summary>
/// How a task is run: backend, attempts, backoff, retry filter, timeout, dependency-failure policy. The generator
/// builds one per <c>[Task]</c> from its attribute; pass one to <c>Submit</c> for dynamic tasks.
/// </summary>
/// <remarks>
/// Values are checked as they are set, as <c>[Task]</c> checks them at compile time (WFY005): a value out of range,
/// a value outside its enum, or both <see cref="Retries"/> and <see cref="MaxAttempts"/> throw an
/// <see cref="ArgumentException"/>.
/// </remarks>
public sealed class TaskOptions
{
    private const string RetriesAndMaxAttempts =
        "Set Retries or MaxAttempts, not both: they say the same thing two ways (Retries = n is MaxAttempts = n + 1). Keep one.";

    private readonly int _maxAttempts = 1;
    private readonly AttemptsSetter _attemptsSetBy;
    private readonly Backend _backend;
    private readonly Backoff _backoff = Backoff.Exponential;
    private readonly DependencyFailure _onDependencyFailure;
    private readonly TimeSpan _backoffBase = TimeSpan.FromSeconds(1);
    private readonly TimeSpan _backoffCap = TimeSpan.FromSeconds(30);
    private readonly double _backoffJitter;
    private readonly TimeSpan? _timeout;

    /// <summary>The options of a task that declares none.</summary>
    public static TaskOptions Default { get; } = new();

    /// <summary>A name for a dynamic task (static tasks are named by the graph).</summary>
    public string? Name { get; init; }

    /// <summary>
    /// A submitted task's identity in its run, for checkpoints: a task with the same key that completed in an earlier
    /// process is restored instead of run again. Default: the parent's key and the task's place among its siblings.
    /// </summary>
    public string? Key { get; init; }

    /// <summary>How to store a submitted task's result in a checkpoint (a <c>JsonTypeInfo&lt;T&gt;</c> from a source-generated context); default: the workflow's serializer, if any.</summary>
    public System.Text.Json.Serialization.Metadata.JsonTypeInfo? ResultTypeInfo { get; init; }

    /// <summary>
    /// Where the body runs: a member of <see cref="Workflowy.Backend"/>, or a backend a sibling package gives the runner
    /// an executor for (<see cref="WorkflowRunner.Executors"/>). A value no executor of the runner runs is refused at submit.
    /// </summary>
    public Backend Backend
    {
        get => _backend;
        init => _backend = BackendInfo.IsStorable(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Backend), value, $"{(int)value} is not a Backend; use {BackendInfo.Names}.");
    }

    /// <summary>Attempts in all (≥ 1; default 1). Do not combine with <see cref="Retries"/>.</summary>
    public int MaxAttempts
    {
        get => _maxAttempts;
        init
        {
            _attemptsSetBy = SetAttemptsBy(AttemptsSetter.MaxAttempts, nameof(MaxAttempts));
            _maxAttempts = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxAttempts), value, "A task needs at least one attempt.");
        }
    }

    /// <summary>Additional attempts after the first (sets <see cref="MaxAttempts"/> to this + 1). Do not combine with <see cref="MaxAttempts"/>.</summary>
    public int Retries
    {
        get => _maxAttempts - 1;
        init
        {
            _attemptsSetBy = SetAttemptsBy(AttemptsSetter.Retries, nameof(Retries));
            _maxAttempts = value >= 0 ? value + 1 : throw new ArgumentOutOfRangeException(nameof(Retries), value, "Retries cannot be negative.");
        }
    }

    /// <summary>The delay between attempts (default: exponential).</summary>
    public Backoff Backoff
    {
        get => _backoff;
        init => _backoff = OptionInfo.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Backoff), value, $"{(int)value} is not a Backoff; use {OptionInfo.BackoffNames}.");
    }

    /// <summary>The backoff base (default 1 s).</summary>
    public TimeSpan BackoffBase
    {
        get => _backoffBase;
        init => _backoffBase = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(BackoffBase), value, "The backoff base cannot be negative.");
    }

    /// <summary>The longest backoff delay (default 30 s).</summary>
    public TimeSpan BackoffCap
    {
        get => _backoffCap;
        init => _backoffCap = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(BackoffCap), value, "The backoff cap cannot be negative.");
    }

    /// <summary>Random jitter, a fraction of each delay between 0 and 1 by which it may be reduced (default 0).</summary>
    public double BackoffJitter
    {
        get => _backoffJitter;
        init => _backoffJitter = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(BackoffJitter), value, "Jitter is a fraction between 0 and 1.");
    }

    /// <summary>Which failures are retried (default: any, except the task's own cancellation and timeout).</summary>
    public Func<Exception, bool>? RetryOn { get; init; }

    /// <summary>Per-attempt timeout (default: none). A timeout is terminal.</summary>
    public TimeSpan? Timeout
    {
        get => _timeout;
        init => _timeout = value is null || value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(Timeout), value, "A timeout must be positive.");
    }

    /// <summary>What happens when a dependency did not complete (default: fail).</summary>
    public DependencyFailure OnDependencyFailure
    {
        get => _onDependencyFailure;
        init => _onDependencyFailure = OptionInfo.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(OnDependencyFailure), value, $"{(int)value} is not a DependencyFailure; use {OptionInfo.DependencyFailureNames}.");
    }

    /// <summary>For a task submitted from inside another task: whether it is detached from birth (not cancelled when its parent is cancelled or finishes).</summary>
    public bool Detached { get; init; }

    /// <summary>
    /// Concurrency control by key arguments (<c>[ConcurrencyKey]</c> on a graph task): how many calls with equal key
    /// arguments run and wait at once in the runner, and what a call over the limit does. A submitted task needs a
    /// <see cref="Name"/> and its <see cref="Arguments"/>. See docs/concurrency-and-caching.md.
    /// </summary>
    public ConcurrencyOptions? Concurrency
    {
        get => _concurrency;
        init
        {
            value?.Validate();
            _concurrency = value;
        }
    }

    /// <summary>
    /// A result cache (<c>[CacheResult]</c> on a graph task): a call whose arguments equal a completed call's within the
    /// time to live takes that result without running. A submitted task needs a <see cref="Name"/> (its identity in the cache).
    /// </summary>
    public ResultCacheOptions? Cache { get; init; }

    /// <summary>A submitted task's named arguments, for its concurrency and cache keys (graph tasks get theirs from the generator).</summary>
    public TaskArguments? Arguments { get; init; }

    private readonly ConcurrencyOptions? _concurrency;

    /// <summary>
    /// A fan-out's call (FanOut/): its failure goes to the fan-out task that awaits it (which fails, or collects it),
    /// not to the run's error policy.
    /// </summary>
    internal bool FailureGoesToParent { get; init; }

    /// <summary>Whether tasks with these options pass the admission gate (Admission/).</summary>
    internal bool IsGated => _concurrency is not null || Cache is not null;

    /// <summary>What a submission with concurrency or cache options must give; throws an <see cref="ArgumentException"/> otherwise.</summary>
    internal void ValidateForSubmit()
    {
        if (string.IsNullOrEmpty(Name))
        {
            throw new ArgumentException("A submitted task with Concurrency or Cache options needs a Name: it is the task's identity in the keys.", "options");
        }

        if (_concurrency is not null)
        {
            foreach (var name in _concurrency.KeyArguments)
            {
                if (Arguments is null || !Arguments.Contains(name))
                {
                    throw new ArgumentException($"Task '{Name}' has the concurrency key argument '{name}', but TaskOptions.Arguments does not give it; add it: Arguments = new TaskArguments {{ {{ \"{name}\", value }} }}.", "options");
                }
            }
        }
    }

    /// <summary>The delay before attempt <paramref name="failedAttempt"/> + 1, without jitter.</summary>
    /// <param name="failedAttempt">The 1-based number of the attempt that failed.</param>
    public TimeSpan DelayAfter(int failedAttempt)
    {
        if (failedAttempt < 1 || Backoff == Backoff.None || _backoffBase == TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        var factor = Backoff == Backoff.Linear ? failedAttempt : Math.Pow(2, Math.Min(failedAttempt - 1, 62));
        var ticks = _backoffBase.Ticks * factor;
        return ticks >= _backoffCap.Ticks ? _backoffCap : TimeSpan.FromTicks((long)ticks);
    }

    internal bool IsRetryable(Exception exception) => RetryOn?.Invoke(exception) ?? true;

    /// <summary>Records which of Retries and MaxAttempts an initializer set; the second of the two throws.</summary>
    private AttemptsSetter SetAttemptsBy(AttemptsSetter setter, string parameter) =>
        _attemptsSetBy == AttemptsSetter.None || _attemptsSetBy == setter ? setter : throw new ArgumentException(RetriesAndMaxAttempts, parameter);

    private enum AttemptsSetter : byte
    {
        None,
        Retries,
        MaxAttempts,
    }
}
