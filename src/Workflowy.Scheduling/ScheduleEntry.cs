using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Workflowy.Scheduling;

/// <summary>A registered schedule as the loop holds it; touched only by the loop.</summary>
internal sealed class ScheduleEntry(string id, ScheduleSpec spec, string workflow, JsonElement staticInputs, ScheduleOptions options, IReadOnlyList<InputBinding> bindings, ScheduleRecord record)
{
    public const int RecentKept = 20;

    public string Id { get; } = id;

    public ScheduleSpec Spec { get; } = spec;

    public string Workflow { get; } = workflow;

    public JsonElement StaticInputs { get; } = staticInputs;

    public ScheduleOptions Options { get; } = options;

    public IReadOnlyList<InputBinding> Bindings { get; } = bindings;

    public ScheduleRecord Record { get; set; } = record;

    /// <summary>The next scheduled (un-jittered) time not yet claimed; null when none is armed.</summary>
    public DateTimeOffset? NextScheduled { get; set; }

    /// <summary>Bumped whenever <see cref="NextScheduled"/> changes: heap items of older generations are stale.</summary>
    public long Generation { get; set; }

    public bool Removed { get; set; }

    /// <summary>Runs started and not yet seen ended.</summary>
    public List<WorkflowRun> Running { get; } = [];

    /// <summary>The newest held-back occurrence (overlap BufferOne).</summary>
    public DateTimeOffset? Buffered { get; set; }

    public Queue<ScheduleOccurrence> Recent { get; } = new();

    public bool FromCompletion => Spec is EverySpec { Measure: IntervalMeasure.FromCompletion };

    public DateTimeOffset FireTimeOf(DateTimeOffset scheduled) => scheduled + StableHash.JitterOf(Id, scheduled, Options.Jitter);

    public DateTimeOffset? NextFire => NextScheduled is { } s ? FireTimeOf(s) : null;

    /// <summary>The first occurrence after the record's last claimed one (or the first one after the anchor).</summary>
    public DateTimeOffset? ComputeNext()
    {
        if (Record.State != ScheduleState.Active)
        {
            return null;
        }

        if (FromCompletion)
        {
            if (Running.Count > 0)
            {
                return null;
            }

            // One interval after the later of the last completion and the last claim (a failed start measures from its claim).
            var interval = ((EverySpec)Spec).Interval;
            if (Record.LastScheduled is not { } lastClaim)
            {
                return Spec.First(Record.Anchor, Id);
            }

            return (Record.LastCompleted is { } completed && completed > lastClaim ? completed : lastClaim) + interval;
        }

        return Record.LastScheduled is { } claimed ? Spec.Next(Record.Anchor, claimed) : Spec.First(Record.Anchor, Id);
    }
}
