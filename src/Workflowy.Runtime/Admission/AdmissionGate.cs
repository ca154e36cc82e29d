using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;

namespace Workflowy;

/// <summary>
/// One call of a gated task (a task with <see cref="TaskOptions.Concurrency"/> or <see cref="TaskOptions.Cache"/>):
/// its arguments, its place in its concurrency key, the cache flight it leads, and the calls that take its outcome.
/// </summary>
internal sealed class AdmissionTicket
{
    public AdmissionTicket(TaskHandle handle, TaskArguments arguments)
    {
        Handle = handle;
        Arguments = arguments;
    }

    public TaskHandle Handle { get; }

    /// <summary>The call's arguments; let go once it is released (a completed task keeps its ticket for <see cref="ResultSource"/>).</summary>
    public TaskArguments Arguments { get; private set; }

    /// <summary>Where the result of a call that completed came from.</summary>
    public ResultSource ResultSource;

    /// <summary>The pending call whose outcome this one took (<see cref="ConcurrencyLimit.Reuse"/>).</summary>
    public TaskHandle? ReusedFrom;

    public void ForgetArguments() => Arguments = Empty;

    private static readonly TaskArguments Empty = new(0);

    /// <summary>The concurrency key's state while this call is pending or running in it.</summary>
    public AdmissionGate.KeyState? Key;

    /// <summary>The key of the cache flight this call leads.</summary>
    public ResultCacheKey? Flight;

    public TimeSpan CacheTimeToLive;

    /// <summary>Pending, or running (counted in the key's running calls).</summary>
    public bool Pending;

    public bool Running;

    /// <summary>Admitted to its executor: a retry or a re-post passes the gate.</summary>
    public bool Admitted;

    /// <summary>Its slot, flight and followers were given up (its task ended, or its run did).</summary>
    public int Released;

    /// <summary>Calls that take this one's outcome (<see cref="ConcurrencyLimit.Reuse"/>).</summary>
    public List<TaskHandle>? Followers;
}

/// <summary>
/// A runner's admission state: the running and pending calls per concurrency key, and the cache flights (a call
/// computing a result that equal calls wait for). Everything is under one lock; the work done under it is counting.
/// </summary>
internal sealed class AdmissionGate
{
    private readonly Dictionary<ResultCacheKey, KeyState> _keys = new();
    private readonly Dictionary<ResultCacheKey, List<TaskHandle>> _flights = new();

    public Lock Sync { get; } = new();

    /// <summary>The calls of one key.</summary>
    internal sealed class KeyState
    {
        public KeyState(ResultCacheKey key) => Key = key;

        public ResultCacheKey Key { get; }

        public int Running;

        public readonly List<AdmissionTicket> Pending = new();
    }

    /// <summary>Under <see cref="Sync"/>: the state of <paramref name="key"/>, made if absent.</summary>
    public KeyState KeyOf(ResultCacheKey key)
    {
        if (!_keys.TryGetValue(key, out var state))
        {
            state = new KeyState(key);
            _keys[key] = state;
        }

        return state;
    }

    /// <summary>Under <see cref="Sync"/>: forgets a key no call uses any more.</summary>
    public void Forget(KeyState state)
    {
        if (state.Running == 0 && state.Pending.Count == 0)
        {
            _keys.Remove(state.Key);
        }
    }

    /// <summary>Under <see cref="Sync"/>: the waiters of the flight for <paramref name="key"/>, if one is in progress.</summary>
    public List<TaskHandle>? FlightOf(ResultCacheKey key) => _flights.TryGetValue(key, out var waiters) ? waiters : null;

    /// <summary>Under <see cref="Sync"/>: starts a flight.</summary>
    public void BeginFlight(ResultCacheKey key) => _flights[key] = new List<TaskHandle>();

    /// <summary>Under <see cref="Sync"/>: ends a flight and gives its waiters.</summary>
    public List<TaskHandle>? EndFlight(ResultCacheKey key) => _flights.Remove(key, out var waiters) ? waiters : null;

    /// <summary>How many keys hold calls now (for tests: a key whose calls all ended is forgotten).</summary>
    public int KeyCount
    {
        get
        {
            lock (Sync)
            {
                return _keys.Count;
            }
        }
    }
}

/// <summary>Texts for admission messages.</summary>
internal static class AdmissionText
{
    public static string Value(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s + "\"",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => SafeToString(value),
    };

    public static string Describe(string task, IReadOnlyList<KeyValuePair<string, object?>> arguments)
    {
        var builder = new System.Text.StringBuilder(task).Append('(');
        for (var i = 0; i < arguments.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(", ");
            }

            builder.Append(arguments[i].Key).Append(": ").Append(Value(arguments[i].Value));
        }

        return builder.Append(')').ToString();
    }

    private static string SafeToString(object value)
    {
        try
        {
            return value.ToString() ?? value.GetType().Name;
        }
        catch (Exception)
        {
            return value.GetType().Name;
        }
    }
}
