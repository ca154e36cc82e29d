using System.Collections.Generic;
using System.Collections.Concurrent;

namespace Workflowy.Tests;

/// <summary>
/// Concurrency control by key arguments for submitted tasks (<see cref="TaskOptions.Concurrency"/> with
/// <see cref="TaskOptions.Arguments"/>): the spec's case 29, each call in a run of its own (keys are per runner).
/// </summary>
public class SubmittedConcurrencyKeyTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static TaskCompletionSource<T> Gate<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TaskOptions Sync(string tenant, int batch, ConcurrencyLimit onLimit, int maxPending = 1) => new()
    {
        Name = "sync",
        Concurrency = new ConcurrencyOptions("tenant") { MaxRunning = 1, MaxPending = maxPending, OnLimit = onLimit },
        Arguments = new TaskArguments { { "tenant", tenant }, { "batch", batch } },
    };

    /// <summary>One call: a run of its own with one task whose body records its start and waits for its gate.</summary>
    private sealed class Call
    {
        public Call(WorkflowRunner runner, string label, TaskOptions options, ConcurrentQueue<string> started)
        {
            Run = runner.CreateRun(label);
            Handle = Run.Submit(options, async () =>
            {
                started.Enqueue(label);
                Started.TrySetResult();
                return await Release.Task;
            });
            Run.Complete();
        }

        public DynamicRun Run { get; }

        public TaskHandle<int> Handle { get; }

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<int> Release { get; } = Gate<int>();
    }

    [Fact]
    public async Task Case29_Reuse_PendingCallIsReused_MismatchIsAnError_OtherKeysRunInParallel_NextStartsWhenTheFirstEnds()
    {
        await using var runner = new WorkflowRunner { MaxWorkers = 4 };
        var started = new ConcurrentQueue<string>();

        var a1 = new Call(runner, "A1", Sync("A", 1, ConcurrencyLimit.Reuse), started);
        await a1.Started.Task.WaitAsync(Guard);

        var a2 = new Call(runner, "A2", Sync("A", 2, ConcurrencyLimit.Reuse), started);
        Assert.Equal(TaskState.Ready, a2.Handle.State); // pending: admitted to the key's queue, not started

        var a3 = new Call(runner, "A3", Sync("A", 2, ConcurrencyLimit.Reuse), started);
        Assert.Equal(TaskState.Ready, a3.Handle.State);

        var a4 = new Call(runner, "A4", Sync("A", 3, ConcurrencyLimit.Reuse), started);
        var mismatch = await Assert.ThrowsAsync<ConcurrencyArgumentMismatchException>(() => a4.Handle.AsTask().WaitAsync(Guard));
        Assert.Equal("batch", mismatch.ArgumentName);
        Assert.Contains("'batch'", mismatch.Message);
        Assert.Equal(TaskState.Failed, a4.Handle.State);

        // Tenant B is another key: it runs while A1 still runs.
        var b1 = new Call(runner, "B1", Sync("B", 1, ConcurrencyLimit.Reuse), started);
        await b1.Started.Task.WaitAsync(Guard);
        Assert.Equal(TaskState.Running, a1.Handle.State);
        b1.Release.SetResult(100);

        Assert.False(a2.Started.Task.IsCompleted);
        a1.Release.SetResult(1);
        await a1.Handle.AsTask().WaitAsync(Guard);
        await a2.Started.Task.WaitAsync(Guard); // A1 ended: A2 takes its slot
        Assert.False(a3.Started.Task.IsCompleted);
        a2.Release.SetResult(22);

        Assert.Equal(22, await a3.Handle.AsTask().WaitAsync(Guard));
        Assert.Equal(ResultSource.Reused, a3.Handle.ResultSource);
        Assert.Same(a2.Handle, a3.Handle.ReusedFrom);
        Assert.Equal(ResultSource.Executed, a2.Handle.ResultSource);
        Assert.Equal(0, a3.Handle.Attempts);
        await Task.WhenAll(a1.Run.Completion, a2.Run.Completion, a3.Run.Completion, b1.Run.Completion).WaitAsync(Guard);
        Assert.Equal(new[] { "A1", "B1", "A2" }, started.ToArray());
        Assert.Equal(0, runner.Admission.KeyCount);
    }

    [Fact]
    public async Task Case29_Reject_TheCallOverTheLimitEndsRejected_AndNeverRuns()
    {
        await using var runner = new WorkflowRunner { MaxWorkers = 4 };
        var started = new ConcurrentQueue<string>();
        var a1 = new Call(runner, "A1", Sync("A", 1, ConcurrencyLimit.Reject), started);
        await a1.Started.Task.WaitAsync(Guard);

        var a2 = new Call(runner, "A2", Sync("A", 2, ConcurrencyLimit.Reject), started);
        var rejected = await Assert.ThrowsAsync<ConcurrencyRejectedException>(() => a2.Handle.AsTask().WaitAsync(Guard));
        Assert.Equal(TaskState.Skipped, a2.Handle.State);
        Assert.Equal(0, a2.Handle.Attempts);
        Assert.Contains("sync(tenant: \"A\")", rejected.Key);
        await a2.Run.Completion.WaitAsync(Guard); // a rejection is not a failure of the run

        a1.Release.SetResult(1);
        await a1.Run.Completion.WaitAsync(Guard);
        Assert.Equal(new[] { "A1" }, started.ToArray());
    }

    [Fact]
    public async Task Queue_CallsWaitInOrder_UpToMaxPending_ThenAreRejected()
    {
        await using var runner = new WorkflowRunner { MaxWorkers = 4 };
        var started = new ConcurrentQueue<string>();
        var first = new Call(runner, "1", Sync("A", 1, ConcurrencyLimit.Queue, maxPending: 2), started);
        await first.Started.Task.WaitAsync(Guard);
        var second = new Call(runner, "2", Sync("A", 2, ConcurrencyLimit.Queue, maxPending: 2), started);
        var third = new Call(runner, "3", Sync("A", 3, ConcurrencyLimit.Queue, maxPending: 2), started);
        var fourth = new Call(runner, "4", Sync("A", 4, ConcurrencyLimit.Queue, maxPending: 2), started);
        await Assert.ThrowsAsync<ConcurrencyRejectedException>(() => fourth.Handle.AsTask().WaitAsync(Guard));

        first.Release.SetResult(1);
        await second.Started.Task.WaitAsync(Guard);
        Assert.False(third.Started.Task.IsCompleted);
        second.Release.SetResult(2);
        await third.Started.Task.WaitAsync(Guard);
        third.Release.SetResult(3);
        await Task.WhenAll(first.Run.Completion, second.Run.Completion, third.Run.Completion).WaitAsync(Guard);
        Assert.Equal(new[] { "1", "2", "3" }, started.ToArray());
        Assert.Equal(0, runner.Admission.KeyCount);
    }

    [Fact]
    public async Task APendingCallThatIsCancelled_GivesUpItsPlace_AndAFailedCallGivesUpItsSlot()
    {
        await using var runner = new WorkflowRunner { MaxWorkers = 4, ErrorPolicy = ErrorPolicy.Continue };
        var started = new ConcurrentQueue<string>();
        var first = new Call(runner, "1", Sync("A", 1, ConcurrencyLimit.Queue), started);
        await first.Started.Task.WaitAsync(Guard);
        var second = new Call(runner, "2", Sync("A", 2, ConcurrencyLimit.Queue, maxPending: 2), started);
        var third = new Call(runner, "3", Sync("A", 3, ConcurrencyLimit.Queue, maxPending: 2), started);
        Assert.True(second.Handle.Cancel());
        Assert.Equal(TaskState.Cancelled, second.Handle.State);

        first.Release.SetException(new InvalidOperationException("boom"));
        await third.Started.Task.WaitAsync(Guard);
        third.Release.SetResult(3);
        await Task.WhenAll(first.Run.Completion, third.Run.Completion).WaitAsync(Guard);
        Assert.Equal(new[] { "1", "3" }, started.ToArray());
        Assert.Equal(0, runner.Admission.KeyCount);
    }

    [Fact]
    public async Task ATaskLevelLimit_WithoutKeyArguments_SerialisesEveryCall_AndRetriesKeepTheSlot()
    {
        await using var runner = new WorkflowRunner { MaxWorkers = 4, TimeProvider = new Microsoft.Extensions.Time.Testing.FakeTimeProvider() };
        var run = runner.CreateRun();
        var running = 0;
        var maxSeen = 0;
        var attempts = 0;
        var options = new TaskOptions { Name = "one-at-a-time", Concurrency = new ConcurrencyOptions(), Retries = 1, Backoff = Backoff.None };
        var handles = new List<TaskHandle<int>>();
        for (var i = 0; i < 5; i++)
        {
            var n = i;
            handles.Add(run.Submit(options, async () =>
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref maxSeen, now);
                await Task.Yield();
                if (n == 0 && Interlocked.Increment(ref attempts) == 1)
                {
                    Interlocked.Decrement(ref running);
                    throw new InvalidOperationException("first attempt fails");
                }

                Interlocked.Decrement(ref running);
                return n;
            }));
        }

        run.Complete();
        await run.Completion.WaitAsync(Guard);
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, handles.Select(h => h.Result).OrderBy(x => x).ToArray());
        Assert.Equal(1, maxSeen);
        Assert.Equal(2, handles[0].Attempts);
    }

    [Fact]
    public void Submitting_WithConcurrency_NeedsANameAndTheKeyArguments()
    {
        var run = new WorkflowRunner().CreateRun();
        var noName = Assert.Throws<ArgumentException>(() => run.Submit(new TaskOptions { Concurrency = new ConcurrencyOptions() }, static () => 1));
        Assert.Contains("needs a Name", noName.Message);
        var noArgument = Assert.Throws<ArgumentException>(() => run.Submit(new TaskOptions { Name = "x", Concurrency = new ConcurrencyOptions("tenant") }, static () => 1));
        Assert.Contains("'tenant'", noArgument.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConcurrencyOptions { MaxRunning = 0 });
        Assert.Throws<ArgumentException>(() => new TaskOptions { Concurrency = new ConcurrencyOptions { OnLimit = ConcurrencyLimit.Reuse, MaxPending = 0 } });
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
