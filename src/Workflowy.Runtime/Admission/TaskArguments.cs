using System;
using System.Collections;
using System.Collections.Generic;

namespace Workflowy;

/// <summary>
/// The named argument values of one call of a task, for its concurrency key (<see cref="TaskOptions.Concurrency"/>)
/// and its cache key (<see cref="TaskOptions.Cache"/>). The generator makes them for graph tasks from the task's
/// inputs and dependency results; a submitted task gives them in <see cref="TaskOptions.Arguments"/>:
/// <c>new TaskArguments { { "tenant", tenant }, { "day", day } }</c>.
/// </summary>
public sealed class TaskArguments : IEnumerable<KeyValuePair<string, object?>>
{
    private readonly List<KeyValuePair<string, object?>> _items;

    /// <summary>No arguments yet.</summary>
    public TaskArguments() => _items = new List<KeyValuePair<string, object?>>();

    /// <summary>Room for <paramref name="capacity"/> arguments.</summary>
    public TaskArguments(int capacity) => _items = new List<KeyValuePair<string, object?>>(capacity);

    /// <summary>How many arguments there are.</summary>
    public int Count => _items.Count;

    /// <summary>Adds an argument; a name given twice is an <see cref="ArgumentException"/>.</summary>
    public void Add(string name, object? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (IndexOf(name) >= 0)
        {
            throw new ArgumentException($"The argument '{name}' was given twice.", nameof(name));
        }

        _items.Add(new KeyValuePair<string, object?>(name, value));
    }

    /// <summary>Whether an argument of that name was given.</summary>
    public bool Contains(string name) => IndexOf(name) >= 0;

    /// <summary>The value of the argument <paramref name="name"/>; <see cref="KeyNotFoundException"/> if there is none.</summary>
    public object? this[string name]
    {
        get
        {
            var index = IndexOf(name);
            return index >= 0 ? _items[index].Value : throw new KeyNotFoundException($"There is no argument '{name}'.");
        }
    }

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal int IndexOf(string name)
    {
        for (var i = 0; i < _items.Count; i++)
        {
            if (string.Equals(_items[i].Key, name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    internal KeyValuePair<string, object?> At(int index) => _items[index];
}
