using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Workflowy.Scheduling;

// Triggers: registration, the bounded inbox, events and status changes, Any/All joins (R9–R12).
public sealed partial class WorkflowScheduler
{
    private const int RememberedEventIds = 100_000;
    private static readonly AsyncLocal<string?> PublishingEventId = new();
    private readonly Dictionary<string, TriggerEntry> _triggers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<InboxItem> _inbox = new();
    private readonly HashSet<string> _seenEventIds = new(StringComparer.Ordinal);
    private readonly Queue<string> _seenOrder = new();
    private readonly ConcurrentDictionary<string, int> _chainDepths = new(StringComparer.Ordinal);
    private int _inboxCount;
    private volatile bool _watchesStatus;

    /// <summary>
    /// Registers a trigger: one run of <paramref name="workflow"/> per occurrence of any condition (<see cref="JoinKind.Any"/>),
    /// or per complete set of correlated occurrences within a window (<see cref="JoinKind.All"/>).
    /// </summary>
    /// <exception cref="SchedulingConfigurationException">No condition; an All-join without <see cref="TriggerOptions.Within"/>; BufferOne overlap; the id is a schedule's.</exception>
    public Task<ScheduleInfo> AddTriggerAsync(string id, string workflow, IReadOnlyList<TriggerCondition> conditions, TriggerOptions? options = null, string inputsJson = "{}", IReadOnlyList<InputBinding>? bindings = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(workflow);
        ArgumentNullException.ThrowIfNull(conditions);
        options ??= TriggerOptions.Default;
        if (conditions.Count == 0)
        {
            throw new SchedulingConfigurationException($"Trigger '{id}' needs at least one condition.");
        }

        if (options.Join == JoinKind.All && options.Within is not { } within)
        {
            throw new SchedulingConfigurationException($"The All-join of trigger '{id}' needs Within: unmatched occurrences would otherwise be kept forever.");
        }

        if (options.Within is { } w && w <= TimeSpan.Zero)
        {
            throw new SchedulingConfigurationException($"Trigger '{id}': Within must be positive.");
        }

        if (options.Overlap == OverlapPolicy.BufferOne)
        {
            throw new SchedulingConfigurationException($"Trigger '{id}': BufferOne applies to schedules; a trigger allows overlap or skips.");
        }

        if (options.CorrelateBy is { } path && !JsonPath.IsValid(path))
        {
            throw new SchedulingConfigurationException($"Trigger '{id}': \"{path}\" is not a valid payload path (dotted identifiers, e.g. \"order.id\").");
        }

        var inputs = ParseInputs(id, inputsJson);
        var entry = new TriggerEntry(id, workflow, [.. conditions], options, inputs, bindings ?? []);
        return InvokeAsync(() =>
        {
            if (_entries.ContainsKey(id))
            {
                throw new SchedulingConfigurationException($"'{id}' is the id of a schedule; give the trigger another id.");
            }

            _triggers[id] = entry;
            foreach (var condition in entry.Conditions)
            {
                if (condition is StatusCondition)
                {
                    _watchesStatus = true;
                }
            }

            return Task.FromResult(PublishTrigger(entry));
        }, cancellationToken);
    }

    /// <summary>Removes a trigger (waiting join occurrences are dropped with it). False if there was none.</summary>
    public Task<bool> RemoveTriggerAsync(string id, CancellationToken cancellationToken = default) => InvokeAsync(() =>
    {
        var removed = _triggers.Remove(id);
        if (removed)
        {
            _infos.TryRemove(id, out _);
        }

        return Task.FromResult(removed);
    }, cancellationToken);

