using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.Scheduling;

// Schedules: registration, pause/resume, and what happens when occurrences are due (R2–R8, R16).
public sealed partial class WorkflowScheduler
{
    /// <summary>Most occurrences enumerated for one due pass (a 1-second schedule stopped for a year): the rest are counted in the fire's missed count, not recorded one by one.</summary>
    internal const int MaxEnumerated = 10_000;

    /// <summary>
    /// Registers a schedule (or, if one with this id is in the store, takes over its state: anchor, last claimed
    /// occurrence, pause). Returns its snapshot.
    /// </summary>
    /// <param name="id">Its id (stable across restarts: the store's key, the seed of cron <c>H</c> and of jitter).</param>
    /// <param name="spec">When it fires.</param>
    /// <param name="workflow">The workflow's full or short name in <see cref="WorkflowCatalog"/>.</param>
    /// <param name="inputsJson">Static inputs: a JSON object.</param>
    /// <param name="options">Misfire, overlap, jitter; default <see cref="ScheduleOptions.Default"/>.</param>
    /// <param name="bindings">Inputs bound to the trigger's context (<see cref="TriggerValue"/>).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="SchedulingConfigurationException">An option is out of range, the inputs are not a JSON object, or the id is taken by a trigger.</exception>
    public Task<ScheduleInfo> AddScheduleAsync(string id, ScheduleSpec spec, string workflow, string inputsJson = "{}", ScheduleOptions? options = null, IReadOnlyList<InputBinding>? bindings = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrEmpty(workflow);
        options ??= ScheduleOptions.Default;
        options.Validate(id, spec);
        var inputs = ParseInputs(id, inputsJson);
        var bound = spec.Bind(id);
        return InvokeAsync(async () =>
        {
            if (_triggers.ContainsKey(id))
            {
                throw new SchedulingConfigurationException($"'{id}' is the id of a trigger; give the schedule another id.");
            }

            if (_entries.Remove(id, out var previous))
            {
                previous.Removed = true;
            }

            var now = TimeProvider.GetUtcNow();
            var record = await Store.GetOrAddAsync(new ScheduleRecord(id, workflow, bound.Description, now), cancellationToken).ConfigureAwait(false);
            var entry = new ScheduleEntry(id, bound, workflow, inputs, options, bindings ?? [], record);
            _entries[id] = entry;
            if (record.State == ScheduleState.Active && entry.ComputeNext() is null && bound is CronSpec)
            {
                // A cron expression with no further occurrence (February 30): Exhausted, no timer, no error.
                entry.Record = await Store.SetStateAsync(id, ScheduleState.Exhausted, null, cancellationToken).ConfigureAwait(false) ?? record with { State = ScheduleState.Exhausted };
            }

            Rearm(entry);
            return Publish(entry);
        }, cancellationToken);
    }

    /// <summary>Removes a schedule from this scheduler and the store (its recorded outcomes stay). False if there was none.</summary>
    public Task<bool> RemoveScheduleAsync(string id, CancellationToken cancellationToken = default) => InvokeAsync(async () =>
    {
        if (!_entries.Remove(id, out var entry))
        {
            return false;
        }

        entry.Removed = true;
        _infos.TryRemove(id, out _);
        await Store.RemoveAsync(id, cancellationToken).ConfigureAwait(false);
        return true;
    }, cancellationToken);

    /// <summary>Pauses a schedule (persisted: it stays paused after a restart, and other schedulers sharing the store claim nothing). False if there is none.</summary>
    public Task<bool> PauseAsync(string id, CancellationToken cancellationToken = default) => InvokeAsync(async () =>
    {
        if (!_entries.TryGetValue(id, out var entry))
        {
            return PauseTrigger(id, paused: true);
        }

        entry.Record = await Store.SetPausedAsync(id, paused: true, TimeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false) ?? entry.Record with { Paused = true };
        Rearm(entry);
        Publish(entry);
        return true;
    }, cancellationToken);

    /// <summary>
    /// Resumes a paused schedule. The occurrences missed while paused are recorded as skipped (reason Paused) by
    /// default, or go through the misfire policy with <see cref="ResumeMissed.ApplyMisfirePolicy"/>. False if there is none.
    /// </summary>
    public Task<bool> ResumeAsync(string id, ResumeMissed missed = ResumeMissed.Skip, CancellationToken cancellationToken = default) => InvokeAsync(async () =>
    {
        if (!_entries.TryGetValue(id, out var entry))
        {
            return PauseTrigger(id, paused: false);
        }

        var now = TimeProvider.GetUtcNow();
        entry.Record = await Store.SetPausedAsync(id, paused: false, now, cancellationToken).ConfigureAwait(false) ?? entry.Record with { Paused = false };
        entry.NextScheduled = entry.ComputeNext();
        if (missed == ResumeMissed.Skip)
        {
            var skipped = new List<DateTimeOffset>();
            for (var s = entry.NextScheduled; s is { } at && entry.FireTimeOf(at) <= now && skipped.Count < MaxEnumerated; s = entry.Spec.Next(entry.Record.Anchor, at))
            {
                skipped.Add(at);
            }

            if (skipped.Count > 0 && await ClaimAsync(entry, skipped[^1], firedAt: null, cancellationToken).ConfigureAwait(false))
            {
                foreach (var at in skipped)
                {
                    Record(new ScheduleOccurrence(id, at, now, OccurrenceOutcome.Skipped, OccurrenceReason.Paused), entry);
                }

                await EndOneShotAsync(entry, fired: false, cancellationToken).ConfigureAwait(false);
            }
        }
        else if (IsStarted && entry.NextFire is { } due && due <= now)
        {
            await ProcessDueAsync(entry, now, forceMisfire: true, cancellationToken).ConfigureAwait(false);
            return true;
        }

        Rearm(entry);
        Publish(entry);
        return true;
    }, cancellationToken);

