using Microsoft.Extensions.Time.Testing;

namespace Workflowy.Tests;

/// <summary>The result cache for submitted tasks (<see cref="TaskOptions.Cache"/>): the spec's case 30(a) on a fake clock.</summary>
public class SubmittedResultCacheTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static TaskOptions F(int x, string? requestId = null) => new()
    {
        Name = "f",
        Cache = new ResultCacheOptions(TimeSpan.FromMinutes(10)) { Exclude = ["requestId"] },
        Arguments = new TaskArguments { { "x", x }, { "requestId", requestId } },
    };

    [Fact]
    public async Task Case30a_Hit_Expiry_SingleFlight_AndFailuresAreNotCached()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var runner = new WorkflowRunner { TimeProvider = clock, MaxWorkers = 4, ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun();
        var executions = 0;

        // First call executes.
        var first = run.Submit(F(1), () => Interlocked.Increment(ref executions) * 10);
        Assert.Equal(10, await first.AsTask().WaitAsync(Guard));
        Assert.Equal(ResultSource.Executed, first.ResultSource);

        // +5 min: served from the cache, the body does not run; the event says so too.
        clock.Advance(TimeSpan.FromMinutes(5));
        ResultSource? announced = null;
        run.TaskStateChanged += (_, e) =>
        {
            if (e.NewState == TaskState.Completed && e.Task.Name == "f")
            {
                announced = e.ResultSource;
            }
        };
        var second = run.Submit(F(1, requestId: "other request"), () => Interlocked.Increment(ref executions) * 10);
        Assert.Equal(10, await second.AsTask().WaitAsync(Guard));
        Assert.Equal(TaskState.Completed, second.State);
        Assert.Equal(ResultSource.Cache, second.ResultSource);
        Assert.Equal(ResultSource.Cache, announced);
        Assert.Equal(0, second.Attempts);
        Assert.Equal(1, executions);

        // Another argument is another key.
        var other = run.Submit(F(2), () => Interlocked.Increment(ref executions) * 10);
        Assert.Equal(20, await other.AsTask().WaitAsync(Guard));
        Assert.Equal(2, executions);

        // +11 min after the first: expired, executes again.
        clock.Advance(TimeSpan.FromMinutes(6));
        var third = run.Submit(F(1), () => Interlocked.Increment(ref executions) * 10);
        Assert.Equal(30, await third.AsTask().WaitAsync(Guard));
        Assert.Equal(ResultSource.Executed, third.ResultSource);

        run.Complete();
        await run.Completion.WaitAsync(Guard);
    }

    [Fact]
    public async Task Case30a_TwoConcurrentCallsOnAMiss_ExecuteOnce()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var runner = new WorkflowRunner { TimeProvider = clock, MaxWorkers = 4 };
        var run = runner.CreateRun();
        var executions = 0;
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<int> Body()
        {
            Interlocked.Increment(ref executions);
            started.TrySetResult();
            return await release.Task;
        }

        var a = run.Submit(F(7), Body);
        var b = run.Submit(F(7), Body);
        await started.Task.WaitAsync(Guard);
        Assert.Equal(TaskState.Ready, b.State); // waits for a's flight
        release.SetResult(70);
        Assert.Equal(70, await a.AsTask().WaitAsync(Guard));
        Assert.Equal(70, await b.AsTask().WaitAsync(Guard));
        Assert.Equal(1, executions);
        Assert.Equal(ResultSource.Cache, b.ResultSource);
        run.Complete();
        await run.Completion.WaitAsync(Guard);
    }

    [Fact]
    public async Task Case30a_AFailingCallIsNotCached_AndItsWaitersRunAgain()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var runner = new WorkflowRunner { TimeProvider = clock, MaxWorkers = 4, ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun();
        var executions = 0;
        var release = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var failing = run.Submit(F(3), async () =>
        {
            Interlocked.Increment(ref executions);
            started.TrySetResult();
            return await release.Task;
        });
        await started.Task.WaitAsync(Guard);
        var waiter = run.Submit(F(3), () => Interlocked.Increment(ref executions) * 100);
        release.SetException(new InvalidOperationException("down"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => failing.AsTask().WaitAsync(Guard));
        Assert.Equal(200, await waiter.AsTask().WaitAsync(Guard)); // ran itself: the failure was not shared
        Assert.Equal(ResultSource.Executed, waiter.ResultSource);

        var later = run.Submit(F(3), () => Interlocked.Increment(ref executions) * 100);
        Assert.Equal(200, await later.AsTask().WaitAsync(Guard)); // the waiter's success is cached
        Assert.Equal(ResultSource.Cache, later.ResultSource);
        Assert.Equal(2, executions);
        run.Complete();
        await run.Completion.WaitAsync(Guard);
    }

    [Fact]
    public async Task TheCacheIsPluggable_AndInvalidateForgetsAResult()
    {
        var cache = new InMemoryResultCache(capacity: 2);
        await using var runner = new WorkflowRunner { ResultCache = cache };
        var run = runner.CreateRun();
        var executions = 0;
        Assert.Equal(1, await run.Submit(F(1), () => Interlocked.Increment(ref executions)).AsTask().WaitAsync(Guard));
        Assert.Equal(1, cache.Count);
        Assert.True(cache.Invalidate(new ResultCacheKey("f", new TaskArguments { { "x", 1 } })));
        Assert.Equal(2, await run.Submit(F(1), () => Interlocked.Increment(ref executions)).AsTask().WaitAsync(Guard));

        // Bounded: the least recently used entry goes first.
        await run.Submit(F(2), () => 0).AsTask().WaitAsync(Guard);
        await run.Submit(F(3), () => 0).AsTask().WaitAsync(Guard);
        Assert.Equal(2, cache.Count);
        Assert.False(cache.TryGet(new ResultCacheKey("f", new TaskArguments { { "x", 1 } }), DateTimeOffset.MinValue, out _));
        run.Complete();
        await run.Completion.WaitAsync(Guard);
    }
}
