namespace Workflowy.Scheduling.Tests;

/// <summary>Cases 23–28 of the spec's §4: event filters, binding and dedup, status triggers, the chain guard, All and Any joins; and the bounded inbox.</summary>
public sealed class TriggerTests
{
    private static async Task SettleAsync(Harness h)
    {
        // Runs end (their end reaches the scheduler before their Completion), the scheduler may start more: until no new run.
        var seen = 0;
        for (var i = 0; i < 200; i++)
        {
            await h.Scheduler.WhenIdleAsync();
            var started = h.StartedRuns;
            foreach (var run in started)
            {
                try
                {
                    await run.Completion;
                }
                catch (Exception)
                {
                    // A failing source run is part of the scenario.
                }
            }

            await h.Scheduler.WhenIdleAsync();
            if (h.StartedRuns.Length == started.Length && started.Length == seen)
            {
                return;
            }

            seen = started.Length;
        }

        Assert.Fail("the runs did not settle");
    }

    private static async Task<ScheduleOccurrence[]> FiredAsync(Harness h, string id) =>
        [.. (await h.OutcomesAsync(id)).Where(o => o.Outcome == OccurrenceOutcome.Fired)];

    [Fact]
    public async Task Case23_EventFilterSemantics()
    {
        await using var h = new Harness();
        await h.Scheduler.AddTriggerAsync("orders", nameof(OrderHandler),
            [TriggerCondition.OnEvent("order.created", PayloadFilter.Equal("region", "eu"), PayloadFilter.Equal("total.currency", "EUR"))],
            inputsJson: """{"key":"case23"}""", bindings: [InputBinding.FromEvent("orderId", "id")]);
        await h.Scheduler.StartAsync();

        await h.Scheduler.PublishEventAsync("order.created", """{"region":"eu","total":{"currency":"EUR"},"id":1}""");
        await h.Scheduler.PublishEventAsync("order.created", """{"region":"us","total":{"currency":"EUR"},"id":2}""");
        await h.Scheduler.PublishEventAsync("order.created", """{"total":{"currency":"EUR"},"id":3}""");
        await h.Scheduler.PublishEventAsync("order.created", """{"region":"eu","total":{"currency":1},"id":4}""");
        await h.Scheduler.PublishEventAsync("order.updated", """{"region":"eu","total":{"currency":"EUR"},"id":5}""");
        await SettleAsync(h);

        Assert.Single(await FiredAsync(h, "orders"));
        Assert.Equal([1], OrderHandler.Seen.Where(s => s.Key == "case23").Select(s => s.OrderId));
    }

    [Fact]
    public async Task Case24_BindingDedupAndEventsBeforeStart()
    {
        await using var h = new Harness();
        await h.Scheduler.AddTriggerAsync("bind", nameof(OrderHandler), [TriggerCondition.OnEvent("order.paid")],
            inputsJson: """{"key":"case24"}""", bindings: [InputBinding.FromEvent("orderId", "order.id")]);

        // Published before Start: waits in the inbox.
        await h.Scheduler.PublishEventAsync("order.paid", """{"order":{"id":7}}""", eventId: "e-7");
        Assert.Empty(await h.OutcomesAsync("bind"));
        await h.Scheduler.StartAsync();
        await h.Scheduler.PublishEventAsync("order.paid", """{"order":{"id":7}}""", eventId: "e-7"); // the same id again
        await h.Scheduler.PublishEventAsync("order.paid", """{"order":{}}""", eventId: "e-none");
        await SettleAsync(h);

        var outcomes = await h.OutcomesAsync("bind");
        Assert.Equal(2, outcomes.Length);
        Assert.Equal((OccurrenceOutcome.Fired, "e-7"), (outcomes[0].Outcome, outcomes[0].EventId));
        Assert.Equal(OccurrenceOutcome.BindingFailed, outcomes[1].Outcome);
        Assert.Contains("TriggerBindingFailed(\"orderId\", missing", outcomes[1].Detail, StringComparison.Ordinal);
        Assert.Equal([7], OrderHandler.Seen.Where(s => s.Key == "case24").Select(s => s.OrderId));
    }

