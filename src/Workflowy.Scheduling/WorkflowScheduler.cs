using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace Workflowy.Scheduling;

/// <summary>
/// Starts workflows on schedules (every, cron, at) and triggers (events, another workflow's status, Any/All joins)
/// through <see cref="WorkflowCatalog"/>. One loop does everything: it waits for the earliest due time through the
/// <see cref="TimeProvider"/> (never more than a day at a time), re-arms on every change, and claims each occurrence in
/// the <see cref="IScheduleStore"/> by compare-and-swap before starting its run, so schedulers sharing a store never fire
/// an occurrence twice. Every occurrence's outcome is recorded (<see cref="GetOccurrencesAsync"/>).
/// </summary>
/// <remarks>
/// For deterministic tests: <see cref="WhenIdleAsync"/> completes once the loop has handled everything due at the
/// clock's current time and re-armed; <see cref="NextWakeUp"/> is when its timer fires next. Step a fake clock to each
/// <see cref="NextWakeUp"/> in turn and await <see cref="WhenIdleAsync"/> after each step (docs/scheduling.md).
/// </remarks>
public sealed partial class WorkflowScheduler : IAsyncDisposable
{
    /// <summary>The longest single wait: .NET timers refuse about 49.7 days, so long waits are armed a day at a time.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    private readonly Channel<Command> _commands = Channel.CreateUnbounded<Command>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ITimer _timer;
    private readonly Task _loop;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, ScheduleEntry> _entries = new(StringComparer.Ordinal);
    private readonly PriorityQueue<(ScheduleEntry Entry, long Generation), DateTimeOffset> _due = new();
    private readonly HashSet<ScheduleEntry> _withRuns = [];
    private readonly ConcurrentDictionary<string, ScheduleInfo> _infos = new(StringComparer.Ordinal);
    private readonly List<ScheduleOccurrence> _pendingOutcomes = [];
    private long _nextWakeUpTicks = long.MinValue;
    private int _started;
    private int _disposed;

