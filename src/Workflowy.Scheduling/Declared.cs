using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.Scheduling;

/// <summary>
/// The schedules and triggers declared with attributes (<c>[Every]</c>, <c>[Cron]</c>, <c>[At]</c>, <c>[OnEvent]</c>,
/// <c>[OnStatus]</c>) in the loaded assemblies. The generator registers them from a module initializer (no reflection);
/// every <see cref="WorkflowScheduler"/> registers them at start unless <see cref="SchedulerOptions.IncludeDeclared"/> is off.
/// </summary>
public static class DeclaredSchedules
{
    private static readonly Lock Gate = new();
    private static readonly List<DeclaredSchedule> SchedulesList = [];
    private static readonly List<DeclaredTrigger> TriggersList = [];

    /// <summary>The declared schedules, in registration order.</summary>
    public static IReadOnlyList<DeclaredSchedule> Schedules
    {
        get
        {
            lock (Gate)
            {
                return [.. SchedulesList];
            }
        }
    }

    /// <summary>The declared triggers, in registration order.</summary>
    public static IReadOnlyList<DeclaredTrigger> Triggers
    {
        get
        {
            lock (Gate)
            {
                return [.. TriggersList];
            }
        }
    }

    /// <summary>Adds a declared schedule; called by generated code. A second one with the same id is ignored.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void Register(DeclaredSchedule schedule)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        lock (Gate)
        {
            if (!SchedulesList.Exists(s => s.Id == schedule.Id))
            {
                SchedulesList.Add(schedule);
            }
        }
    }

    /// <summary>Adds a declared trigger; called by generated code. A second one with the same id is ignored.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void Register(DeclaredTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        lock (Gate)
        {
            if (!TriggersList.Exists(s => s.Id == trigger.Id))
            {
                TriggersList.Add(trigger);
            }
        }
    }
}

/// <summary>A schedule declared with an attribute. The spec is made at scheduler start (an unknown time zone fails there, not at build time).</summary>
/// <param name="Id">Its id: <c>{workflow full name}#{index}</c>, or the attribute's <c>Id</c>.</param>
/// <param name="Workflow">The workflow's full name.</param>
/// <param name="Spec">Makes the spec.</param>
/// <param name="Options">Misfire, overlap, jitter.</param>
/// <param name="InputsJson">Static inputs.</param>
/// <param name="Bindings">Inputs bound to the trigger's context.</param>
public sealed record DeclaredSchedule(string Id, string Workflow, Func<ScheduleSpec> Spec, ScheduleOptions Options, string InputsJson, IReadOnlyList<InputBinding> Bindings);

/// <summary>A trigger declared with attributes.</summary>
/// <param name="Id">Its id: <c>{workflow full name}#trigger</c> (or <c>.{entry point}#trigger</c>), or the attribute's <c>Id</c>.</param>
/// <param name="Workflow">The workflow's full name.</param>
/// <param name="Conditions">Makes the conditions.</param>
/// <param name="Options">Join, correlation, window, overlap.</param>
/// <param name="InputsJson">Static inputs.</param>
/// <param name="Bindings">Inputs bound to the event, the trigger's context, the source's result or inputs.</param>
public sealed record DeclaredTrigger(string Id, string Workflow, Func<IReadOnlyList<TriggerCondition>> Conditions, TriggerOptions Options, string InputsJson, IReadOnlyList<InputBinding> Bindings);

public sealed partial class WorkflowScheduler
{
    private async Task RegisterDeclaredAsync()
    {
        foreach (var declared in DeclaredSchedules.Schedules)
        {
            if (!_entries.ContainsKey(declared.Id))
            {
                await AddDeclaredScheduleAsync(declared).ConfigureAwait(false);
            }
        }

        foreach (var declared in DeclaredSchedules.Triggers)
        {
            if (!_triggers.ContainsKey(declared.Id))
            {
                var entry = new TriggerEntry(declared.Id, declared.Workflow, declared.Conditions(), declared.Options, ParseInputs(declared.Id, declared.InputsJson), declared.Bindings);
                _triggers[entry.Id] = entry;
                foreach (var condition in entry.Conditions)
                {
                    _watchesStatus |= condition is StatusCondition;
                }

                PublishTrigger(entry);
            }
        }
    }

    /// <summary>The body of <see cref="AddScheduleAsync"/> for a declared schedule, run on the loop itself.</summary>
    private async Task AddDeclaredScheduleAsync(DeclaredSchedule declared)
    {
        var spec = declared.Spec().Bind(declared.Id);
        declared.Options.Validate(declared.Id, spec);
        var record = await Store.GetOrAddAsync(new ScheduleRecord(declared.Id, declared.Workflow, spec.Description, TimeProvider.GetUtcNow())).ConfigureAwait(false);
        var entry = new ScheduleEntry(declared.Id, spec, declared.Workflow, ParseInputs(declared.Id, declared.InputsJson), declared.Options, declared.Bindings, record);
        _entries[entry.Id] = entry;
        if (record.State == ScheduleState.Active && entry.ComputeNext() is null && spec is CronSpec)
        {
            entry.Record = await Store.SetStateAsync(entry.Id, ScheduleState.Exhausted, null).ConfigureAwait(false) ?? record with { State = ScheduleState.Exhausted };
        }

        Rearm(entry);
        Publish(entry);
    }
}
