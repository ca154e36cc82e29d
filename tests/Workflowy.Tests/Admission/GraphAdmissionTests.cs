using Microsoft.Extensions.Time.Testing;
using Workflowy.Tests.Workflows;

namespace Workflowy.Tests;

/// <summary>
/// <c>[ConcurrencyKey]</c> and <c>[CacheResult]</c> on graph tasks, compiled by the generator: the key arguments are
/// the task's inputs and dependency results, read when the task is ready (case 29 and case 30(a)).
/// </summary>
[Collection(nameof(CachedPricing))]
public class GraphAdmissionTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Case29_GraphTasks_KeyedByAnInput_ReusePendingCall_MismatchNamesTheArgument_OtherTenantRuns()
    {
        await using var runner = new WorkflowRunner { MaxWorkers = 4 };
        var a1 = new TenantSync();
        var run1 = a1.Start("A", 1, runner);
        await a1.Started.Task.WaitAsync(Guard);

        var a2 = new TenantSync();
        var run2 = a2.Start("A", 2, runner);
        var a3 = new TenantSync();
        var run3 = a3.Start("A", 2, runner);
        var a4 = new TenantSync();
        var run4 = a4.Start("A", 3, runner);
        var mismatch = await Assert.ThrowsAsync<ConcurrencyArgumentMismatchException>(() => run4.Completion.WaitAsync(Guard));
        Assert.Equal("batch", mismatch.ArgumentName);
        Assert.Equal(TaskState.Failed, run4.Sync.State);

        var b1 = new TenantSync();
        var runB = b1.Start("B", 1, runner);
        await b1.Started.Task.WaitAsync(Guard); // in parallel with A1
        Assert.Equal(TaskState.Running, run1.Sync.State);
        Assert.Equal(TaskState.Ready, run2.Sync.State);
        Assert.Equal(TaskState.Ready, run3.Sync.State);
        b1.Release.SetResult(7);

        a1.Release.SetResult(1);
        await a2.Started.Task.WaitAsync(Guard); // A1 ended: A2 starts
        a2.Release.SetResult(22);
        await Task.WhenAll(run1.Completion, run2.Completion, run3.Completion, runB.Completion).WaitAsync(Guard);

        Assert.False(a3.Started.Task.IsCompleted); // A3 never ran: it took A2's outcome
        Assert.Equal(22, run3.Sync.Result);
        Assert.Equal(ResultSource.Reused, run3.Sync.ResultSource);
        Assert.Same(run2.Sync, run3.Sync.ReusedFrom);
        Assert.Equal(0, runner.Admission.KeyCount);
    }

    [Fact]
    public async Task Case29_GraphTasks_Reject_TheRejectedCallNeverRuns_AndItsDependentsSeeItSkipped()
    {
        await using var runner = new WorkflowRunner { MaxWorkers = 4 };
        var a1 = new TenantSyncOrReject();
        var run1 = a1.Start("A", 1, runner);
        await a1.Started.Task.WaitAsync(Guard);

        var a2 = new TenantSyncOrReject();
        var run2 = a2.Start("A", 1, runner);
        await run2.Completion.WaitAsync(Guard);
        Assert.Equal(TaskState.Skipped, run2.Sync.State);
        Assert.IsType<ConcurrencyRejectedException>(run2.Sync.Exception);
        Assert.False(a2.Started.Task.IsCompleted);
        Assert.Equal(TaskState.Skipped, run2.After.State);
        Assert.False(a2.AfterRan);

        a1.Release.SetResult(1);
        await run1.Completion.WaitAsync(Guard);
        Assert.True(a1.AfterRan);
    }

    [Fact]
    public async Task Case30a_GraphTask_CachedByItsDependencyResult_HitExpiryAndFailures()
    {
        CachedPricing.Reset();
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var runner = new WorkflowRunner { TimeProvider = clock };

        var first = await new CachedPricing().RunAsync(1, "r1", runner);
        Assert.Equal("price 10", first.Label.Result);
        Assert.Equal(1, CachedPricing.Executions);

        clock.Advance(TimeSpan.FromMinutes(5));
        var second = await new CachedPricing().RunAsync(1, "r2", runner); // requestId is excluded from the key
        Assert.Equal(TaskState.Completed, second.Price.State);
        Assert.Equal(ResultSource.Cache, second.Price.ResultSource);
        Assert.Equal("price 10", second.Label.Result);
        Assert.Equal(1, CachedPricing.Executions);

        var failing = new CachedPricing { Failure = new InvalidOperationException("down") }.Start(2, "r3", runner);
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing.Completion.WaitAsync(Guard));
        var afterFailure = await new CachedPricing().RunAsync(2, "r4", runner); // the failure was not cached
        Assert.Equal(ResultSource.Executed, afterFailure.Price.ResultSource);
        Assert.Equal(3, CachedPricing.Executions);

        clock.Advance(TimeSpan.FromMinutes(6));
        var expired = await new CachedPricing().RunAsync(1, "r5", runner);
        Assert.Equal(ResultSource.Executed, expired.Price.ResultSource);
        Assert.Equal(4, CachedPricing.Executions);
    }
}