    /// <summary>Starts a run of the schedule's workflow now, outside its timing (the CLI's <c>schedules trigger</c>); the overlap policy does not apply. Null if there is no such schedule.</summary>
    public Task<WorkflowRun?> TriggerNowAsync(string id, CancellationToken cancellationToken = default) => InvokeAsync(async () =>
    {
        if (!_entries.TryGetValue(id, out var entry))
        {
            return null;
        }

        var now = TimeProvider.GetUtcNow();
        var run = await StartScheduledAsync(entry, now, now, missedCount: 0, isLate: false, manual: true, cancellationToken).ConfigureAwait(false);
        Publish(entry);
        return run;
    }, cancellationToken);

    /// <summary>The next <paramref name="count"/> scheduled times of a schedule after now (un-jittered; a FromCompletion schedule gives at most one). Empty for an unknown, paused or ended schedule.</summary>
    public IReadOnlyList<DateTimeOffset> GetUpcoming(string id, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var result = new List<DateTimeOffset>();
        if (GetSchedule(id) is not { IsTrigger: false, Paused: false, NextFireTime: not null } info || !_entrySpecs.TryGetValue(id, out var known))
        {
            return result;
        }

        var (spec, anchor) = known;
        var fromCompletion = spec is EverySpec { Measure: IntervalMeasure.FromCompletion };
        DateTimeOffset? at = fromCompletion ? info.NextFireTime : info.LastScheduled is { } last ? spec.Next(anchor, last) : spec.First(anchor, id);
        for (; at is { } a && result.Count < count; at = fromCompletion ? null : spec.Next(anchor, a))
        {
            result.Add(a);
        }

        return result;
    }

    private static JsonElement ParseInputs(string id, string inputsJson)
    {
        ArgumentNullException.ThrowIfNull(inputsJson);
        try
        {
            using var document = JsonDocument.Parse(inputsJson);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SchedulingConfigurationException($"'{id}': the static inputs must be a JSON object, not {document.RootElement.ValueKind}.");
            }

            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new SchedulingConfigurationException($"'{id}': the static inputs are not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Recomputes the entry's next occurrence and queues it in the heap (unless paused or ended).</summary>
    private void Rearm(ScheduleEntry entry)
    {
        entry.Generation++;
        entry.NextScheduled = entry.Record.Paused ? null : entry.ComputeNext();
        if (entry.NextFire is { } fire)
        {
            _due.Enqueue((entry, entry.Generation), fire);
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (ScheduleSpec Spec, DateTimeOffset Anchor)> _entrySpecs = new(StringComparer.Ordinal);

    private ScheduleInfo Publish(ScheduleEntry entry)
    {
        var info = new ScheduleInfo(entry.Id, entry.Workflow, entry.Spec.Description, IsTrigger: false)
        {
            State = entry.Record.State,
            Paused = entry.Record.Paused,
            NextFireTime = entry.Record.Paused ? null : entry.NextFire,
            LastScheduled = entry.Record.LastScheduled,
            LastFired = entry.Record.LastFired,
            RunningCount = entry.Running.Count,
            RecentOutcomes = [.. entry.Recent],
        };
        _infos[entry.Id] = info;
        _entrySpecs[entry.Id] = (entry.Spec, entry.Record.Anchor);
        return info;
    }

    /// <summary>Claims occurrences up to <paramref name="lastScheduled"/> by compare-and-swap; on a lost race, takes the store's state (another scheduler handled them).</summary>
    private async Task<bool> ClaimAsync(ScheduleEntry entry, DateTimeOffset lastScheduled, DateTimeOffset? firedAt, CancellationToken cancellationToken)
    {
        var claimed = await Store.TryClaimAsync(entry.Id, entry.Record.LastScheduled, lastScheduled, firedAt, cancellationToken).ConfigureAwait(false);
        if (claimed is not null)
        {
            entry.Record = claimed;
            return true;
        }

        entry.Record = await Store.GetAsync(entry.Id, cancellationToken).ConfigureAwait(false) ?? entry.Record;
        Rearm(entry);
        Publish(entry);
        return false;
    }

    /// <summary>An At schedule is over once its instant was claimed: Completed if it fired (or will, buffered), else Expired.</summary>
    private async Task EndOneShotAsync(ScheduleEntry entry, bool fired, CancellationToken cancellationToken)
    {
        if (entry.Spec is AtSpec)
        {
            var state = fired ? ScheduleState.Completed : ScheduleState.Expired;
            entry.Record = await Store.SetStateAsync(entry.Id, state, null, cancellationToken).ConfigureAwait(false) ?? entry.Record with { State = state };
        }
    }
}
