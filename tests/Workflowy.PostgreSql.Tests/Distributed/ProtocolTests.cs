using System.Globalization;
using Workflowy.PostgreSql.Tests.Infrastructure;
using static Workflowy.PostgreSql.Tests.Distributed.HandDefinition;

namespace Workflowy.PostgreSql.Tests.Distributed;

/// <summary>The distributed protocol with workers in this process: results along the graph, retries, policies, timeouts, fencing, reaping, fan-in.</summary>
public sealed class ProtocolTests(PostgresServer server) : PostgresTest(server)
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    private PostgreSqlWorkflowyOptions Tuned(bool listen = true, double leaseSeconds = 30, int batch = 16) => new()
    {
        ConnectionString = Server.ConnectionString,
        Schema = Schema,
        UseListenNotify = listen,
        LeaseDuration = TimeSpan.FromSeconds(leaseSeconds),
        HeartbeatInterval = TimeSpan.FromSeconds(leaseSeconds / 4),
        ReaperInterval = TimeSpan.FromMilliseconds(200),
        PollInterval = TimeSpan.FromMilliseconds(listen ? 1000 : 50),
        ClaimBatchSize = batch,
        MaxConcurrency = 32,
    };

    private async Task<PostgreSqlWorker> WorkerAsync(TestBodies bodies, PostgreSqlWorkflowyOptions options)
    {
        var worker = Track(new PostgreSqlWorker(options, bodies));
        await worker.StartAsync();
        return worker;
    }

    private static int Int(string? json) => int.Parse(json!, CultureInfo.InvariantCulture);

    private static string Json(int value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task ADiamond_RunsOnWorkers_ResultsFlowAlongTheGraph_AndTheStarterReadsThem()
    {
        var definition = new HandDefinition("Tests.Diamond", Node("A", null), Node("B", null, 0), Node("C", null, 0), Node("D", null, 1, 2));
        var bodies = new TestBodies(definition)
            .On("A", (call, _) => new(Json(int.Parse(call.InputsJson[5..^1], CultureInfo.InvariantCulture))))
            .On("B", (call, _) => new(Json(Int(call.DependencyResults["A"]) * 2)))
            .On("C", (call, _) => new(Json(Int(call.DependencyResults["A"]) + 1)))
            .On("D", (call, _) => new(Json(Int(call.DependencyResults["B"]) * 100 + Int(call.DependencyResults["C"]))));
        await using var client = new PostgreSqlWorkflowClient(Tuned());
        await WorkerAsync(bodies, Tuned());
        await WorkerAsync(bodies, Tuned());

        var runId = await client.StartAsync(definition, "{\"x\":7}");
        var run = await client.WaitForRunAsync(definition.FullName, runId).WaitAsync(Guard);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(["A", "B", "C", "D"], run.Tasks.Select(t => t.Key));
        Assert.Equal(["7", "14", "8", "1408"], run.Tasks.Select(t => t.ResultJson));
        Assert.All(run.Tasks, t => Assert.Equal((TaskState.Completed, 1), (t.State, t.Attempts)));
        Assert.All(bodies.Executions.Values, n => Assert.Equal(1, n));
        Assert.NotNull(run.EndedAt);

        var listed = (await client.Store.QueryRunsAsync(new RunQuery { Workflow = definition.FullName })).Runs.Single();
        Assert.Equal((runId, (RunStatus?)RunStatus.Completed, 4), (listed.RunId, listed.Status, listed.Tasks.Completed));
        await Assert.ThrowsAsync<InvalidOperationException>(() => client.StartAsync(definition, "{\"x\":1}", runId));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AWideRun_SharedByThreeWorkers_RunsEveryBodyOnce(bool listen)
    {
        var nodes = new List<WorkflowGraphNode> { Node("Root", null) };
        nodes.AddRange(Enumerable.Range(0, 300).Select(i => Node("T" + i, null, 0)));
        var definition = new HandDefinition("Tests.Wide", [.. nodes]);
        var bodies = new TestBodies(definition).On("Root", (_, _) => new("1"));
        for (var i = 0; i < 300; i++)
        {
            var value = i;
            bodies.On("T" + i, async (call, ct) =>
            {
                await Task.Yield();
                return Json(value + Int(call.DependencyResults["Root"]));
            });
        }

        await using var client = new PostgreSqlWorkflowClient(Tuned(listen));
        var workers = new[] { await WorkerAsync(bodies, Tuned(listen)), await WorkerAsync(bodies, Tuned(listen)), await WorkerAsync(bodies, Tuned(listen)) };

        var runId = await client.StartAsync(definition, "{}");
        var run = await client.WaitForRunAsync(definition.FullName, runId).WaitAsync(Guard);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(301, run.Tasks.Count);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => Json(i + 1)), Enumerable.Range(0, 300).Select(i => run.Tasks.Single(t => t.Key == "T" + i).ResultJson));
        Assert.Equal(301, bodies.Executions.Count);
        Assert.All(bodies.Executions.Values, n => Assert.Equal(1, n));
        Assert.Equal(301, workers.Sum(w => w.Statistics.Accepted));
        Assert.Equal(0, workers.Sum(w => w.Statistics.FencedWrites));
    }

    [Fact]
    public async Task Retries_FollowTheTasksPolicy_AndDependencyPoliciesDecideTheDependents()
    {
        var definition = new HandDefinition(
            "Tests.Policies",
            Node("Flaky", new TaskOptions { MaxAttempts = 3 }),
            Node("Broken", new TaskOptions { MaxAttempts = 2 }),
            Node("FailDep", new TaskOptions { OnDependencyFailure = DependencyFailure.Fail }, 1),
            Node("SkipDep", new TaskOptions { OnDependencyFailure = DependencyFailure.Skip }, 1),
            Node("Anyway", new TaskOptions { OnDependencyFailure = DependencyFailure.RunAnyway }, 0, 1),
            Node("AfterFail", null, 2),
            Node("NotRetried", new TaskOptions { MaxAttempts = 5, RetryOn = e => e is not ArgumentException }));
        var flaky = 0;
        var bodies = new TestBodies(definition)
            .On("Flaky", (call, _) => Interlocked.Increment(ref flaky) < 3 ? throw new IOException("transient " + call.Attempt) : new("\"ok\""))
            .On("Broken", (_, _) => throw new InvalidOperationException("always"))
            .On("FailDep", (_, _) => new("1"))
            .On("SkipDep", (_, _) => new("1"))
            .On("Anyway", (call, _) => new($"\"{call.DependencyResults["Flaky"]?.Trim('"')}+{call.DependencyResults["Broken"] ?? "none"}\""))
            .On("AfterFail", (_, _) => new("1"))
            .On("NotRetried", (_, _) => throw new ArgumentException("bad input"));
        await using var client = new PostgreSqlWorkflowClient(Tuned());
        await WorkerAsync(bodies, Tuned());

        var runId = await client.StartAsync(definition, "{}");
        var run = await client.WaitForRunAsync(definition.FullName, runId).WaitAsync(Guard);
        var tasks = run.Tasks.ToDictionary(t => t.Key);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal((TaskState.Completed, 3, "\"ok\""), (tasks["Flaky"].State, tasks["Flaky"].Attempts, tasks["Flaky"].ResultJson));
        Assert.Equal((TaskState.Failed, 2), (tasks["Broken"].State, tasks["Broken"].Attempts));
        Assert.StartsWith("InvalidOperationException: always", tasks["Broken"].Error);
        Assert.Equal(TaskState.Failed, tasks["FailDep"].State);
        Assert.StartsWith("DependencyFailedException: Task 'FailDep'", tasks["FailDep"].Error);
        Assert.Equal(TaskState.Skipped, tasks["SkipDep"].State);
        Assert.Equal(TaskState.Failed, tasks["AfterFail"].State);
        Assert.Equal((TaskState.Completed, "\"ok+none\""), (tasks["Anyway"].State, tasks["Anyway"].ResultJson));
        Assert.Equal((TaskState.Failed, 1), (tasks["NotRetried"].State, tasks["NotRetried"].Attempts));
        Assert.False(bodies.Executions.ContainsKey(runId + "/FailDep"));
        Assert.False(bodies.Executions.ContainsKey(runId + "/SkipDep"));
        Assert.False(bodies.Executions.ContainsKey(runId + "/AfterFail"));
    }

    [Fact]
    public async Task ABackoff_IsTimedByTheDatabaseClock_TheTaskWaitsReadyUntilItsRunAfter()
    {
        var definition = new HandDefinition("Tests.Backoff", Node("Slow", new TaskOptions { MaxAttempts = 2, Backoff = Backoff.Linear, BackoffBase = TimeSpan.FromHours(1), BackoffCap = TimeSpan.FromHours(2) }));
        var failed = new TaskCompletionSource();
        var bodies = new TestBodies(definition).On("Slow", (_, _) => { failed.TrySetResult(); throw new IOException("later"); });
        await using var client = new PostgreSqlWorkflowClient(Tuned());
        var worker = await WorkerAsync(bodies, Tuned());

        var runId = await client.StartAsync(definition, "{}");
        await failed.Task.WaitAsync(Guard);
        while (worker.Statistics.Accepted == 0)
        {
            await Task.Delay(10);
        }

        var wait = await QueryAsync<double>($"SELECT extract(epoch FROM run_after - now())::float8 FROM \"{Schema}\".queue WHERE state = 1 AND attempt = 1");
        Assert.InRange(Assert.Single(wait), 3000, 3600);
        Assert.Equal(RunStatus.Running, await client.GetStatusAsync(definition.FullName, runId));
        Assert.Equal(1, bodies.Executions[runId + "/Slow"]);
    }

    [Fact]
    public async Task ATimeout_EndsTheAttempt_AndFailsTheTask_WithATimeoutError()
    {
        var definition = new HandDefinition("Tests.Timeout", Node("Hang", new TaskOptions { Timeout = TimeSpan.FromMilliseconds(100) }));
        var bodies = new TestBodies(definition).On("Hang", async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return "1";
        });
        await using var client = new PostgreSqlWorkflowClient(Tuned());
        await WorkerAsync(bodies, Tuned());

        var runId = await client.StartAsync(definition, "{}");
        var run = await client.WaitForRunAsync(definition.FullName, runId).WaitAsync(Guard);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.StartsWith("TaskTimeoutException", run.Tasks.Single().Error);
    }

    [Fact]
    public async Task AWorkerPausedPastItsLease_IsFenced_ItsLateWriteChangesNothing_AndItStops()
    {
        var definition = new HandDefinition("Tests.Zombie", Node("Work", null), Node("Next", null, 0));
        var zombieDone = new TaskCompletionSource();
        var takenOver = new TaskCompletionSource();
        var bodies = new TestBodies(definition).On("Work", (call, _) => new("\"work\"")).On("Next", (call, _) => new($"\"next after {call.DependencyResults["Work"]!.Trim('"')}\""));
        var zombieBodies = new TestBodies(definition).On("Work", (call, _) => { zombieDone.TrySetResult(); return new("\"zombie\""); });
        var takerBodies = new TestBodies(definition)
            .On("Work", (call, _) => { takenOver.TrySetResult(); return new("\"work\""); })
            .On("Next", (call, _) => new($"\"next after {call.DependencyResults["Work"]!.Trim('"')}\""));
        await using var client = new PostgreSqlWorkflowClient(Tuned());

        // The zombie: claims Work, runs it, then is "paused" (no heartbeat, its completion held) past its 2 s lease.
        var gate = new TaskCompletionSource();
        var zombie = Track(new PostgreSqlWorker(Tuned(leaseSeconds: 2), zombieBodies) { HeartbeatSuspended = true, BeforeComplete = _ => gate.Task });
        await zombie.StartAsync();
        var runId = await client.StartAsync(definition, "{}");
        await zombieDone.Task.WaitAsync(Guard);

        // Another worker's reaper declares it dead, hands Work over (attempt 2), and the run finishes without it.
        await WorkerAsync(takerBodies, Tuned(leaseSeconds: 2));
        await takenOver.Task.WaitAsync(Guard);
        var run = await client.WaitForRunAsync(definition.FullName, runId).WaitAsync(Guard);

        // The zombie wakes up and writes: fenced.
        gate.SetResult();
        zombie.HeartbeatSuspended = false;
        await Assert.ThrowsAsync<WorkerLeaseLostException>(() => zombie.Completion.WaitAsync(Guard));

        Assert.Equal(1, zombie.Statistics.FencedWrites);
        Assert.Equal(0, zombie.Statistics.Accepted);
        Assert.Equal([1L], await QueryAsync<long>($"SELECT value FROM \"{Schema}\".counters WHERE name = 'fenced_writes'"));
        Assert.Equal(RunStatus.Completed, run.Status);
        var after = (await client.Store.LoadAsync(definition.FullName, runId))!;
        Assert.Equal(["\"next after work\"", "\"work\""], after.Tasks.Select(t => t.ResultJson));
        Assert.Equal([2], await QueryAsync<int>($"SELECT r.attempt FROM \"{Schema}\".results r JOIN \"{Schema}\".queue q ON q.id = r.task_id WHERE q.key = 'Work'"));
        Assert.Equal(1, after.Tasks.Single(t => t.Key == "Work").Attempts); // the lost attempt does not count against the policy
        Assert.Equal([1L], await QueryAsync<long>($"SELECT value FROM \"{Schema}\".counters WHERE name = 'dead_workers'"));
    }

    [Fact]
    public async Task TheReaper_NeverOverwritesACompletedTask_ItsUpdateRechecksTheState()
    {
        var definition = new HandDefinition("Tests.Race", Node("A", null));
        var bodies = new TestBodies(definition).On("A", (_, _) => new("1"));
        await using var client = new PostgreSqlWorkflowClient(Tuned());
        var worker = await WorkerAsync(bodies, Tuned());
        var runId = await client.StartAsync(definition, "{}");
        await client.WaitForRunAsync(definition.FullName, runId).WaitAsync(Guard);

        // Its worker "dies" after the completion committed: the reaper finds nothing of it to return.
        await ExecuteAsync($"UPDATE \"{Schema}\".workers SET lease_until = now() - interval '1 hour'");
        Assert.Equal(0, await worker.ReapAsync(CancellationToken.None));
        var run = (await client.Store.LoadAsync(definition.FullName, runId))!;
        Assert.Equal((RunStatus.Completed, TaskState.Completed, "1"), (run.Status!.Value, run.Tasks.Single().State, run.Tasks.Single().ResultJson));
    }

    [Fact]
    public async Task AFanInStorm_CompletedByThreeWorkers_ReadiesEachChildOnce_NoDeadlock()
    {
        const int Parents = 40;
        const int Children = 40;
        var nodes = new List<WorkflowGraphNode>();
        nodes.AddRange(Enumerable.Range(0, Parents).Select(i => Node("P" + i, null)));
        nodes.AddRange(Enumerable.Range(0, Children).Select(i => Node("C" + i, null, Enumerable.Range(0, Parents).ToArray())));
        var definition = new HandDefinition("Tests.FanIn", [.. nodes]);
        var bodies = new TestBodies(definition);
        for (var i = 0; i < Parents; i++)
        {
            var value = i;
            bodies.On("P" + i, (_, _) => new(Json(value)));
        }

        for (var i = 0; i < Children; i++)
        {
            bodies.On("C" + i, (call, _) => new(Json(call.DependencyResults.Values.Sum(Int))));
        }

        await using var client = new PostgreSqlWorkflowClient(Tuned());
        for (var w = 0; w < 3; w++)
        {
            await WorkerAsync(bodies, Tuned(batch: 4));
        }

        var runIds = new List<string>();
        for (var r = 0; r < 3; r++)
        {
            runIds.Add(await client.StartAsync(definition, "{}"));
        }

        foreach (var runId in runIds)
        {
            var run = await client.WaitForRunAsync(definition.FullName, runId).WaitAsync(Guard);
            Assert.Equal(RunStatus.Completed, run.Status);
            Assert.All(run.Tasks.Where(t => t.Key.StartsWith('C')), t => Assert.Equal(Json(Parents * (Parents - 1) / 2), t.ResultJson));
        }

        Assert.All(bodies.Executions.Values, n => Assert.Equal(1, n));
        Assert.Equal([0], (await QueryAsync<int>($"SELECT DISTINCT pending_deps FROM \"{Schema}\".queue")));
    }
}
