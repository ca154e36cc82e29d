using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.Scheduling;

// What happens when a schedule's occurrences are due: misfire (R5), overlap (R6), the claim (R16), the run's start.
public sealed partial class WorkflowScheduler
{
    /// <summary>
    /// Handles every occurrence of <paramref name="entry"/> due at <paramref name="now"/>: occurrences within the misfire
    /// threshold fire normally (late if after their time); later ones go through the misfire policy (all of them when
    /// <paramref name="forceMisfire"/>, on a resume that applies it). All are claimed in one compare-and-swap first.
    /// </summary>
    private async Task ProcessDueAsync(ScheduleEntry entry, DateTimeOffset now, bool forceMisfire, CancellationToken cancellationToken)
    {
        if (entry.Record.Paused || entry.Record.State != ScheduleState.Active || entry.NextScheduled is null)
        {
            return;
        }

        // The due set D, oldest first.
        var due = new List<DateTimeOffset>();
        var uncounted = 0;
        DateTimeOffset? next = entry.NextScheduled;
        while (next is { } at && entry.FireTimeOf(at) <= now)
        {
            if (due.Count < MaxEnumerated)
            {
                due.Add(at);
            }
            else
            {
                due[^1] = at;
                uncounted++;
            }

            next = entry.FromCompletion ? null : entry.Spec.Next(entry.Record.Anchor, at);
        }

        if (due.Count == 0)
        {
            Rearm(entry);
            return;
        }

        // Split: M = later than the threshold (misfired), W = within it (the newest ones: lateness shrinks).
        var threshold = entry.Options.MisfireThreshold;
        var firstWithin = due.Count;
        if (!forceMisfire)
        {
            while (firstWithin > 0 && now - entry.FireTimeOf(due[firstWithin - 1]) <= threshold)
            {
                firstWithin--;
            }
        }

        var plan = new List<(DateTimeOffset At, OccurrenceOutcome Outcome, OccurrenceReason Reason, int Missed, bool Late, string? Detail)>();
        var misfired = due.GetRange(0, firstWithin);
        var missedCount = misfired.Count + uncounted;
        var foldIntoFirstWithin = 0;
        switch (entry.Options.Misfire)
        {
            case MisfirePolicy.Skip:
                foreach (var at in misfired)
                {
                    plan.Add((at, OccurrenceOutcome.Skipped, OccurrenceReason.Misfire, 0, false, null));
                }

                break;
            case MisfirePolicy.FireAll:
                var keep = Math.Min(misfired.Count, entry.Options.MaxCatchUp);
                for (var i = 0; i < misfired.Count; i++)
                {
                    plan.Add(i < misfired.Count - keep
                        ? (misfired[i], OccurrenceOutcome.Dropped, OccurrenceReason.Misfire, 0, false, $"beyond MaxCatchUp {entry.Options.MaxCatchUp}")
                        : (misfired[i], OccurrenceOutcome.Fired, OccurrenceReason.Misfire, 0, true, null));
                }

                break;
            default:
                if (misfired.Count > 0)
                {
                    if (firstWithin < due.Count)
                    {
                        // The misfired ones are folded into the first normal fire.
                        foldIntoFirstWithin = missedCount;
                        foreach (var at in misfired)
                        {
                            plan.Add((at, OccurrenceOutcome.Skipped, OccurrenceReason.Misfire, 0, false, $"counted in the run for {Format(due[firstWithin])}"));
                        }
                    }
                    else
                    {
                        for (var i = 0; i < misfired.Count - 1; i++)
                        {
                            plan.Add((misfired[i], OccurrenceOutcome.Skipped, OccurrenceReason.Misfire, 0, false, $"counted in the run for {Format(misfired[^1])}"));
                        }

                        plan.Add((misfired[^1], OccurrenceOutcome.Fired, OccurrenceReason.Misfire, missedCount, true, null));
                    }
                }

                break;
        }

        for (var i = firstWithin; i < due.Count; i++)
        {
            var missed = i == firstWithin ? foldIntoFirstWithin : 0;
            plan.Add((due[i], OccurrenceOutcome.Fired, OccurrenceReason.None, missed, now > entry.FireTimeOf(due[i]), null));
        }

        var anyFire = plan.Exists(static p => p.Outcome == OccurrenceOutcome.Fired);
        if (!await ClaimAsync(entry, due[^1], anyFire ? now : null, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        // A FireAll catch-up starts its runs in order whatever the overlap policy: it overlaps only with runs from before it.
        var runningBefore = entry.Running.Count > 0;
        var startedOrBuffered = false;
        foreach (var step in plan)
        {
            if (step.Outcome != OccurrenceOutcome.Fired)
            {
                Record(new ScheduleOccurrence(entry.Id, step.At, now, step.Outcome, step.Reason) { Detail = step.Detail }, entry);
                continue;
            }

            var catchUp = step.Reason == OccurrenceReason.Misfire && entry.Options.Misfire == MisfirePolicy.FireAll;
            if ((catchUp ? runningBefore : entry.Running.Count > 0) && entry.Options.Overlap != OverlapPolicy.Allow)
            {
                if (entry.Options.Overlap == OverlapPolicy.Skip)
                {
                    Record(new ScheduleOccurrence(entry.Id, step.At, now, OccurrenceOutcome.Skipped, OccurrenceReason.Overlap), entry);
                    continue;
                }

                if (entry.Buffered is { } older)
                {
                    Record(new ScheduleOccurrence(entry.Id, older, now, OccurrenceOutcome.Skipped, OccurrenceReason.Superseded), entry);
                }

                entry.Buffered = step.At;
                startedOrBuffered = true;
                continue;
            }

            var run = await StartScheduledAsync(entry, step.At, now, step.Missed, step.Late, manual: false, cancellationToken).ConfigureAwait(false);
            startedOrBuffered |= run is not null;
        }

        await EndOneShotAsync(entry, startedOrBuffered, cancellationToken).ConfigureAwait(false);
        if (entry.Spec is CronSpec && entry.Record.State == ScheduleState.Active && next is null)
        {
            entry.Record = await Store.SetStateAsync(entry.Id, ScheduleState.Exhausted, null, cancellationToken).ConfigureAwait(false) ?? entry.Record with { State = ScheduleState.Exhausted };
        }

        Rearm(entry);
        Publish(entry);
    }

    /// <summary>Starts the run of one occurrence and records the outcome (Fired, or BindingFailed / Rejected); null when nothing started.</summary>
    private async Task<WorkflowRun?> StartScheduledAsync(ScheduleEntry entry, DateTimeOffset scheduled, DateTimeOffset now, int missedCount, bool isLate, bool manual, CancellationToken cancellationToken)
    {
        var context = new FireContext { Scheduled = scheduled, FireTime = now, MissedCount = missedCount };
        var runId = RunIdOf(entry.Id, manual ? "manual-" + now.UtcTicks.ToString(CultureInfo.InvariantCulture) : scheduled.UtcTicks.ToString(CultureInfo.InvariantCulture));
        var (run, outcome, reason, detail) = await StartWorkflowAsync(entry.Workflow, entry.StaticInputs, entry.Bindings, context, runId, cancellationToken).ConfigureAwait(false);
        Record(new ScheduleOccurrence(entry.Id, scheduled, now, outcome, reason) { RunId = run?.RunId, IsLate = isLate, MissedCount = missedCount, Detail = detail ?? (manual ? "triggered by hand" : null) }, entry);
        if (run is not null)
        {
            entry.Running.Add(run);
            _withRuns.Add(entry);
            _ = run.Completion.ContinueWith(static (_, state) => ((WorkflowScheduler)state!).Post(Command.Wake), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return run;
    }

    /// <summary>Binds the inputs and starts the workflow through the catalogue; the outcome says what happened.</summary>
    private async Task<(WorkflowRun? Run, OccurrenceOutcome Outcome, OccurrenceReason Reason, string? Detail)> StartWorkflowAsync(
        string workflow, JsonElement staticInputs, IReadOnlyList<InputBinding> bindings, FireContext context, string runId, CancellationToken cancellationToken)
    {
        WorkflowDefinition? definition;
        try
        {
            definition = WorkflowCatalog.Find(workflow);
        }
        catch (ArgumentException ex)
        {
            return (null, OccurrenceOutcome.Rejected, OccurrenceReason.StartFailed, ex.Message);
        }

        if (definition is null)
        {
            return (null, OccurrenceOutcome.Rejected, OccurrenceReason.StartFailed, $"no workflow named '{workflow}' is in the catalogue");
        }

        if (!InputBinder.TryBind(definition, staticInputs, bindings, context, out var inputsJson, out var failure))
        {
            return (null, OccurrenceOutcome.BindingFailed, OccurrenceReason.None, failure);
        }

        // The depth is known before the start: the run may end (and its end be read) before StartAsync returns.
        if (context.ChainDepth > 0)
        {
            _chainDepths[runId] = context.ChainDepth;
        }

        try
        {
            var run = await definition.StartAsync(inputsJson, Runner, runId, CancellationToken.None).ConfigureAwait(false);
            return (run, OccurrenceOutcome.Fired, OccurrenceReason.None, null);
        }
        catch (ArgumentException ex)
        {
            _chainDepths.TryRemove(runId, out _);
            // Inputs of the wrong type: the binding failed; nothing started.
            return (null, OccurrenceOutcome.BindingFailed, OccurrenceReason.None, $"TriggerBindingFailed({ex.Message})");
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            _chainDepths.TryRemove(runId, out _);
            return (null, OccurrenceOutcome.Rejected, OccurrenceReason.StartFailed, ex.Message);
        }
    }

    /// <summary>Runs seen ended: FromCompletion schedules measure from now; a buffered occurrence fires (or goes through the misfire policy if it is now too late).</summary>
    private async Task SweepEndedRunsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_withRuns.Count == 0)
        {
            return;
        }

        foreach (var entry in new List<ScheduleEntry>(_withRuns))
        {
            if (entry.Running.RemoveAll(static r => r.Completion.IsCompleted) == 0)
            {
                continue;
            }

            if (entry.Running.Count == 0)
            {
                _withRuns.Remove(entry);
            }

            if (entry.Removed)
            {
                continue;
            }

            if (entry.FromCompletion && entry.Running.Count == 0)
            {
                entry.Record = await Store.SetStateAsync(entry.Id, entry.Record.State, now, cancellationToken).ConfigureAwait(false) ?? entry.Record with { LastCompleted = now };
            }

            if (entry.Buffered is { } buffered && (entry.Running.Count == 0 || entry.Options.Overlap == OverlapPolicy.Allow) && IsStarted)
            {
                entry.Buffered = null;
                var late = now - entry.FireTimeOf(buffered);
                if (late > entry.Options.MisfireThreshold && entry.Options.Misfire == MisfirePolicy.Skip)
                {
                    Record(new ScheduleOccurrence(entry.Id, buffered, now, OccurrenceOutcome.Skipped, OccurrenceReason.Misfire) { Detail = "held back by overlap until too late" }, entry);
                }
                else
                {
                    var missed = late > entry.Options.MisfireThreshold ? 1 : 0;
                    await StartScheduledAsync(entry, buffered, now, missed, isLate: late > TimeSpan.Zero, manual: false, cancellationToken).ConfigureAwait(false);
                }
            }

            Rearm(entry);
            Publish(entry);
        }
    }

    /// <summary>A run id from a schedule or trigger id and a discriminator, safe as a file name: <c>nightly-report-639000000000000000</c>.</summary>
    internal static string RunIdOf(string id, string discriminator)
    {
        var builder = new StringBuilder(id.Length + discriminator.Length + 1);
        foreach (var c in id)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-');
        }

        builder.Append('-');
        foreach (var c in discriminator)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-');
        }

        return builder.ToString();
    }

    private static string Format(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);
}
