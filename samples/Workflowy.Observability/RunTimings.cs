using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using Workflowy;

namespace Workflowy.Observability;

/// <summary>
/// What the summary needs beyond the handles: when each task first ran and when it ended, and the failures of the
/// attempts that were retried. Fed by <see cref="WorkflowRunner.TaskStateChanged"/>, which sees a run from its
/// first transition.
/// </summary>
internal sealed class RunTimings
{
    private readonly ConcurrentDictionary<TaskHandle, Entry> _entries = new();

    public void OnStateChanged(object? sender, TaskStateChangedEventArgs e)
    {
        var entry = _entries.GetOrAdd(e.Task, static _ => new Entry());
        var now = Stopwatch.GetTimestamp();
        lock (entry)
        {
            if (e.NewState == TaskState.Running && entry.Started == 0)
            {
                entry.Started = now;
            }
            else if (e.NewState == TaskState.Retrying && e.Exception is not null)
            {
                entry.RetriedFailures.Add(e.Exception);
            }
            else if (e.NewState >= TaskState.Completed)
            {
                entry.Ended = now;
            }
        }
    }

    /// <summary>From the first attempt's start to the end (backoff waits included); null if it never ran.</summary>
    public TimeSpan? Duration(TaskHandle task)
    {
        if (!_entries.TryGetValue(task, out var entry))
        {
            return null;
        }

        lock (entry)
        {
            return entry.Started == 0 || entry.Ended == 0 ? null : Stopwatch.GetElapsedTime(entry.Started, entry.Ended);
        }
    }

    /// <summary>The failures of the attempts that were retried, in order.</summary>
    public IReadOnlyList<Exception> RetriedFailures(TaskHandle task)
    {
        if (!_entries.TryGetValue(task, out var entry))
        {
            return Array.Empty<Exception>();
        }

        lock (entry)
        {
            return entry.RetriedFailures.ToArray();
        }
    }

    private sealed class Entry
    {
        public long Started;
        public long Ended;
        public readonly List<Exception> RetriedFailures = new();
    }
}
