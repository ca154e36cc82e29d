using System;
using System.Collections.Generic;
using System.Linq;

namespace Workflowy.Scheduling;

/// <summary>The records and outcomes of a store, with the store operations as plain functions; both stores use it (one under a lock, the other inside a locked file change).</summary>
internal sealed class ScheduleStoreState
{
    public const int KeptPerSchedule = 1000;

    public SortedDictionary<string, ScheduleRecord> Records { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, List<ScheduleOccurrence>> Occurrences { get; } = new(StringComparer.Ordinal);

    public ScheduleRecord GetOrAdd(ScheduleRecord record)
    {
        if (Records.TryGetValue(record.Id, out var existing))
        {
            return existing;
        }

        Records[record.Id] = record;
        return record;
    }

    public ScheduleRecord? TryClaim(string id, DateTimeOffset? expected, DateTimeOffset lastScheduled, DateTimeOffset? firedAt)
    {
        if (!Records.TryGetValue(id, out var record) || record.Paused || record.LastScheduled != expected)
        {
            return null;
        }

        var claimed = record with { LastScheduled = lastScheduled, LastFired = firedAt ?? record.LastFired };
        Records[id] = claimed;
        return claimed;
    }

    public ScheduleRecord? SetPaused(string id, bool paused, DateTimeOffset at)
    {
        if (!Records.TryGetValue(id, out var record))
        {
            return null;
        }

        var changed = record with { Paused = paused, PausedAt = paused ? at : null };
        Records[id] = changed;
        return changed;
    }

    public ScheduleRecord? SetState(string id, ScheduleState state, DateTimeOffset? lastCompleted)
    {
        if (!Records.TryGetValue(id, out var record))
        {
            return null;
        }

        var changed = record with { State = state, LastCompleted = lastCompleted ?? record.LastCompleted };
        Records[id] = changed;
        return changed;
    }

    public void Append(IReadOnlyList<ScheduleOccurrence> occurrences)
    {
        foreach (var occurrence in occurrences)
        {
            if (!Occurrences.TryGetValue(occurrence.ScheduleId, out var list))
            {
                list = new List<ScheduleOccurrence>();
                Occurrences[occurrence.ScheduleId] = list;
            }

            list.Add(occurrence);
            if (list.Count > KeptPerSchedule + (KeptPerSchedule / 4))
            {
                list.RemoveRange(0, list.Count - KeptPerSchedule);
            }
        }
    }

    public IReadOnlyList<ScheduleOccurrence> Query(string? scheduleId, int max)
    {
        IEnumerable<ScheduleOccurrence> all = scheduleId is null
            ? Occurrences.Values.SelectMany(l => l).OrderBy(o => o.RecordedAt).ThenBy(o => o.ScheduledTime)
            : Occurrences.TryGetValue(scheduleId, out var list) ? list : [];
        var array = all.ToArray();
        return array.Length <= max ? array : array[^max..];
    }
}
