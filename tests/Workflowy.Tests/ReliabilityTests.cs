using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Workflowy.Tests.Infrastructure;

namespace Workflowy.Tests;

/// <summary>
/// Issue 17: nothing the user's code does takes the process down or wedges a run. Asynchronous reproductions run in
/// this process: a crash (an exception escaping a continuation or a timer callback) would kill the test host.
/// </summary>
public class ReliabilityTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    // ---------------------------------------------------------------- item 2: user code that throws

    public static TheoryData<bool> Bodies => new() { false, true };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task ALoggerThatThrows_WhileARetryIsLogged_ChangesNothing(bool async)
    {
        await using var runner = new WorkflowRunner { Logger = new ThrowingLogger(), ErrorPolicy = ErrorPolicy.Log };
        var run = runner.CreateRun("throwing-logger");
        var calls = 0;
        var flaky = async
            ? run.Submit(new TaskOptions { Retries = 1, Backoff = Backoff.None }, async () =>
            {
                await Task.Yield();
                return Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("first") : 1;
            })
            : run.Submit(new TaskOptions { Retries = 1, Backoff = Backoff.None }, () =>
                Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("first") : 1);
        var broken = run.Submit(new Func<int>(() => throw new InvalidOperationException("always")));
        var dependent = run.Submit(broken, static x => x);
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.Equal(1, flaky.Result);
        Assert.Equal(2, flaky.Attempts);
        Assert.Equal(TaskState.Failed, broken.State);
        Assert.Equal(TaskState.Failed, dependent.State);
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task AnExceptionWhoseMessageThrows_WithRetries_FailsTheTask_AndTheRunGoesOn(bool async)
    {
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue, Logger = new ThrowingLogger() };
        var run = runner.CreateRun("evil-message");
        var evil = Submit(run, async, new TaskOptions { Retries = 2, Backoff = Backoff.None });
        var after = run.Submit(() => 2);
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.Equal(TaskState.Failed, evil.State);
        Assert.Equal(3, evil.Attempts);
        var exhausted = Assert.IsType<RetriesExhaustedException>(evil.Exception);
        Assert.IsType<EvilMessageException>(exhausted.InnerException);
        Assert.Contains(nameof(EvilMessageException), exhausted.Message);
        Assert.Equal(2, after.Result);
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task AnExceptionWhoseMessageThrows_WithAStore_IsRecorded_AndTheRunGoesOn(bool async)
    {
        var store = new InMemoryWorkflowStore();
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue, Store = store };
        var run = runner.CreateRun("evil-message-store");
        var evil = Submit(run, async, new TaskOptions { Retries = 1, Backoff = Backoff.None });
        var after = run.Submit(() => 2);
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.Equal(TaskState.Failed, evil.State);
        Assert.Equal(2, after.Result);
        var checkpoint = await store.LoadAsync(run.WorkflowKey, run.RunId);
        var record = Assert.Single(checkpoint!.Tasks, t => t.Key == evil.Key);
        Assert.Equal(TaskState.Failed, record.State);
        Assert.Contains(nameof(RetriesExhaustedException), record.Error);
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task AnExceptionWhoseMessageThrows_UnderLog_IsLogged_AndTheRunGoesOn(bool async)
    {
        var logger = new FormattingLogger();
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Log, Logger = logger };
        var run = runner.CreateRun("evil-message-log");
        var evil = Submit(run, async, TaskOptions.Default);
        var dependent = run.Submit(evil, static x => x);
        var after = run.Submit(() => 2);
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.IsType<EvilMessageException>(evil.Exception);
        Assert.Equal(TaskState.Failed, dependent.State);
        Assert.Equal(2, after.Result);
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task AnExceptionWhoseMessageThrows_UnderRaise_EndsTheRun_AndNeverStartedTasksSayWhy(bool async)
    {
        await using var runner = new WorkflowRunner { MaxWorkers = 1 };
        var run = runner.CreateRun("evil-message-raise", startNow: false);
        var evil = Submit(run, async, TaskOptions.Default);
        var never = run.Submit(evil, static x => x);
        var awaited = never.AsTask();
        run.Complete();

        await Assert.ThrowsAsync<EvilMessageException>(() => run.Completion.WaitAsync(Guard));
        var notStarted = await Assert.ThrowsAsync<TaskNotStartedException>(() => awaited.WaitAsync(Guard));
        Assert.Contains(nameof(EvilMessageException), notStarted.Message);
        Assert.Equal(TaskState.Pending, never.State);
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task AnExceptionWhoseMessageThrows_WithAnActivityListener_FailsTheTask_AndTheRunGoesOn(bool async)
    {
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == WorkflowyDiagnostics.Name,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun("evil-message-activity");
        var evil = Submit(run, async, new TaskOptions { Retries = 1, Backoff = Backoff.None });
        var after = run.Submit(() => 2);
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.IsType<RetriesExhaustedException>(evil.Exception);
        Assert.Equal(2, after.Result);
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task ARetryOnFilterThatThrows_FailsTheTaskWithBothErrors_EvenWithAMessageThatThrows(bool async)
    {
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun("throwing-filter");
        var options = new TaskOptions { Retries = 3, Backoff = Backoff.None, RetryOn = static _ => throw new InvalidOperationException("filter") };
        var evil = Submit(run, async, options);
        var plain = async
            ? run.Submit(options, new Func<Task<int>>(async () =>
            {
                await Task.Yield();
                throw new FormatException("plain");
            }))
            : run.Submit(options, new Func<int>(() => throw new FormatException("plain")));
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.All(new[] { evil, plain }, task =>
        {
            Assert.Equal(TaskState.Failed, task.State);
            Assert.Equal(1, task.Attempts);
            var both = Assert.IsType<AggregateException>(Assert.IsType<RetriesExhaustedException>(task.Exception).InnerException);
            Assert.Equal(2, both.InnerExceptions.Count);
        });
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task AResultWhoseGetterThrowsWhenCheckpointed_CompletesTheTask_WithoutAStoredResult(bool async)
    {
        var store = new InMemoryWorkflowStore();
        var logger = new ListLogger();
        await using var runner = new WorkflowRunner { Store = store, SerializerContext = ReliabilityJson.Default, Logger = logger };
        var run = runner.CreateRun("throwing-getter");
        var result = async
            ? run.Submit(async () =>
            {
                await Task.Yield();
                return new ThrowingGetter();
            })
            : run.Submit(static () => new ThrowingGetter());
        var dependent = run.Submit(result, static r => r is not null);
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.Equal(TaskState.Completed, result.State);
        Assert.True(dependent.Result);
        var checkpoint = await store.LoadAsync(run.WorkflowKey, run.RunId);
        Assert.Null(Assert.Single(checkpoint!.Tasks, t => t.Key == result.Key).ResultJson);
        Assert.Contains(logger.Entries, e => e.Id.Id == 7);
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task ACancellationCallbackThatThrows_DoesNotStopTheRunFromEnding(bool async)
    {
        await using var runner = new WorkflowRunner { MaxWorkers = 2 };
        var run = runner.CreateRun("throwing-callback");
        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var waiting = run.Submit(async ctx =>
        {
            ctx.CancellationToken.Register(static () => throw new InvalidOperationException("callback"));
            registered.SetResult();
            await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
            return 0;
        });
        await registered.Task.WaitAsync(Guard);
        var failing = Submit(run, async, TaskOptions.Default, new FormatException("fails"));
        run.Complete();

        await Assert.ThrowsAsync<FormatException>(() => run.Completion.WaitAsync(Guard));
        Assert.Equal(TaskState.Cancelled, waiting.State);
        Assert.Equal(TaskState.Failed, failing.State);
    }

    [Fact]
    public async Task ACustomExecutorThatThrowsFromPost_FailsItsTask_AndTheRunGoesOn()
    {
        await using var runner = new WorkflowRunner
        {
            ErrorPolicy = ErrorPolicy.Continue,
            Executors = new Dictionary<Backend, TaskExecutor> { [Backend.Serial] = new ThrowingExecutor() },
        };
        var run = runner.CreateRun("throwing-executor");
        var refused = run.Submit(new TaskOptions { Backend = Backend.Serial }, () => 1);
        var dependent = run.Submit(refused, static x => x + 1);
        var other = run.Submit(() => 3);
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.Equal(TaskState.Failed, refused.State);
        Assert.IsType<InvalidOperationException>(refused.Exception!.InnerException);
        Assert.Equal(TaskState.Failed, dependent.State);
        Assert.Equal(3, other.Result);
    }

    // ---------------------------------------------------------------- item 3: waits of 49.7 days and more

    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    /// <summary>Advances a fake clock one day at a time.</summary>
    private static void AdvanceDays(FakeTimeProvider time, int days)
    {
        for (var i = 0; i < days; i++)
        {
            time.Advance(Day);
        }
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task ATimeoutOf60Days_FiresAfter60Days_NotBefore(bool async)
    {
        var time = new FakeTimeProvider();
        await using var runner = new WorkflowRunner { TimeProvider = time, ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun("long-timeout");
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new TaskOptions { Timeout = TimeSpan.FromDays(60) };
        var slow = async
            ? run.Submit(options, async ctx =>
            {
                entered.SetResult();
                await Task.Delay(Timeout.Infinite, ctx.CancellationToken);
                return 0;
            })
            : run.Submit(options, ctx =>
            {
                entered.SetResult();
                ctx.CancellationToken.WaitHandle.WaitOne();
                return 0;
            });
        await entered.Task.WaitAsync(Guard);

        AdvanceDays(time, 59);
        Assert.Equal(TaskState.Running, slow.State);
        AdvanceDays(time, 1);
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.Equal(TaskState.Failed, slow.State);
        Assert.Equal(TimeSpan.FromDays(60), Assert.IsType<TaskTimeoutException>(slow.Exception).Timeout);
        Assert.True(run.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task DelayUntil60DaysAhead_WaitsThe60Days()
    {
        var time = new FakeTimeProvider();
        await using var runner = new WorkflowRunner { TimeProvider = time };
        var run = runner.CreateRun("long-delay");
        var due = time.GetUtcNow() + TimeSpan.FromDays(60);
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var woke = run.Submit(async ctx =>
        {
            var delay = ctx.DelayUntilAsync(due).AsTask();
            waiting.SetResult();
            await delay;
            return ctx.Run.Runner.TimeProvider.GetUtcNow();
        });
        await waiting.Task.WaitAsync(Guard);

        AdvanceDays(time, 59);
        Assert.Equal(TaskState.Running, woke.State);
        AdvanceDays(time, 1);
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.Equal(due, woke.Result);
    }

    [Fact]
    public async Task ABackoffOf60Days_WaitsThe60Days_ThenRetries()
    {
        var time = new FakeTimeProvider();
        await using var runner = new WorkflowRunner { TimeProvider = time, ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun("long-backoff");
        var calls = 0;
        var retrying = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        run.TaskStateChanged += (_, e) =>
        {
            if (e.NewState == TaskState.Retrying)
            {
                retrying.TrySetResult();
            }
        };
        var flaky = run.Submit(
            new TaskOptions { Retries = 1, Backoff = Backoff.Linear, BackoffBase = TimeSpan.FromDays(60), BackoffCap = TimeSpan.FromDays(60) },
            () => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("first") : calls);
        await retrying.Task.WaitAsync(Guard);

        Assert.Equal(time.GetUtcNow() + TimeSpan.FromDays(60), flaky.NextAttemptAt);
        AdvanceDays(time, 59);
        Assert.Equal(TaskState.Retrying, flaky.State);
        AdvanceDays(time, 1);
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.Equal(2, flaky.Result);
    }

    [Fact]
    public async Task DisposingTheRunner_DuringABackoffOf60Days_EndsTheRun()
    {
        var time = new FakeTimeProvider();
        var runner = new WorkflowRunner { TimeProvider = time, ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun("long-backoff-dispose");
        var retrying = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        run.TaskStateChanged += (_, e) =>
        {
            if (e.NewState == TaskState.Retrying)
            {
                retrying.TrySetResult();
            }
        };
        var flaky = run.Submit(
            new TaskOptions { Retries = 1, Backoff = Backoff.Linear, BackoffBase = TimeSpan.FromDays(60), BackoffCap = TimeSpan.FromDays(60) },
            new Func<int>(() => throw new InvalidOperationException("always")));
        await retrying.Task.WaitAsync(Guard);

        await runner.DisposeAsync().AsTask().WaitAsync(Guard);

        Assert.True(run.HasEnded);
        Assert.Equal(TaskState.Cancelled, flaky.State);
    }

    [Fact]
    public async Task GetResultAsync_WithATimeoutOf60Days_GivesTheResult()
    {
        var time = new FakeTimeProvider();
        await using var runner = new WorkflowRunner { TimeProvider = time };
        var run = runner.CreateRun("long-result-wait");
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var later = run.Submit(() => gate.Task);
        var waiting = later.GetResultAsync(TimeSpan.FromDays(60));
        AdvanceDays(time, 30);
        gate.SetResult(5);
        Assert.Equal(5, await waiting.WaitAsync(Guard));
        Assert.Equal(5, await later.GetResultAsync(TimeSpan.FromDays(60)).WaitAsync(Guard));

        var lateGate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var tooLate = run.Submit(() => lateGate.Task);
        var expiring = tooLate.GetResultAsync(TimeSpan.FromDays(60));
        AdvanceDays(time, 59);
        Assert.False(expiring.IsCompleted);
        AdvanceDays(time, 1);
        await Assert.ThrowsAsync<TimeoutException>(() => expiring.WaitAsync(Guard));
        lateGate.SetResult(6);
        await run.CompleteAsync().WaitAsync(Guard);
    }

    // ---------------------------------------------------------------- item 4: synchronous bodies abandoned by their timeout

    [Fact]
    public async Task AbandonedBodies_AreReplacedAtOnce_ByThreadsThatDoNotWaitForThePool()
    {
        // Twenty bodies that ignore their timeout, on two workers: each one abandoned is replaced at once, and the
        // tasks after them run on replacement threads while the abandoned bodies still hold theirs. Replacements queued
        // to the thread pool waited for it to grow (about a thread a second once its minimum was held).
        const int blockers = 20;
        var time = new FakeTimeProvider();
        await using var runner = new WorkflowRunner { TimeProvider = time, MaxWorkers = 2, MaxAbandonedThreads = blockers, ErrorPolicy = ErrorPolicy.Continue };
        using var release = new ManualResetEventSlim(false);
        using var entered = new SemaphoreSlim(0);
        var most = 0;
        var run = runner.CreateRun("abandoned");
        var stuck = Enumerable.Range(0, blockers).Select(_ => run.Submit(new TaskOptions { Timeout = TimeSpan.FromSeconds(1) }, () =>
        {
            entered.Release();
            release.Wait();
            return 0;
        })).ToList();
        var after = Enumerable.Range(0, 20).Select(i => run.Submit(() => (i, Thread.CurrentThread.IsThreadPoolThread))).ToList();

        for (var i = 0; i < blockers; i++)
        {
            Assert.True(await entered.WaitAsync(Guard), $"blocker {i} never started: no replacement took the abandoned worker's place");
            time.Advance(TimeSpan.FromSeconds(1));
            most = Math.Max(most, runner.AbandonedThreadCount);
        }

        await Task.WhenAll(after.Select(h => h.AsTask())).WaitAsync(Guard);
        Assert.All(stuck, h => Assert.True(Assert.IsType<TaskTimeoutException>(h.Exception).Abandoned));
        Assert.All(after, h => Assert.False(h.Result.IsThreadPoolThread, "the tasks after the abandoned bodies ran on replacement threads"));
        Assert.Equal(blockers, runner.AbandonedThreadCount);
        Assert.True(most <= blockers);

        release.Set();
        await run.CompleteAsync().WaitAsync(Guard);
        await WaitUntil(() => runner.AbandonedThreadCount == 0);
    }

    public static TheoryData<Backend> BlockingBackends => new() { Backend.Async, Backend.Thread };

    [Theory]
    [MemberData(nameof(BlockingBackends))]
    public async Task AtTheAbandonedThreadLimit_ATimeoutFailsWithATypedError_AndNothingIsReplaced(Backend backend)
    {
        const int limit = 3;
        var time = new FakeTimeProvider();
        await using var runner = new WorkflowRunner { TimeProvider = time, MaxWorkers = 2, MaxAbandonedThreads = limit, ErrorPolicy = ErrorPolicy.Continue };
        using var release = new ManualResetEventSlim(false);
        using var entered = new SemaphoreSlim(0);
        var most = 0;
        var run = runner.CreateRun("abandoned-limit");
        run.TaskStateChanged += (_, _) => InterlockedMax(ref most, runner.AbandonedThreadCount);
        var options = new TaskOptions { Backend = backend, Timeout = TimeSpan.FromSeconds(1) };
        var stuck = Enumerable.Range(0, limit + 3).Select(_ => run.Submit(options, () =>
        {
            entered.Release();
            release.Wait();
            return 0;
        })).ToList();
        var after = Enumerable.Range(0, 5).Select(i => run.Submit(new TaskOptions { Backend = backend }, () => i)).ToList();

        // Three abandoned bodies are replaced; the next two time out at the limit and keep both workers.
        for (var i = 0; i < limit + 2; i++)
        {
            Assert.True(await entered.WaitAsync(Guard));
            time.Advance(TimeSpan.FromSeconds(1));
            InterlockedMax(ref most, runner.AbandonedThreadCount);
        }

        await WaitUntil(() => stuck.Count(h => h.IsTerminal) == limit + 2);
        Assert.Equal(limit, stuck.Count(h => h.Exception is TaskTimeoutException { Abandoned: true }));
        var refused = stuck.Where(h => h.Exception is AbandonedThreadLimitException).ToList();
        Assert.Equal(2, refused.Count);
        Assert.All(refused, h =>
        {
            var error = (AbandonedThreadLimitException)h.Exception!;
            Assert.Equal(limit, error.Limit);
            Assert.True(Assert.IsType<TaskTimeoutException>(error.InnerException).Abandoned);
            Assert.Contains("MaxAbandonedThreads", error.Message);
        });
        Assert.Equal(limit, runner.AbandonedThreadCount);

        // Once the bodies return, the workers they kept take the rest of the work.
        release.Set();
        await run.CompleteAsync().WaitAsync(Guard);
        Assert.Equal(Enumerable.Range(0, 5), after.Select(h => h.Result));
        Assert.Equal(TaskState.Completed, stuck.Last().State);
        Assert.True(most <= limit, $"at most {limit} abandoned threads at once, saw {most}");
        await WaitUntil(() => runner.AbandonedThreadCount == 0);
    }

    [Fact]
    public void MaxAbandonedThreads_DefaultsTo64_AndCannotBeNegative()
    {
        Assert.Equal(64, new WorkflowRunner().MaxAbandonedThreads);
        Assert.Equal(0, new WorkflowRunner { MaxAbandonedThreads = 0 }.MaxAbandonedThreads);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WorkflowRunner { MaxAbandonedThreads = -1 });
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    /// <summary>Waits for a condition other threads make true (not a timing assertion: it fails only after the guard).</summary>
    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Guard;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition never became true");
            await Task.Delay(10);
        }
    }

    // ---------------------------------------------------------------- item 7: a body that waits for itself

    [Fact]
    public async Task ABodyAwaitingItsOwnHandle_FailsWithACycleError_InsteadOfHanging()
    {
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun("own-handle");
        var self = run.Submit(async ctx =>
        {
            await Task.Yield();
            await ctx.Task;
            return 1;
        });
        var selfTyped = run.Submit(new TaskOptions { Name = "typed" }, async ctx =>
        {
            await Task.Yield();
            return await (TaskHandle<int>)ctx.Task + 1;
        });
        var selfSync = run.Submit(new TaskOptions { Name = "sync" }, ctx =>
        {
            ctx.Task.AsTask().GetAwaiter().GetResult();
            return 1;
        });
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.All(new[] { self, selfTyped, selfSync }, h =>
        {
            var cycle = Assert.IsType<WorkflowCycleException>(h.Exception);
            Assert.Equal(h.Name, cycle.TaskName);
            Assert.Contains("its own", cycle.Message);
        });
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task ABodyAwaitingADependentOrADescendant_FailsWithACycleError(bool async)
    {
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun("dependent-handle", startNow: false);
        TaskHandle<int>? target = null;
        var first = async
            ? run.Submit(new TaskOptions { Name = "first" }, async () =>
            {
                await Task.Yield();
                return await target! + 1;
            })
            : run.Submit(new TaskOptions { Name = "first" }, () => target!.AsTask().GetAwaiter().GetResult() + 1);
        var child = run.Submit(first, static x => x + 1);
        var other = run.Submit(() => 5);
        var grandchild = run.Submit(child, other, static (x, y) => x + y);
        target = grandchild;
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        var cycle = Assert.IsType<WorkflowCycleException>(first.Exception);
        Assert.Contains("'" + grandchild.Name + "'", cycle.Message);
        Assert.Equal(TaskState.Failed, grandchild.State);
        Assert.Equal(5, other.Result);
    }

    [Fact]
    public async Task ABodyAwaitingTasksThatCanEndBeforeIt_StillWaitsForThem()
    {
        await using var runner = new WorkflowRunner();
        var run = runner.CreateRun("legit-waits");
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var sibling = run.Submit(() => gate.Task);
        var waiter = run.Submit(async ctx =>
        {
            var child = ctx.Run.Submit(static () => 2);
            gate.SetResult(3);
            return await sibling + await child;
        });
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.Equal(5, waiter.Result);
    }

    [Fact]
    public async Task ABodyAwaitingItsOwnRun_FailsWithACycleError()
    {
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun("own-run");
        var waiter = run.Submit(async ctx =>
        {
            await Task.Yield();
            await ctx.Run;
            return 1;
        });
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.IsType<WorkflowCycleException>(waiter.Exception);
    }

    // ---------------------------------------------------------------- item 9: side-effect keys

    [Fact]
    public async Task SideEffectKeys_OfDifferentTasks_NeverCollide()
    {
        // Task 'a:b' with effect 'c' and task 'a' with effect 'b:c' shared the record 'effect:a:b:c', so the second
        // action never ran. Escaping ':' alone would still let 'a\' with ':c' meet 'a:' with 'c'.
        var store = new InMemoryWorkflowStore();
        await using var runner = new WorkflowRunner { Store = store };
        var run = runner.CreateRun("effects");
        var ran = new ConcurrentQueue<string>();
        (string Task, string Effect)[] pairs = [("a:b", "c"), ("a", "b:c"), (@"a\", ":c"), ("a:", "c")];
        TaskHandle<string>? previous = null;
        var handles = new List<TaskHandle<string>>();
        foreach (var (task, effect) in pairs)
        {
            var before = previous;
            previous = run.Submit(new TaskOptions { Key = task }, async ctx =>
            {
                if (before is not null)
                {
                    await before;
                }

                return await ctx.SideEffectAsync(effect, _ =>
                {
                    ran.Enqueue(task + " " + effect);
                    return ValueTask.FromResult(task + " " + effect);
                }, ReliabilityJson.Default.String);
            });
            handles.Add(previous);
        }

        await run.CompleteAsync().WaitAsync(Guard);

        var expected = pairs.Select(p => p.Task + " " + p.Effect).ToArray();
        Assert.Equal(expected, handles.Select(h => h.Result));
        Assert.Equal(expected, ran);
        var checkpoint = await store.LoadAsync(run.WorkflowKey, run.RunId);
        Assert.Equal(pairs.Length, checkpoint!.Values.Keys.Count(k => k.StartsWith("effect:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SideEffectsRecordedBeforeTheKeysWereEscaped_AreStillFound()
    {
        // Keys without ':' or '\' (every graph task, every generated key) are written as before.
        var store = new InMemoryWorkflowStore();
        var runId = "effects-" + Guid.NewGuid().ToString("N");
        await using (var first = new WorkflowRunner { Store = store })
        {
            var run = await first.ResumeRunAsync("effects", runId);
            await store.SaveAsync(new RunCheckpoint(run.WorkflowKey, runId, "{}", [], new Dictionary<string, string> { ["effect:charge/1:pay"] = "\"recorded\"" }));
            run.Complete();
            await run.Completion.WaitAsync(Guard);
        }

        await using var runner = new WorkflowRunner { Store = store };
        var resumed = await runner.ResumeRunAsync("effects", runId);
        var effect = resumed.Submit(new TaskOptions { Key = "charge/1" }, async ctx =>
            await ctx.SideEffectAsync("pay", _ => ValueTask.FromResult("again"), ReliabilityJson.Default.String));
        await resumed.CompleteAsync().WaitAsync(Guard);

        Assert.Equal("recorded", effect.Result);
    }

    // ---------------------------------------------------------------- no task left Ready by a run that ended

    [Fact]
    public async Task ARunThatFailsWhileItStarts_LeavesTheTasksThatNeverStartedPending()
    {
        // The run hands its first tasks to the workers while it still looks for more: a task whose dependency failed
        // (and ended the run) in between was made Ready after the run's end, and stayed so until a worker found it
        // (never, here: its executor holds what it is given). SemanticsTests.Rerun_AfterRaise_... saw it now and then.
        var held = new HoldingExecutor();
        await using var runner = new WorkflowRunner { Executors = new Dictionary<Backend, TaskExecutor> { [Backend.Serial] = held } };
        using var ended = new ManualResetEventSlim(false);
        runner.RunEnded += (_, _) => ended.Set();
        runner.TaskStateChanged += (_, e) =>
        {
            if (e.Task.Name == "Pause" && e.NewState == TaskState.Ready)
            {
                // The run's start goes on only once the first task has failed and ended the run.
                Assert.True(ended.Wait(Guard));
            }
        };

        var run = new Workflows.FailsWhileStartingWorkflow().Start(runner);

        await Assert.ThrowsAsync<FormatException>(() => run.Completion.WaitAsync(Guard));
        Assert.Equal(TaskState.Pending, run.Dependent.State);
        Assert.Equal(TaskState.Pending, run.Pause.State);
        Assert.Equal(0, held.Posted);
    }

    private static TaskHandle<int> Submit(WorkflowRun run, bool async, TaskOptions options, Exception? error = null) =>
        async
            ? run.Submit(options, new Func<Task<int>>(async () =>
            {
                await Task.Yield();
                throw error ?? new EvilMessageException();
            }))
            : run.Submit(options, new Func<int>(() => throw error ?? new EvilMessageException()));
}

/// <summary>An exception whose message cannot be read.</summary>
public sealed class EvilMessageException : Exception
{
    public override string Message => throw new InvalidOperationException("no message for you");
}

/// <summary>A result whose property throws when it is serialised.</summary>
public sealed class ThrowingGetter
{
    public int Value => throw new InvalidOperationException("not serialisable");
}

/// <summary>A logger that throws from everything.</summary>
internal sealed class ThrowingLogger : ILogger
{
    public IDisposable BeginScope<TState>(TState state)
        where TState : notnull => throw new InvalidOperationException("scope");

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        throw new InvalidOperationException("log");
}

/// <summary>A logger that formats the exception as a console logger would (its message included).</summary>
internal sealed class FormattingLogger : ILogger
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Lines.Enqueue(formatter(state, exception) + " " + exception);
}

internal sealed class HoldingExecutor : TaskExecutor
{
    private int _posted;

    public int Posted => Volatile.Read(ref _posted);

    public override void Post(ReadyTask task) => Interlocked.Increment(ref _posted);
}

internal sealed class ThrowingExecutor : TaskExecutor
{
    public override void Post(ReadyTask task) => throw new InvalidOperationException("no");
}

[JsonSerializable(typeof(ThrowingGetter))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
internal sealed partial class ReliabilityJson : JsonSerializerContext
{
}
