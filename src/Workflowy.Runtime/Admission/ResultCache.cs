using System;
using System.Collections.Generic;
using System.Threading;

namespace Workflowy;

/// <summary>
/// Where a runner keeps cached task results (<see cref="WorkflowRunner.ResultCache"/>). The runtime reads the clock
/// and passes it in, so an implementation needs none; it must be safe to call from several threads.
/// </summary>
/// <remarks>
/// The runner's admission gate calls <see cref="TryGet"/> while it holds its lock (so that concurrent misses of one key
/// run once), which every task with a concurrency key or a cache goes through: keep the calls quick and non-blocking
/// (an in-process lookup). A cache across processes or machines belongs behind a local copy, not in these calls.
/// </remarks>
public interface IResultCache
{
    /// <summary>The result stored under <paramref name="key"/> if it has not expired at <paramref name="now"/>.</summary>
    bool TryGet(ResultCacheKey key, DateTimeOffset now, out object? value);

    /// <summary>Stores a completed result until <paramref name="expiresAt"/>, replacing any stored under the key.</summary>
    void Set(ResultCacheKey key, object? value, DateTimeOffset expiresAt);

    /// <summary>Removes the result stored under <paramref name="key"/>; false if there was none.</summary>
    bool Invalidate(ResultCacheKey key);
}

/// <summary>
/// The key of a cached result: the task's identity and its arguments (names and values, compared with
/// <see cref="object.Equals(object?, object?)"/>), without the excluded ones. A graph task's identity is
/// <c>{workflow full name}.{task name}</c>; a submitted task's is its <see cref="TaskOptions.Name"/>.
/// </summary>
public sealed class ResultCacheKey : IEquatable<ResultCacheKey>
{
    private readonly KeyValuePair<string, object?>[] _arguments;
    private readonly int _hash;

    /// <summary>The key of a call of <paramref name="task"/> with <paramref name="arguments"/>.</summary>
    public ResultCacheKey(string task, TaskArguments arguments)
        : this(task, arguments, Array.Empty<string>())
    {
    }

    internal ResultCacheKey(string task, TaskArguments arguments, IReadOnlyList<string> exclude)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(arguments);
        Task = task;
        var kept = new List<KeyValuePair<string, object?>>(arguments.Count);
        foreach (var argument in arguments)
        {
            if (!Contains(exclude, argument.Key))
            {
                kept.Add(argument);
            }
        }

        _arguments = kept.ToArray();
        var hash = new HashCode();
        hash.Add(task, StringComparer.Ordinal);
        foreach (var argument in _arguments)
        {
            hash.Add(argument.Key, StringComparer.Ordinal);
            hash.Add(argument.Value);
        }

        _hash = hash.ToHashCode();
    }

    /// <summary>The task's identity.</summary>
    public string Task { get; }

    /// <summary>The arguments in the key, in the task's parameter order.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> Arguments => _arguments;

    /// <inheritdoc />
    public bool Equals(ResultCacheKey? other)
    {
        if (other is null || other._hash != _hash || !string.Equals(other.Task, Task, StringComparison.Ordinal) || other._arguments.Length != _arguments.Length)
        {
            return false;
        }

        for (var i = 0; i < _arguments.Length; i++)
        {
            if (!string.Equals(_arguments[i].Key, other._arguments[i].Key, StringComparison.Ordinal) || !Equals(_arguments[i].Value, other._arguments[i].Value))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ResultCacheKey);

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

    /// <inheritdoc />
    public override string ToString() => AdmissionText.Describe(Task, _arguments);

    private static bool Contains(IReadOnlyList<string> names, string name)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// The default <see cref="IResultCache"/>: in memory, bounded (least recently used entries go first), expired entries
/// dropped when they are read.
/// </summary>
public sealed class InMemoryResultCache : IResultCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ResultCacheKey, LinkedListNode<Entry>> _entries = new();
    private readonly LinkedList<Entry> _recency = new();

    /// <summary>A cache holding at most <paramref name="capacity"/> results (default 10,000).</summary>
    public InMemoryResultCache(int capacity = 10_000)
    {
        Capacity = capacity >= 1 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "The capacity must be 1 or more.");
    }

    /// <summary>The most results it holds.</summary>
    public int Capacity { get; }

    /// <summary>How many results it holds now (expired ones included until they are read or pushed out).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <inheritdoc />
    public bool TryGet(ResultCacheKey key, DateTimeOffset now, out object? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var node))
            {
                if (node.Value.ExpiresAt > now)
                {
                    _recency.Remove(node);
                    _recency.AddFirst(node);
                    value = node.Value.Value;
                    return true;
                }

                _recency.Remove(node);
                _entries.Remove(key);
            }
        }

        value = null;
        return false;
    }

    /// <inheritdoc />
    public void Set(ResultCacheKey key, object? value, DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                _recency.Remove(existing);
                _entries.Remove(key);
            }

            while (_entries.Count >= Capacity && _recency.Last is { } oldest)
            {
                _recency.RemoveLast();
                _entries.Remove(oldest.Value.Key);
            }

            _entries[key] = _recency.AddFirst(new Entry(key, value, expiresAt));
        }
    }

    /// <inheritdoc />
    public bool Invalidate(ResultCacheKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        lock (_lock)
        {
            if (!_entries.Remove(key, out var node))
            {
                return false;
            }

            _recency.Remove(node);
            return true;
        }
    }

    private sealed record Entry(ResultCacheKey Key, object? Value, DateTimeOffset ExpiresAt);
}