    /// <summary>
    /// Publishes an event to the runner (<see cref="WorkflowRunner.PublishEventAsync(string, string, CancellationToken)"/>)
    /// and into the scheduler's inbox with an id (default a version-7 GUID on the scheduler's clock). A second delivery
    /// with the same id starts nothing. Events published before <see cref="StartAsync"/> wait in the inbox.
    /// </summary>
    /// <exception cref="EventInboxFullException">The inbox holds <see cref="SchedulerOptions.InboxCapacity"/> events: nothing was published.</exception>
    public async ValueTask<string> PublishEventAsync(string name, string payloadJson = "null", string? eventId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(payloadJson);
        eventId ??= Guid.CreateVersion7(TimeProvider.GetUtcNow()).ToString();
        if (Interlocked.Increment(ref _inboxCount) > Options.InboxCapacity)
        {
            Interlocked.Decrement(ref _inboxCount);
            throw new EventInboxFullException(name, Options.InboxCapacity);
        }

        var previous = PublishingEventId.Value;
        PublishingEventId.Value = eventId;
        try
        {
            await Runner.PublishEventAsync(name, payloadJson, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Interlocked.Decrement(ref _inboxCount);
            throw;
        }
        finally
        {
            PublishingEventId.Value = previous;
        }

        _inbox.Enqueue(new EventItem(TimeProvider.GetUtcNow(), name, payloadJson, eventId));
        Post(Command.Wake);
        return eventId;
    }

    /// <summary>Events published on the runner directly: taken into the inbox with a new id, or, if it is full, recorded as rejected (never silently lost).</summary>
    private void OnEventPublished(object? sender, WorkflowEventPublishedEventArgs e)
    {
        if (PublishingEventId.Value is not null)
        {
            return;
        }

        var item = new EventItem(TimeProvider.GetUtcNow(), e.Name, e.PayloadJson, Guid.CreateVersion7(TimeProvider.GetUtcNow()).ToString());
        Offer(item, e.Name);
    }

    private void Offer(InboxItem item, string what)
    {
        if (Interlocked.Increment(ref _inboxCount) > Options.InboxCapacity)
        {
            Interlocked.Decrement(ref _inboxCount);
            Runner.Logger.LogError("The workflow scheduler's inbox is full ({Capacity}); {What} was refused.", Options.InboxCapacity, what);
            Post(new Command(() =>
            {
                Record(new ScheduleOccurrence("(inbox)", item.At, TimeProvider.GetUtcNow(), OccurrenceOutcome.Rejected, OccurrenceReason.InboxFull) { Detail = what, EventId = (item as EventItem)?.EventId });
                return Task.CompletedTask;
            }, null));
            return;
        }

        _inbox.Enqueue(item);
        Post(Command.Wake);
    }

    private void OnRunEnded(object? sender, WorkflowRunEventArgs e)
    {
        if (!_watchesStatus || e.Run is DynamicRun)
        {
            return;
        }

        var run = e.Run;
        var status = TriggerStatus.Completed;
        Exception? exception = run.Failure;
        foreach (var task in run.Tasks)
        {
            if (task.State == TaskState.Failed)
            {
                status = TriggerStatus.Failed;
                exception ??= task.Exception;
                break;
            }

            if (task.State == TaskState.Cancelled)
            {
                status = TriggerStatus.Cancelled;
            }
        }

        if (exception is not null && status == TriggerStatus.Completed)
        {
            status = TriggerStatus.Failed;
        }

        _chainDepths.TryRemove(run.RunId, out var depth);
        Offer(new StatusItem(TimeProvider.GetUtcNow(), run.Graph.Name, run.Graph.FullName, null, status, exception, run, depth), $"the end of run {run.RunId}");
    }

    private void OnTaskStateChanged(object? sender, TaskStateChangedEventArgs e)
    {
        if (!_watchesStatus)
        {
            return;
        }

        var status = e.NewState switch
        {
            TaskState.Completed => TriggerStatus.Completed,
            TaskState.Failed => TriggerStatus.Failed,
            TaskState.Cancelled => TriggerStatus.Cancelled,
            TaskState.Skipped => TriggerStatus.Skipped,
            _ => (TriggerStatus)0,
        };
        if (status == 0 || e.Task.Run is DynamicRun)
        {
            return;
        }

        var run = e.Task.Run;
        _chainDepths.TryGetValue(run.RunId, out var depth);
        Offer(new StatusItem(TimeProvider.GetUtcNow(), run.Graph.Name, run.Graph.FullName, e.Task.Name, status, e.Exception, run, depth), $"task {e.Task.Name} of run {run.RunId}");
    }

    /// <summary>Hands every waiting event and status change to the triggers (in arrival order).</summary>
    private async Task DeliverInboxAsync(CancellationToken cancellationToken)
    {
        while (_inbox.TryDequeue(out var item))
        {
            Interlocked.Decrement(ref _inboxCount);
            ExpireJoins(TimeProvider.GetUtcNow());
            if (item is EventItem e)
            {
                if (!Remember(e.EventId))
                {
                    continue;
                }

                JsonElement payload;
                try
                {
                    using var document = JsonDocument.Parse(e.PayloadJson);
                    payload = document.RootElement.Clone();
                }
                catch (JsonException)
                {
                    continue;
                }

                foreach (var trigger in new List<TriggerEntry>(_triggers.Values))
                {
                    for (var i = 0; i < trigger.Conditions.Count; i++)
                    {
                        if (!trigger.Paused && trigger.Conditions[i] is EventCondition ec && ec.Matches(e.Name, payload))
                        {
                            await OccurAsync(trigger, i, e.At, payload, e.EventId, new FireContext { Scheduled = e.At, FireTime = TimeProvider.GetUtcNow(), EventId = e.EventId, Condition = ec.Name, Payload = payload }, cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
            }
            else if (item is StatusItem s)
            {
                await DeliverStatusAsync(s, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task DeliverStatusAsync(StatusItem s, CancellationToken cancellationToken)
    {
        JsonElement? inputs = null;
        var inputsRead = false;
        foreach (var trigger in new List<TriggerEntry>(_triggers.Values))
        {
            for (var i = 0; i < trigger.Conditions.Count; i++)
            {
                if (trigger.Paused || trigger.Conditions[i] is not StatusCondition sc || !sc.MatchesSource(s))
                {
                    continue;
                }

                if (!inputsRead)
                {
                    inputsRead = true;
                    inputs = ReadJson(s.Run.GetInputsJson());
                }

                if (!sc.MatchesInputs(inputs))
                {
                    continue;
                }

                var (resultJson, resultError) = ResultOf(s);
                if (sc.ResultFilter is { } predicate && (resultJson is null || !predicate(ReadJson(resultJson)!.Value)))
                {
                    continue;
                }

                var eventId = $"{s.Run.RunId}/{s.Task ?? "run"}/{s.Status}";
                var context = new FireContext
                {
                    Scheduled = s.At,
                    FireTime = TimeProvider.GetUtcNow(),
                    EventId = eventId,
                    Condition = sc.Name,
                    SourceInputs = inputs,
                    ResultJson = resultJson,
                    ResultError = resultError,
                    ChainDepth = s.ChainDepth + 1,
                };
                if (context.ChainDepth > Options.MaxChainDepth)
                {
                    RecordTrigger(trigger, new ScheduleOccurrence(trigger.Id, s.At, context.FireTime, OccurrenceOutcome.Rejected, OccurrenceReason.TriggerChainTooDeep)
                    {
                        EventId = eventId,
                        Condition = sc.Name,
                        Detail = $"TriggerChainTooDeep: run {s.Run.RunId} ends a chain of {s.ChainDepth} triggered runs (at most {Options.MaxChainDepth})",
                    });
                    continue;
                }

                await OccurAsync(trigger, i, s.At, inputs ?? default, eventId, context, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static (string? Json, string? Error) ResultOf(StatusItem s)
    {
        try
        {
            if (s.Task is { } task)
            {
                return (s.Run.ResultJson(task), null);
            }

            // A run's result is its one final task's (a task nothing depends on).
            string? final = null;
            foreach (var node in s.Run.Graph.Tasks)
            {
                if (node.Dependents.Count == 0)
                {
                    if (final is not null)
                    {
                        return (null, $"workflow {s.WorkflowName} has several final tasks; watch one with OnStatus(task: ...)");
                    }

                    final = node.Name;
                }
            }

            return final is null ? (null, "the source run has no task") : (s.Run.ResultJson(final), null);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            return (null, ex.Message);
        }
    }

    private static JsonElement? ReadJson(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>One occurrence of condition <paramref name="index"/> of a trigger: a run (Any), or a join step (All).</summary>
    private async Task OccurAsync(TriggerEntry trigger, int index, DateTimeOffset at, JsonElement payload, string eventId, FireContext context, CancellationToken cancellationToken)
    {
        if (trigger.Options.Join == JoinKind.Any || trigger.Conditions.Count == 1)
        {
            await FireTriggerAsync(trigger, context, cancellationToken).ConfigureAwait(false);
            return;
        }

        var key = "";
        if (trigger.Options.CorrelateBy is { } path)
        {
            if (!JsonPath.TryGet(payload, path, out var value))
            {
                RecordTrigger(trigger, new ScheduleOccurrence(trigger.Id, at, TimeProvider.GetUtcNow(), OccurrenceOutcome.BindingFailed, OccurrenceReason.Join)
                {
                    EventId = eventId,
                    Condition = trigger.Conditions[index].Name,
                    Detail = $"the occurrence has no correlation value '{path}'",
                });
                return;
            }

            key = value.GetRawText();
        }

        if (!trigger.Pending.TryGetValue(key, out var queues))
        {
            queues = new Queue<JoinOccurrence>[trigger.Conditions.Count];
            for (var i = 0; i < queues.Length; i++)
            {
                queues[i] = new Queue<JoinOccurrence>();
            }

            trigger.Pending[key] = queues;
        }

        queues[index].Enqueue(new JoinOccurrence(at, at + trigger.Options.Within!.Value, payload, eventId));
        foreach (var queue in queues)
        {
            if (queue.Count == 0)
            {
                return;
            }
        }

        // Every condition has one: consume the oldest of each (FIFO).
        var parts = new JoinOccurrence[queues.Length];
        for (var i = 0; i < queues.Length; i++)
        {
            parts[i] = queues[i].Dequeue();
        }

        if (AllEmpty(queues))
        {
            trigger.Pending.Remove(key);
        }

        var merged = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var more = new List<JsonElement>();
        for (var i = 0; i < parts.Length; i++)
        {
            merged[trigger.Conditions[i].Name] = parts[i].Payload;
            more.Add(parts[i].Payload);
        }

        var joined = JsonSerializer.SerializeToElement(merged, SchedulingJson.Default.DictionaryStringJsonElement);
        await FireTriggerAsync(trigger, new FireContext
        {
            Scheduled = at,
            FireTime = TimeProvider.GetUtcNow(),
            EventId = string.Join("+", Array.ConvertAll(parts, p => p.EventId)),
            Condition = "all",
            Payload = joined,
            MorePayloads = more,
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task FireTriggerAsync(TriggerEntry trigger, FireContext context, CancellationToken cancellationToken)
    {
        trigger.Running.RemoveAll(static r => r.Completion.IsCompleted);
        if (trigger.Options.Overlap == OverlapPolicy.Skip && trigger.Running.Count > 0)
        {
            RecordTrigger(trigger, new ScheduleOccurrence(trigger.Id, context.Scheduled, context.FireTime, OccurrenceOutcome.Skipped, OccurrenceReason.Overlap) { EventId = context.EventId, Condition = context.Condition });
            return;
        }

        var discriminator = StableHash.Hash64(context.EventId ?? "", 0).ToString("x16", CultureInfo.InvariantCulture);
        var (run, outcome, reason, detail) = await StartWorkflowAsync(trigger.Workflow, trigger.StaticInputs, trigger.Bindings, context, RunIdOf(trigger.Id, discriminator), cancellationToken).ConfigureAwait(false);
        if (run is not null)
        {
            trigger.Running.Add(run);
            trigger.LastFired = context.FireTime;
        }

        RecordTrigger(trigger, new ScheduleOccurrence(trigger.Id, context.Scheduled, context.FireTime, outcome, reason)
        {
            RunId = run?.RunId,
            EventId = context.EventId,
            Condition = context.Condition,
            Detail = detail,
        });
    }

    private void RecordTrigger(TriggerEntry trigger, ScheduleOccurrence occurrence)
    {
        Record(occurrence);
        trigger.Recent.Enqueue(occurrence);
        while (trigger.Recent.Count > ScheduleEntry.RecentKept)
        {
            trigger.Recent.Dequeue();
        }

        PublishTrigger(trigger);
    }

    /// <summary>Remembers an event id; false if it was seen (a second delivery).</summary>
    private bool Remember(string eventId)
    {
        if (!_seenEventIds.Add(eventId))
        {
            return false;
        }

        _seenOrder.Enqueue(eventId);
        if (_seenOrder.Count > RememberedEventIds)
        {
            _seenEventIds.Remove(_seenOrder.Dequeue());
        }

        return true;
    }

    private bool PauseTrigger(string id, bool paused)
    {
        if (!_triggers.TryGetValue(id, out var trigger))
        {
            return false;
        }

        trigger.Paused = paused;
        PublishTrigger(trigger);
        return true;
    }

    private ScheduleInfo PublishTrigger(TriggerEntry trigger)
    {
        var info = new ScheduleInfo(trigger.Id, trigger.Workflow, trigger.Description, IsTrigger: true)
        {
            Paused = trigger.Paused,
            LastFired = trigger.LastFired,
            RunningCount = trigger.Running.Count,
            RecentOutcomes = [.. trigger.Recent],
        };
        _infos[trigger.Id] = info;
        return info;
    }
}
