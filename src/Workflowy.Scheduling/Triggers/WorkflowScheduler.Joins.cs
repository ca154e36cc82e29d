using System;
using System.Collections.Generic;

namespace Workflowy.Scheduling;

// All-joins: occurrences waiting for their partners, and their expiry (R11).
public sealed partial class WorkflowScheduler
{
    private static bool AllEmpty(Queue<JoinOccurrence>[] queues)
    {
        foreach (var q in queues)
        {
            if (q.Count > 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Drops join occurrences past their window, recording each as Expired(Join).</summary>
    private void ExpireJoins(DateTimeOffset now)
    {
        foreach (var trigger in _triggers.Values)
        {
            if (trigger.Pending.Count == 0)
            {
                continue;
            }

            List<string>? empty = null;
            foreach (var (key, queues) in trigger.Pending)
            {
                for (var i = 0; i < queues.Length; i++)
                {
                    while (queues[i].TryPeek(out var oldest) && oldest.Expires <= now)
                    {
                        queues[i].Dequeue();
                        RecordTrigger(trigger, new ScheduleOccurrence(trigger.Id, oldest.At, now, OccurrenceOutcome.Expired, OccurrenceReason.Join)
                        {
                            EventId = oldest.EventId,
                            Condition = trigger.Conditions[i].Name,
                            Detail = $"no partner within {trigger.Options.Within}",
                        });
                    }
                }

                if (AllEmpty(queues))
                {
                    (empty ??= []).Add(key);
                }
            }

            foreach (var key in empty ?? [])
            {
                trigger.Pending.Remove(key);
            }
        }
    }

    private DateTimeOffset? NextJoinExpiry()
    {
        DateTimeOffset? next = null;
        foreach (var trigger in _triggers.Values)
        {
            foreach (var queues in trigger.Pending.Values)
            {
                foreach (var queue in queues)
                {
                    if (queue.TryPeek(out var oldest) && (next is null || oldest.Expires < next))
                    {
                        next = oldest.Expires;
                    }
                }
            }
        }

        return next;
    }
}