    /// <summary>A scheduler that starts runs on <paramref name="runner"/>; it fires nothing until <see cref="StartAsync"/>.</summary>
    public WorkflowScheduler(WorkflowRunner runner, SchedulerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        Runner = runner;
        Options = options ?? new SchedulerOptions();
        if (Options.InboxCapacity < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), Options.InboxCapacity, "InboxCapacity must be at least 1.");
        }

        Store = Options.Store ?? new InMemoryScheduleStore();
        TimeProvider = Options.TimeProvider ?? runner.TimeProvider;
        _timer = TimeProvider.CreateTimer(static state => ((WorkflowScheduler)state!).Post(Command.Wake), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        Runner.EventPublished += OnEventPublished;
        Runner.RunEnded += OnRunEnded;
        Runner.TaskStateChanged += OnTaskStateChanged;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The runner runs are started on.</summary>
    public WorkflowRunner Runner { get; }

    /// <summary>The options.</summary>
    public SchedulerOptions Options { get; }

    /// <summary>The store of schedule state and outcomes.</summary>
    public IScheduleStore Store { get; }

    /// <summary>The clock.</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Whether <see cref="StartAsync"/> was called (and the scheduler not stopped).</summary>
    public bool IsStarted => Volatile.Read(ref _started) == 1;

    /// <summary>When the loop's timer fires next (at most <see cref="MaxWait"/> ahead), or null when nothing is armed.</summary>
    public DateTimeOffset? NextWakeUp
    {
        get
        {
            var ticks = Interlocked.Read(ref _nextWakeUpTicks);
            return ticks == long.MinValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Raised (on the loop) for each recorded outcome. A handler that throws is logged and ignored.</summary>
    public event EventHandler<ScheduleOccurrence>? OccurrenceRecorded;

    /// <summary>Starts firing: registers the declared schedules and triggers (unless <see cref="SchedulerOptions.IncludeDeclared"/> is off), handles what is due (missed occurrences go through their misfire policy) and events that waited.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return InvokeAsync(async () =>
        {
            if (Interlocked.Exchange(ref _started, 1) == 1)
            {
                return;
            }

            if (Options.IncludeDeclared)
            {
                await RegisterDeclaredAsync().ConfigureAwait(false);
            }
        }, cancellationToken);
    }

    /// <summary>Completes once the loop has handled everything due at the clock's current time (and runs seen ended) and re-armed its timer.</summary>
    public Task WhenIdleAsync()
    {
        var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_commands.Writer.TryWrite(new Command(null, idle)))
        {
            idle.TrySetException(new ObjectDisposedException(nameof(WorkflowScheduler)));
        }

        return idle.Task;
    }

    /// <summary>Stops the loop: nothing fires any more; runs already started go on. Schedule state stays in the store.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Runner.EventPublished -= OnEventPublished;
        Runner.RunEnded -= OnRunEnded;
        Runner.TaskStateChanged -= OnTaskStateChanged;
        Volatile.Write(ref _started, 0);
        _commands.Writer.TryComplete();
        _stopping.Cancel();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        _timer.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Runs <paramref name="action"/> on the loop and returns when it has (its exception, if any).</summary>
    private Task InvokeAsync(Func<Task> action, CancellationToken cancellationToken = default) => InvokeAsync(async () =>
    {
        await action().ConfigureAwait(false);
        return true;
    }, cancellationToken);

    private Task<T> InvokeAsync<T>(Func<Task<T>> action, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_commands.Writer.TryWrite(new Command(async () =>
            {
                try
                {
                    done.TrySetResult(await action().ConfigureAwait(false));
                }
                catch (Exception ex)
                {
                    done.TrySetException(ex);
                }
            }, null)))
        {
            throw new ObjectDisposedException(nameof(WorkflowScheduler));
        }

        return done.Task.WaitAsync(cancellationToken);
    }

    private void Post(Command command) => _commands.Writer.TryWrite(command);

    private async Task LoopAsync()
    {
        var reader = _commands.Reader;
        var idle = new List<TaskCompletionSource>();
        var token = _stopping.Token;
        while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
        {
            while (reader.TryRead(out var command))
            {
                if (command.Idle is { } waiter)
                {
                    idle.Add(waiter);
                }
                else if (command.Action is { } action)
                {
                    await action().ConfigureAwait(false);
                }
            }

            try
            {
                await PassAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                // A store failure: logged; the loop stays alive and tries again at the next wake-up.
                Runner.Logger.LogError(ex, "The workflow scheduler's pass failed: {Message}", ex.Message);
                Arm(TimeProvider.GetUtcNow() + TimeSpan.FromSeconds(5));
            }

            foreach (var waiter in idle)
            {
                waiter.TrySetResult();
            }

            idle.Clear();
        }
    }

    /// <summary>One pass at the current time: runs seen ended, events waiting, joins expired, schedules due; then re-arm.</summary>
    private async Task PassAsync(CancellationToken cancellationToken)
    {
        var now = TimeProvider.GetUtcNow();
        await SweepEndedRunsAsync(now, cancellationToken).ConfigureAwait(false);
        if (IsStarted)
        {
            await DeliverInboxAsync(cancellationToken).ConfigureAwait(false);
            now = TimeProvider.GetUtcNow();
            ExpireJoins(now);
            while (_due.TryPeek(out var item, out var at) && at <= now)
            {
                _due.Dequeue();
                if (item.Entry.Removed || item.Generation != item.Entry.Generation)
                {
                    continue;
                }

                await ProcessDueAsync(item.Entry, now, forceMisfire: false, cancellationToken).ConfigureAwait(false);
            }
        }

        await FlushOutcomesAsync(cancellationToken).ConfigureAwait(false);
        DateTimeOffset? next = null;
        if (IsStarted)
        {
            while (_due.TryPeek(out var item, out var at))
            {
                if (item.Entry.Removed || item.Generation != item.Entry.Generation)
                {
                    _due.Dequeue();
                    continue;
                }

                next = at;
                break;
            }

            if (NextJoinExpiry() is { } expiry && (next is null || expiry < next))
            {
                next = expiry;
            }
        }

        Arm(next);
    }

    private void Arm(DateTimeOffset? due)
    {
        if (due is null)
        {
            Interlocked.Exchange(ref _nextWakeUpTicks, long.MinValue);
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }

        var now = TimeProvider.GetUtcNow();
        var wait = due.Value - now;
        if (wait < TimeSpan.Zero)
        {
            wait = TimeSpan.Zero;
        }

        if (wait > MaxWait)
        {
            wait = MaxWait;
        }

        Interlocked.Exchange(ref _nextWakeUpTicks, (now + wait).UtcTicks);
        _timer.Change(wait, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Queues an outcome; they are written to the store in one batch at the end of the pass.</summary>
    private void Record(ScheduleOccurrence occurrence, ScheduleEntry? entry = null)
    {
        _pendingOutcomes.Add(occurrence);
        if (entry is not null)
        {
            entry.Recent.Enqueue(occurrence);
            while (entry.Recent.Count > ScheduleEntry.RecentKept)
            {
                entry.Recent.Dequeue();
            }
        }

        if (OccurrenceRecorded is { } handler)
        {
            try
            {
                handler(this, occurrence);
            }
            catch (Exception ex)
            {
                Runner.Logger.LogWarning(ex, "An OccurrenceRecorded handler threw: {Message}", ex.Message);
            }
        }
    }

    private async Task FlushOutcomesAsync(CancellationToken cancellationToken)
    {
        if (_pendingOutcomes.Count == 0)
        {
            return;
        }

        var batch = _pendingOutcomes.ToArray();
        _pendingOutcomes.Clear();
        await Store.AppendOccurrencesAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The recorded outcomes (oldest first, at most the newest <paramref name="max"/>), of one schedule or trigger or of all.</summary>
    public ValueTask<IReadOnlyList<ScheduleOccurrence>> GetOccurrencesAsync(string? scheduleId = null, int max = 1000, CancellationToken cancellationToken = default) =>
        Store.QueryOccurrencesAsync(scheduleId, max, cancellationToken);

    /// <summary>A snapshot of every schedule and trigger, ordered by id.</summary>
    public IReadOnlyList<ScheduleInfo> GetSchedules()
    {
        var all = new List<ScheduleInfo>(_infos.Values);
        all.Sort(static (a, b) => string.CompareOrdinal(a.Id, b.Id));
        return all;
    }

    /// <summary>A snapshot of one schedule or trigger, or null.</summary>
    public ScheduleInfo? GetSchedule(string id) => _infos.GetValueOrDefault(id);

    private sealed record Command(Func<Task>? Action, TaskCompletionSource? Idle)
    {
        public static readonly Command Wake = new(null, null);
    }
}
