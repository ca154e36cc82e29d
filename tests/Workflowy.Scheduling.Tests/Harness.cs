namespace Workflowy.Scheduling.Tests;

/// <summary>The §2.4 driver: step a fake clock to each due time in turn and await the scheduler's idle signal after each step.</summary>
public sealed class Harness : IAsyncDisposable
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public Harness(DateTimeOffset? start = null, IScheduleStore? store = null, int inboxCapacity = 10_000)
    {
        Clock = new FakeTimeProvider(start ?? T0);
        Runner = new WorkflowRunner { TimeProvider = Clock };
        Store = store ?? new InMemoryScheduleStore();
        Runner.RunStarted += (_, e) =>
        {
            lock (_started)
            {
                _started.Add(e.Run);
            }
        };
        Scheduler = new WorkflowScheduler(Runner, new SchedulerOptions { Store = Store, IncludeDeclared = false, InboxCapacity = inboxCapacity });
    }

    private readonly List<WorkflowRun> _started = [];

    public FakeTimeProvider Clock { get; }

    /// <summary>Every run started on the runner so far.</summary>
    public WorkflowRun[] StartedRuns
    {
        get
        {
            lock (_started)
            {
                return [.. _started];
            }
        }
    }

    public WorkflowRunner Runner { get; }

    public IScheduleStore Store { get; }

    public WorkflowScheduler Scheduler { get; }

    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>Steps to <paramref name="target"/>, stopping at every wake-up on the way; checks that no wait is longer than a day.</summary>
    public async Task AdvanceToAsync(DateTimeOffset target)
    {
        await SettleQuickRunsAsync();
        while (Scheduler.NextWakeUp is { } due && due <= target)
        {
            Assert.True(due - Now <= TimeSpan.FromDays(1), $"a wait of {due - Now} was armed");
            Clock.SetUtcNow(due > Now ? due : Now);
            await SettleQuickRunsAsync();
            Assert.False(Scheduler.NextWakeUp == due, $"the scheduler re-armed at {due:O} after handling it");
        }

        if (target > Now)
        {
            Clock.SetUtcNow(target);
        }

        await Scheduler.WhenIdleAsync();
    }

    /// <summary>
    /// Time passing normally lets a body that takes no time end before the clock moves on: waits for every run that is
    /// not held by a test gate (<see cref="Blocking"/>) to complete, then for the scheduler to see it.
    /// </summary>
    public async Task SettleQuickRunsAsync()
    {
        await Scheduler.WhenIdleAsync();
        foreach (var run in StartedRuns)
        {
            if (run.Graph.Name != nameof(Blocking))
            {
                try
                {
                    await run.Completion;
                }
                catch (Exception)
                {
                    // Its outcome is the test's business.
                }
            }
        }

        await Scheduler.WhenIdleAsync();
    }

    /// <summary>One jump (a suspend or a late wake-up): the timer fires once, late.</summary>
    public async Task JumpAsync(TimeSpan by)
    {
        await Scheduler.WhenIdleAsync();
        Clock.Advance(by);
        await Scheduler.WhenIdleAsync();
    }

    public async Task<ScheduleOccurrence[]> OutcomesAsync(string id) => [.. await Scheduler.GetOccurrencesAsync(id)];

    public async Task<DateTimeOffset[]> FiredAsync(string id) =>
        [.. (await OutcomesAsync(id)).Where(o => o.Outcome == OccurrenceOutcome.Fired).Select(o => o.ScheduledTime)];

    public async ValueTask DisposeAsync()
    {
        await Scheduler.DisposeAsync();
        await Runner.DisposeAsync();
    }
}