    [Fact]
    public async Task Case24_WrongTypeIsABindingFailure()
    {
        await using var h = new Harness();
        await h.Scheduler.AddTriggerAsync("typed", nameof(OrderHandler), [TriggerCondition.OnEvent("order.paid")],
            inputsJson: """{"key":"case24b"}""", bindings: [InputBinding.FromEvent("orderId", "order.id")]);
        await h.Scheduler.StartAsync();
        await h.Scheduler.PublishEventAsync("order.paid", """{"order":{"id":"seven"}}""");
        await SettleAsync(h);

        var outcome = Assert.Single(await h.OutcomesAsync("typed"));
        Assert.Equal(OccurrenceOutcome.BindingFailed, outcome.Outcome);
        Assert.Contains("orderId", outcome.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Case25_OnStatusWithFiltersAndResult()
    {
        await using var h = new Harness();
        await h.Scheduler.AddTriggerAsync("after", nameof(AfterImport),
            [TriggerCondition.OnStatus(nameof(Importer), TriggerStatus.Completed, inputFilters: [PayloadFilter.Equal("tenant", "x")])],
            inputsJson: """{"key":"case25"}""", bindings: [InputBinding.FromResult("result")]);
        await h.Scheduler.AddTriggerAsync("on-timeout", nameof(AfterImport),
            [TriggerCondition.OnStatus(nameof(Importer), TriggerStatus.Failed, exceptionType: typeof(TimeoutException))],
            inputsJson: """{"key":"case25-timeout","result":-1}""");
        await h.Scheduler.StartAsync();
        var importer = WorkflowCatalog.Find(nameof(Importer))!;

        foreach (var inputs in new[]
                 {
                     """{"tenant":"x","fail":""}""", """{"tenant":"y","fail":""}""", """{"tenant":"x","fail":"other"}""", """{"tenant":"x","fail":"timeout"}""",
                 })
        {
            await importer.StartAsync(inputs, h.Runner);
            await SettleAsync(h);
        }

        Assert.Single(await FiredAsync(h, "after"));
        Assert.Equal([42], AfterImport.Seen.Where(s => s.Key == "case25").Select(s => s.Result));
        var timeout = Assert.Single(await FiredAsync(h, "on-timeout"));
        Assert.Equal("status:Importer", timeout.Condition);
        Assert.Single(AfterImport.Seen, s => s.Key == "case25-timeout");
    }

    [Fact]
    public async Task Case26_StatusCycleStopsAtTheChainLimit()
    {
        await using var h = new Harness();
        await h.Scheduler.AddTriggerAsync("pong-on-ping", nameof(PongFlow), [TriggerCondition.OnStatus(nameof(PingFlow))], inputsJson: """{"key":"case26"}""");
        await h.Scheduler.AddTriggerAsync("ping-on-pong", nameof(PingFlow), [TriggerCondition.OnStatus(nameof(PongFlow))], inputsJson: """{"key":"case26"}""");
        await h.Scheduler.StartAsync();
        await WorkflowCatalog.Find(nameof(PingFlow))!.StartAsync("""{"key":"case26"}""", h.Runner, "first");
        await SettleAsync(h);

        var fired = (await FiredAsync(h, "pong-on-ping")).Length + (await FiredAsync(h, "ping-on-pong")).Length;
        Assert.Equal(32, fired);
        var all = await h.Scheduler.GetOccurrencesAsync();
        var rejected = Assert.Single(all, o => o.Outcome == OccurrenceOutcome.Rejected);
        Assert.Equal(OccurrenceReason.TriggerChainTooDeep, rejected.Reason);
        Assert.Contains("TriggerChainTooDeep", rejected.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Case27_AllJoinWithCorrelationWindowAndFifo()
    {
        await using var h = new Harness();
        await h.Scheduler.AddTriggerAsync("join", nameof(Joined),
            [TriggerCondition.OnEvent("paid"), TriggerCondition.OnEvent("shipped")],
            new TriggerOptions { Join = JoinKind.All, CorrelateBy = "orderId", Within = TimeSpan.FromHours(1) },
            """{"key":"case27"}""", [InputBinding.FromTrigger("condition", TriggerValue.Condition)]);
        await h.Scheduler.StartAsync();

        await h.Scheduler.PublishEventAsync("paid", """{"orderId":1}""", "paid-1");
        await h.Scheduler.PublishEventAsync("shipped", """{"orderId":2}""", "shipped-2");
        await SettleAsync(h);
        Assert.Empty(await FiredAsync(h, "join"));

        await h.Scheduler.PublishEventAsync("shipped", """{"orderId":1}""", "shipped-1");
        await SettleAsync(h);
        Assert.Equal(["paid-1+shipped-1"], (await FiredAsync(h, "join")).Select(o => o.EventId));

        await h.Scheduler.PublishEventAsync("paid", """{"orderId":3}""", "paid-3");
        await h.AdvanceToAsync(h.Now.AddHours(2));
        await h.Scheduler.PublishEventAsync("shipped", """{"orderId":3}""", "shipped-3");
        await SettleAsync(h);
        Assert.Single(await FiredAsync(h, "join"));
        Assert.Contains(await h.OutcomesAsync("join"), o => o is { Outcome: OccurrenceOutcome.Expired, Reason: OccurrenceReason.Join, EventId: "paid-3" });

        await h.Scheduler.PublishEventAsync("paid", """{"orderId":4}""", "paid-4a");
        await h.Scheduler.PublishEventAsync("paid", """{"orderId":4}""", "paid-4b");
        await h.Scheduler.PublishEventAsync("shipped", """{"orderId":4}""", "shipped-4a");
        await h.Scheduler.PublishEventAsync("shipped", """{"orderId":4}""", "shipped-4b");
        await SettleAsync(h);
        Assert.Equal(["paid-1+shipped-1", "paid-4a+shipped-4a", "paid-4b+shipped-4b"], (await FiredAsync(h, "join")).Select(o => o.EventId));
        Assert.All(Joined.Seen.Where(s => s.Key == "case27"), s => Assert.Equal("all", s.Condition));
    }

    [Fact]
    public async Task Case28_AnyIsOneRunPerOccurrence()
    {
        await using var h = new Harness();
        await h.Scheduler.AddTriggerAsync("any", nameof(Joined), [TriggerCondition.OnEvent("a"), TriggerCondition.OnEvent("b")],
            inputsJson: """{"key":"case28"}""", bindings: [InputBinding.FromTrigger("condition", TriggerValue.Condition)]);
        await h.Scheduler.StartAsync();
        await h.Scheduler.PublishEventAsync("a", "{}");
        await h.Scheduler.PublishEventAsync("b", "{}");
        await h.Scheduler.PublishEventAsync("a", "{}");
        await SettleAsync(h);

        Assert.Equal(["a", "b", "a"], (await FiredAsync(h, "any")).Select(o => o.Condition));
        Assert.Equal(["a", "a", "b"], Joined.Seen.Where(s => s.Key == "case28").Select(s => s.Condition).Order());
    }

    [Fact]
    public async Task AFullInboxRefusesAndLosesNothing()
    {
        await using var h = new Harness(inboxCapacity: 2);
        await h.Scheduler.AddTriggerAsync("small", nameof(Joined), [TriggerCondition.OnEvent("x")],
            inputsJson: """{"key":"inbox"}""", bindings: [InputBinding.FromTrigger("condition", TriggerValue.Condition)]);
        await h.Scheduler.PublishEventAsync("x", "{}");
        await h.Scheduler.PublishEventAsync("x", "{}");
        var ex = await Assert.ThrowsAsync<EventInboxFullException>(async () => await h.Scheduler.PublishEventAsync("x", "{}"));
        Assert.Equal(2, ex.Capacity);

        // Through the runner directly: refused too, and recorded (never a silent drop).
        await h.Runner.PublishEventAsync("x", "{}");
        await h.Scheduler.WhenIdleAsync();
        Assert.Contains(await h.Scheduler.GetOccurrencesAsync(), o => o is { Outcome: OccurrenceOutcome.Rejected, Reason: OccurrenceReason.InboxFull });

        await h.Scheduler.StartAsync();
        await SettleAsync(h);
        Assert.Equal(2, (await FiredAsync(h, "small")).Length);
    }

    [Fact]
    public async Task AnAllJoinWithoutAWindowIsRefused()
    {
        await using var h = new Harness();
        var ex = await Assert.ThrowsAsync<SchedulingConfigurationException>(() => h.Scheduler.AddTriggerAsync("j", nameof(Joined),
            [TriggerCondition.OnEvent("a"), TriggerCondition.OnEvent("b")], new TriggerOptions { Join = JoinKind.All }));
        Assert.Contains("needs Within", ex.Message, StringComparison.Ordinal);
    }
}
