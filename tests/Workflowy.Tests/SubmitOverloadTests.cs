using System.Collections.Generic;
using System.IO;

namespace Workflowy.Tests;

/// <summary>
/// The closure-free <c>Submit</c> overloads: bodies without a <see cref="TaskContext"/>, bodies that receive their
/// dependencies' results (one, two, a fan-in), their <see cref="TaskOptions"/> variants, dependency failures, validation,
/// and dependencies passed to the <c>params ReadOnlySpan&lt;TaskHandle&gt;</c> parameter.
/// </summary>
public class SubmitOverloadTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private static WorkflowRunner Runner(ErrorPolicy policy = ErrorPolicy.Continue) => new() { ErrorPolicy = policy };

    /// <summary>Throws <paramref name="exception"/>; typed, so a lambda calling it has an inferred return type.</summary>
    private static T Throw<T>(Exception exception) => throw exception;

    private static TaskCompletionSource<T> Gate<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // ---------------------------------------------------------------- bodies that receive results

    [Fact]
    public async Task Chain_OfOneDependency_PassesItsResultToTheBody()
    {
        await using var runner = Runner(ErrorPolicy.Raise);
        var run = runner.CreateRun();
        var text = run.Submit(static () => "3,4,5");
        TaskHandle<int[]> parsed = run.Submit(text, static t => t.Split(',').Select(int.Parse).ToArray());
        TaskHandle<int> total = run.Submit(parsed, static p => p.Sum());
        TaskHandle<string> label = run.Submit(total, static t => $"total {t}");
        run.Complete();

        await run.Completion.WaitAsync(Guard);

        Assert.Equal(new[] { 3, 4, 5 }, parsed.Result);
        Assert.Equal(12, total.Result);
        Assert.Equal("total 12", label.Result);
    }

    [Fact]
    public async Task ResultTakingBodies_WithoutAResult_RunAfterTheirDependencies_AndAsyncOnesAreAwaited()
    {
        await using var runner = Runner(ErrorPolicy.Raise);
        var run = runner.CreateRun();
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var gate = Gate<int>();
        var a = run.Submit(static () => 2);
        var b = run.Submit(static () => "b");
        TaskHandle one = run.Submit(a, x => seen.Enqueue($"one {x}"));
        TaskHandle two = run.Submit(a, b, (x, y) => seen.Enqueue($"two {x}{y}"));
        TaskHandle oneAsync = run.Submit(a, async x =>
        {
            await gate.Task;
            seen.Enqueue($"oneAsync {x}");
        });
        TaskHandle twoAsync = run.Submit(new TaskOptions { Name = "two-async" }, a, b, async (x, y) =>
        {
            await gate.Task;
            seen.Enqueue($"twoAsync {x}{y}");
        });
        var after = run.Submit(static () => 0, oneAsync, twoAsync);
        try
        {
            await one.AsTask().WaitAsync(Guard);
            await two.AsTask().WaitAsync(Guard);

            // The async bodies cannot end before the gate opens (they may not have started yet: no state is asserted
            // beyond "not terminal"), so neither can the task after them.
            Assert.False(oneAsync.IsTerminal);
            Assert.False(twoAsync.IsTerminal);
            Assert.Equal(TaskState.Pending, after.State);
        }
        finally
        {
            gate.TrySetResult(0);
            run.Complete();
        }

        await run.Completion.WaitAsync(Guard);

        Assert.Equal(new[] { "one 2", "oneAsync 2", "two 2b", "twoAsync 2b" }, seen.Order());
        Assert.Equal("two-async", twoAsync.Name);
        Assert.Equal(TaskState.Completed, after.State);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task LargeGraphs_SubmittedWhileTheyRun_CompleteEveryTask_WithTheRightResults(int workers)
    {
        // Submission races with execution: dependents are added to tasks that are finishing (inline dependent,
        // dependent arrays growing while they are sealed), fan-outs and fan-ins of thousands.
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Raise, MaxWorkers = workers };
        var random = new Random(20261130);
        for (var round = 0; round < 20; round++)
        {
            var run = runner.CreateRun();
            var layers = new List<TaskHandle<long>[]>();
            var expected = new List<long[]>();
            var first = new TaskHandle<long>[50];
            var firstValues = new long[50];
            for (var i = 0; i < first.Length; i++)
            {
                var value = i + 1L;
                first[i] = run.Submit(() => value);
                firstValues[i] = value;
            }

            layers.Add(first);
            expected.Add(firstValues);
            for (var layer = 1; layer < 20; layer++)
            {
                var previous = layers[^1];
                var previousValues = expected[^1];
                var current = new TaskHandle<long>[50];
                var values = new long[50];
                for (var i = 0; i < current.Length; i++)
                {
                    var x = random.Next(previous.Length);
                    var y = random.Next(previous.Length);
                    current[i] = x == y
                        ? run.Submit(previous[x], static a => a + 1)
                        : run.Submit(previous[x], previous[y], static (a, b) => (a + b) % 1_000_003);
                    values[i] = x == y ? previousValues[x] + 1 : (previousValues[x] + previousValues[y]) % 1_000_003;
                }

                layers.Add(current);
                expected.Add(values);
            }

            var root = run.Submit(static () => 1L);
            var fanOut = new TaskHandle<long>[2_000];
            for (var i = 0; i < fanOut.Length; i++)
            {
                fanOut[i] = run.Submit(root, static r => r + 1);
            }

            var fanIn = run.Submit(fanOut, static all => all.Sum());
            run.Complete();
            await run.Completion.WaitAsync(Guard);

            for (var layer = 0; layer < layers.Count; layer++)
            {
                Assert.Equal(expected[layer], layers[layer].Select(h => h.Result));
            }

            Assert.Equal(4_000L, fanIn.Result);
            Assert.All(run.Tasks, t => Assert.Equal(TaskState.Completed, t.State));
        }
    }

    [Fact]
    public async Task DeferredRun_RunsNothingBeforeStart_ThenTheWholeGraph_AndStartsOnlyOnce()
    {
        await using var runner = Runner(ErrorPolicy.Raise);
        var run = runner.CreateRun("deferred", startNow: false);
        var calls = 0;
        var first = run.Submit(() => Interlocked.Increment(ref calls));
        var chain = first;
        for (var i = 0; i < 1_000; i++)
        {
            chain = run.Submit(chain, static x => x + 1);
        }

        var fan = Enumerable.Range(0, 100).Select(_ => run.Submit(first, static x => x * 2)).ToArray();
        var joined = run.Submit(fan, static xs => xs.Sum());
        await Task.Delay(50);

        Assert.Equal(0, Volatile.Read(ref calls));
        Assert.All(run.Tasks, t => Assert.Equal(TaskState.Pending, t.State));
        Assert.False(run.HasEnded);
        run.Start();
        Assert.Throws<InvalidOperationException>(run.Start);
        var late = run.Submit(joined, static j => j + 1);
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal(1, calls);
        Assert.Equal(1_001, chain.Result);
        Assert.Equal(200, joined.Result);
        Assert.Equal(201, late.Result);
    }

    [Fact]
    public async Task DeferredRun_CompletedWithoutStart_StartsAndEnds()
    {
        await using var runner = Runner(ErrorPolicy.Raise);
        var run = runner.CreateRun("deferred", startNow: false);
        var value = run.Submit(static () => 21);
        var doubled = run.Submit(value, static v => v * 2);

        await run.CompleteAsync().WaitAsync(Guard);

        Assert.Equal(42, doubled.Result);
        Assert.Throws<InvalidOperationException>(run.Start);
    }

    [Fact]
    public async Task Chain_AsyncBody_IsAwaited_AndItsResultStored()
    {
        await using var runner = Runner(ErrorPolicy.Raise);
        var run = runner.CreateRun();
        var gate = Gate<int>();
        var started = Gate<int>();
        var seed = run.Submit(static () => 20);
        TaskHandle<int> doubled = run.Submit(seed, async x =>
        {
            started.SetResult(x);
            await gate.Task;
            return x * 2;
        });
        var next = run.Submit(doubled, static d => d + 2);
        Assert.Equal(20, await started.Task.WaitAsync(Guard));

        Assert.Equal(TaskState.Running, doubled.State);
        Assert.Equal(TaskState.Pending, next.State);
        gate.SetResult(0);
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal(40, doubled.Result);
        Assert.Equal(42, next.Result);
    }

    [Fact]
    public async Task Join_OfTwoDependencies_PassesBothResults_InParameterOrder()
    {
        await using var runner = Runner(ErrorPolicy.Raise);
        var run = runner.CreateRun();
        var name = run.Submit(static () => "widget");
        var count = run.Submit(static () => 3);
        TaskHandle<string> joined = run.Submit(name, count, static (n, c) => $"{c} x {n}");
        TaskHandle<string> swapped = run.Submit(count, name, static (c, n) => $"{n}/{c}");
        TaskHandle<int> joinedAsync = run.Submit(count, count, static async (x, y) =>
        {
            await Task.Yield();
            return x * 10 + y;
        });
        run.Complete();

        await run.Completion.WaitAsync(Guard);

        Assert.Equal("3 x widget", joined.Result);
        Assert.Equal("widget/3", swapped.Result);
        Assert.Equal(33, joinedAsync.Result);
    }

    [Fact]
    public async Task FanIn_PassesResultsInTheOrderOfTheHandles_NotOfCompletion()
    {
        await using var runner = Runner(ErrorPolicy.Raise);
        var run = runner.CreateRun();
        var gates = new[] { Gate<int>(), Gate<int>(), Gate<int>() };
        var parts = gates.Select(g => run.Submit(() => g.Task)).ToArray();
        TaskHandle<string> joined = run.Submit(parts, static xs => string.Join(",", xs));
        TaskHandle<int> joinedAsync = run.Submit(new ReadOnlySpan<TaskHandle<int>>(parts, 1, 2), static async xs =>
        {
            await Task.Yield();
            return xs[0] * 100 + xs[1];
        });
        TaskHandle<int> none = run.Submit(ReadOnlySpan<TaskHandle<int>>.Empty, static xs => xs.Length);

        foreach (var i in new[] { 2, 0, 1 })
        {
            gates[i].SetResult(i + 1);
            await parts[i].AsTask().WaitAsync(Guard);
            if (i != 1)
            {
                Assert.Equal(TaskState.Pending, joined.State);
            }
        }

        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal("1,2,3", joined.Result);
        Assert.Equal(203, joinedAsync.Result);
        Assert.Equal(0, none.Result);
    }

    // ---------------------------------------------------------------- bodies without a context

    [Fact]
    public async Task NoContextBodies_FuncAndAsyncFunc_ComputeTheirResults()
    {
        await using var runner = Runner(ErrorPolicy.Raise);
        var run = runner.CreateRun();
        TaskHandle<int> plain = run.Submit(static () => 6 * 7);
        TaskHandle<string> plainAsync = run.Submit(static async () =>
        {
            await Task.Yield();
            return "async";
        });
        TaskHandle<int> after = run.Submit(() => plain.Result + plainAsync.Result.Length, plain, plainAsync);
        run.Complete();

        await run.Completion.WaitAsync(Guard);

        Assert.Equal(42, plain.Result);
        Assert.Equal("async", plainAsync.Result);
        Assert.Equal(47, after.Result);
    }

    [Fact]
    public async Task NoContextBodies_ActionAndFuncTask_RunOnce_AndCompleteWhenTheyReturn()
    {
        await using var runner = Runner(ErrorPolicy.Raise);
        var run = runner.CreateRun();
        var gate = Gate<bool>();
        var started = Gate<bool>();
        var actionCalls = 0;
        var asyncSteps = new System.Collections.Concurrent.ConcurrentQueue<string>();
        TaskHandle action = run.Submit(() => { Interlocked.Increment(ref actionCalls); });
        TaskHandle asyncAction = run.Submit(async () =>
        {
            asyncSteps.Enqueue("before");
            started.SetResult(true);
            await gate.Task;
            asyncSteps.Enqueue("after");
        });
        TaskHandle last = run.Submit(() => { asyncSteps.Enqueue("last"); }, action, asyncAction);
        await action.AsTask().WaitAsync(Guard);
        await started.Task.WaitAsync(Guard);

        Assert.Equal(TaskState.Running, asyncAction.State);
        Assert.Equal(TaskState.Pending, last.State);
        gate.SetResult(true);
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal(1, actionCalls);
        Assert.Equal(new[] { "before", "after", "last" }, asyncSteps);
        Assert.All(new[] { action, asyncAction, last }, t => Assert.Equal((TaskState.Completed, 1), (t.State, t.Attempts)));
        Assert.IsNotAssignableFrom<TaskHandle<Task>>(asyncAction);
    }

    [Fact]
    public async Task NoContextBodies_TaskContextCurrent_IsTheTasksOwn()
    {
        await using var runner = Runner(ErrorPolicy.Raise);
        var run = runner.CreateRun();
        var named = run.Submit(new TaskOptions { Name = "plain" }, static () => TaskContext.Current);
        var unnamed = run.Submit(static () => TaskContext.Current);
        var awaited = run.Submit(new TaskOptions { Name = "awaited" }, static async () =>
        {
            await Task.Yield();
            return TaskContext.Current;
        });
        var typed = run.Submit(new TaskOptions { Name = "typed" }, named, static _ => TaskContext.Current);
        string? fromAction = null;
        var action = run.Submit(new TaskOptions { Name = "action" }, () => { fromAction = TaskContext.Current?.TaskName; });
        run.Complete();

        await run.Completion.WaitAsync(Guard);

        foreach (var (handle, name) in new[] { (named, "plain"), (unnamed, "task-1"), (awaited, "awaited"), (typed, "typed") })
        {
            var context = handle.Result;
            Assert.NotNull(context);
            Assert.Equal((name, run.RunId, 1), (context!.TaskName, context.RunId, context.Attempt));
            Assert.Same(handle, context.Task);
            Assert.Same(run, context.Run);
        }

        Assert.Equal("action", fromAction);
        Assert.Null(TaskContext.Current);
    }

    [Fact]
    public async Task UnnamedSubmissions_AreNamedAfterTheirIndex_AndKeyedInOrder()
    {
        await using var runner = Runner(ErrorPolicy.Raise);
        var run = runner.CreateRun();
        var first = run.Submit(static () => 1);
        var named = run.Submit(new TaskOptions { Name = "second" }, first, static x => x + 1);
        var third = run.Submit(named, first, static (x, y) => x + y);
        run.Complete();

        await run.Completion.WaitAsync(Guard);

        Assert.Equal(new[] { "task-0", "second", "task-2" }, run.Tasks.Select(t => t.Name));
        Assert.Equal(new[] { "submitted/1", "submitted/2", "submitted/3" }, run.Tasks.Select(t => t.Key));
        Assert.Equal(3, third.Result);
    }

    // ---------------------------------------------------------------- options

    [Fact]
    public async Task OptionsFirst_EveryFamily_TakesItsName_AndRetriesABodyThatFailsOnce()
    {
        await using var runner = Runner(ErrorPolicy.Raise);
        var run = runner.CreateRun();
        var one = run.Submit(static () => 1);
        var two = run.Submit(static () => 2);
        var calls = new int[10];
        static TaskOptions Options(string name) => new() { Name = name, MaxAttempts = 2, Backoff = Backoff.None };
        bool FirstCall(int body) => Interlocked.Increment(ref calls[body]) == 1;
        int FailOnce(int body, int result) => FirstCall(body) ? Throw<int>(new IOException($"body {body}, first attempt")) : result;

        var plain = run.Submit(Options("plain"), () => FailOnce(0, 10));
        var plainAsync = run.Submit(Options("plain-async"), async () =>
        {
            await Task.Yield();
            return FailOnce(1, 11);
        });
        var action = run.Submit(Options("action"), () => { FailOnce(2, 0); });
        var actionAsync = run.Submit(Options("action-async"), async () =>
        {
            await Task.Yield();
            FailOnce(3, 0);
        });
        var chained = run.Submit(Options("chained"), one, x => FailOnce(4, x + 100));
        var chainedAsync = run.Submit(Options("chained-async"), one, async x =>
        {
            await Task.Yield();
            return FailOnce(5, x + 200);
        });
        var joined = run.Submit(Options("joined"), one, two, (x, y) => FailOnce(6, x + y + 300));
        var joinedAsync = run.Submit(Options("joined-async"), one, two, async (x, y) =>
        {
            await Task.Yield();
            return FailOnce(7, x + y + 400);
        });
        var fanIn = run.Submit(Options("fan-in"), [one, two, one], xs => FailOnce(8, xs.Sum() + 500));
        var fanInAsync = run.Submit(Options("fan-in-async"), [two, two], async xs =>
        {
            await Task.Yield();
            return FailOnce(9, xs.Sum() + 600);
        });
        run.Complete();

        await run.Completion.WaitAsync(Guard);

        var handles = new TaskHandle[] { plain, plainAsync, action, actionAsync, chained, chainedAsync, joined, joinedAsync, fanIn, fanInAsync };
        Assert.Equal(
            new[] { "plain", "plain-async", "action", "action-async", "chained", "chained-async", "joined", "joined-async", "fan-in", "fan-in-async" },
            handles.Select(h => h.Name));
        Assert.All(handles, h => Assert.Equal((TaskState.Completed, 2, 2), (h.State, h.Attempts, h.Options.MaxAttempts)));
        Assert.Equal(Enumerable.Repeat(2, calls.Length), calls);
        Assert.Equal(
            new[] { 10, 11, 101, 201, 303, 403, 504, 604 },
            new[] { plain.Result, plainAsync.Result, chained.Result, chainedAsync.Result, joined.Result, joinedAsync.Result, fanIn.Result, fanInAsync.Result });
    }

    [Fact]
    public async Task OptionsFirst_BackendThread_IsRefusedForAsyncBodies_AndUsedForSyncOnes()
    {
        await using var runner = Runner(ErrorPolicy.Raise);
        var run = runner.CreateRun();
        var one = run.Submit(static () => 1);
        var thread = new TaskOptions { Backend = Backend.Thread };

        Assert.Throws<ArgumentException>(() => run.Submit(thread, static async () => { await Task.Yield(); return 1; }));
        Assert.Throws<ArgumentException>(() => run.Submit(thread, static async () => await Task.Yield()));
        Assert.Throws<ArgumentException>(() => run.Submit(thread, one, static async x => { await Task.Yield(); return x; }));
        Assert.Throws<ArgumentException>(() => run.Submit(thread, one, one, static async (x, y) => { await Task.Yield(); return x + y; }));
        Assert.Throws<ArgumentException>(() => run.Submit(thread, [one], static async xs => { await Task.Yield(); return xs[0]; }));
        var onThread = run.Submit(thread, one, static x => x + 1);
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal(Backend.Thread, onThread.Backend);
        Assert.Equal(2, onThread.Result);
        Assert.Equal(2, run.Tasks.Count);
    }

    // ---------------------------------------------------------------- dependencies that did not complete

    [Fact]
    public async Task FailedDependency_FailsEveryTypedDependent_WithDependencyFailedException_WithoutRunningIt()
    {
        await using var runner = Runner();
        var run = runner.CreateRun();
        var ok = run.Submit(new TaskOptions { Name = "ok" }, static () => 1);
        var broken = run.Submit(new TaskOptions { Name = "broken" }, static () => Throw<int>(new InvalidOperationException("down")));
        var ran = 0;
        var chained = run.Submit(broken, x => { Interlocked.Increment(ref ran); return x; });
        var chainedAsync = run.Submit(broken, async x => { Interlocked.Increment(ref ran); await Task.Yield(); return x; });
        var joined = run.Submit(ok, broken, (x, y) => { Interlocked.Increment(ref ran); return x + y; });
        var fanIn = run.Submit([ok, broken, ok], xs => { Interlocked.Increment(ref ran); return xs.Length; });
        var grandchild = run.Submit(chained, x => { Interlocked.Increment(ref ran); return x; });
        var skipped = run.Submit(new TaskOptions { OnDependencyFailure = DependencyFailure.Skip }, broken, x => { Interlocked.Increment(ref ran); return x; });
        run.Complete();

        await run.Completion.WaitAsync(Guard);

        Assert.Equal(TaskState.Failed, broken.State);
        foreach (var handle in new TaskHandle<int>[] { chained, chainedAsync, joined, fanIn })
        {
            Assert.Equal((TaskState.Failed, 0), (handle.State, handle.Attempts));
            Assert.Equal(new[] { "broken" }, Assert.IsType<DependencyFailedException>(handle.Exception).FailedDependencies);
            Assert.Throws<DependencyFailedException>(() => handle.Result);
        }

        Assert.Equal(new[] { chained.Name }, Assert.IsType<DependencyFailedException>(grandchild.Exception).FailedDependencies);
        Assert.Equal(TaskState.Skipped, skipped.State);
        Assert.Equal(0, ran);
    }

    [Fact]
    public async Task RunAnyway_BodyReceivesDefault_ForEachDependencyThatDidNotComplete()
    {
        await using var runner = Runner();
        var run = runner.CreateRun();
        var anyway = new TaskOptions { OnDependencyFailure = DependencyFailure.RunAnyway };
        var number = run.Submit(static () => 7);
        var brokenNumber = run.Submit(new TaskOptions { Name = "broken-number" }, static () => Throw<int>(new InvalidOperationException()));
        var brokenText = run.Submit(new TaskOptions { Name = "broken-text" }, static () => Throw<string>(new InvalidOperationException()));
        var gate = Gate<int>();
        var held = run.Submit(() => gate.Task);
        var cancelled = run.Submit(new TaskOptions { Name = "cancelled" }, static () => 5, held);
        Assert.True(cancelled.Cancel());
        gate.SetResult(1);

        var chained = run.Submit(anyway, brokenText, static t => t is null ? "got null" : "got " + t);
        var chainedAsync = run.Submit(anyway, brokenNumber, static async x =>
        {
            await Task.Yield();
            return x - 1;
        });
        var joined = run.Submit(anyway, number, brokenText, static (n, t) => (n, t));
        var fanIn = run.Submit(anyway, [number, brokenNumber, cancelled], static xs => string.Join(",", xs) + ";" + xs.Length);
        var fanInAsync = run.Submit(anyway, [brokenNumber], static async xs =>
        {
            await Task.Yield();
            return xs.Length * 10 + xs[0];
        });
        run.Complete();

        await run.Completion.WaitAsync(Guard);

        Assert.Equal(TaskState.Cancelled, cancelled.State);
        Assert.Equal("got null", chained.Result);
        Assert.Equal(-1, chainedAsync.Result);
        Assert.Equal((7, (string?)null), joined.Result);
        Assert.Equal("7,0,0;3", fanIn.Result);
        Assert.Equal(10, fanInAsync.Result);
        Assert.All(new TaskHandle[] { chained, chainedAsync, joined, fanIn, fanInAsync }, t => Assert.Equal(TaskState.Completed, t.State));
    }

    // ---------------------------------------------------------------- validation

    [Fact]
    public async Task HandleOfAnotherRun_IsRefused_ByEveryFamily_WithArgumentException()
    {
        await using var runner = Runner(ErrorPolicy.Raise);
        var run = runner.CreateRun();
        var other = runner.CreateRun();
        var local = run.Submit(static () => 1);
        var foreign = other.Submit(static () => 2);
        var options = new TaskOptions { Name = "refused" };

        var refusals = new Action[]
        {
            () => run.Submit(static () => 0, foreign),
            () => run.Submit(options, static () => 0, local, foreign),
            () => run.Submit(static async () => { await Task.Yield(); return 0; }, foreign),
            () => run.Submit(static () => { }, foreign),
            () => run.Submit(static async () => await Task.Yield(), foreign),
            () => run.Submit(static _ => 0, foreign),
            () => run.Submit(foreign, static x => x),
            () => run.Submit(options, foreign, static async x => { await Task.Yield(); return x; }),
            () => run.Submit(local, foreign, static (x, y) => x + y),
            () => run.Submit(foreign, local, static (x, y) => x + y),
            () => run.Submit([local, foreign], static xs => xs.Length),
            () => run.Submit(options, [foreign], static async xs => { await Task.Yield(); return xs.Length; }),
        };

        foreach (var refusal in refusals)
        {
            var error = Assert.Throws<ArgumentException>(refusal);
            Assert.Contains("belongs to", error.Message);
        }

        Assert.Equal(new[] { local }, run.Tasks);
        Assert.Equal(new[] { foreign }, other.Tasks);
        run.Complete();
        other.Complete();
        await Task.WhenAll(run.Completion, other.Completion).WaitAsync(Guard);
    }

    [Fact]
    public async Task NullBodyOptionsOrDependency_IsRefused_WithArgumentNullException()
    {
        await using var runner = Runner(ErrorPolicy.Raise);
        var run = runner.CreateRun();
        var one = run.Submit(static () => 1);
        var options = new TaskOptions { Name = "refused" };

        var refusals = new Action[]
        {
            () => run.Submit((Func<int>)null!),
            () => run.Submit(options, (Func<int>)null!),
            () => run.Submit((Func<Task<int>>)null!),
            () => run.Submit((Action)null!),
            () => run.Submit(options, (Func<Task>)null!),
            () => run.Submit(one, (Func<int, int>)null!),
            () => run.Submit(options, one, (Func<int, Task<int>>)null!),
            () => run.Submit(one, one, (Func<int, int, int>)null!),
            () => run.Submit(one, one, (Func<int, int, Task<int>>)null!),
            () => run.Submit([one], (Func<int[], int>)null!),
            () => run.Submit(options, [one], (Func<int[], Task<int>>)null!),
            () => run.Submit((TaskOptions)null!, static () => 0),
            () => run.Submit((TaskOptions)null!, one, static x => x),
            () => run.Submit((TaskHandle<int>)null!, static x => x),
            () => run.Submit(one, (TaskHandle<int>)null!, static (x, y) => x + y),
            () => run.Submit([one, null!], static xs => xs.Length),
            () => run.Submit(static () => 0, one, null!),
        };

        foreach (var refusal in refusals)
        {
            Assert.Throws<ArgumentNullException>(refusal);
        }

        Assert.Equal(new[] { one }, run.Tasks);
        run.Complete();
        await run.Completion.WaitAsync(Guard);
    }

    // ---------------------------------------------------------------- params ReadOnlySpan<TaskHandle>

    [Fact]
    public async Task ExplicitArrays_ToTheParamsSpanParameter_AreDependencies()
    {
        await using var runner = Runner(ErrorPolicy.Raise);
        var run = runner.CreateRun();
        var gate = Gate<int>();
        var slow = run.Submit(() => gate.Task);
        var fast = run.Submit(static () => 2);
        TaskHandle[] untyped = [slow, fast];
        TaskHandle<int>[] typed = [slow, fast];
        var plain = run.Submit(() => slow.Result + fast.Result, untyped);
        var withContext = run.Submit(_ => slow.Result * fast.Result, new TaskHandle[] { slow, fast });
        var covariant = run.Submit(new TaskOptions { Name = "covariant" }, () => typed.Sum(t => t.Result), typed);
        var action = run.Submit(() => { }, untyped);
        var viaRunner = runner.Submit(_ => slow.Result - fast.Result, untyped);
        var dependents = new TaskHandle[] { plain, withContext, covariant, action, viaRunner };
        await fast.AsTask().WaitAsync(Guard);
        await Task.Delay(50);

        Assert.All(dependents, d => Assert.Equal(TaskState.Pending, d.State));
        Assert.Same(run, viaRunner.Run);
        gate.SetResult(40);
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal((42, 80, 42, 38), (plain.Result, withContext.Result, covariant.Result, viaRunner.Result));
        Assert.Equal(TaskState.Completed, action.State);
    }

    // ---------------------------------------------------------------- rendering

    [Fact]
    public async Task TypedJoinAndFanIn_RenderAnEdgePerDependency()
    {
        await using var runner = Runner(ErrorPolicy.Raise);
        var run = runner.CreateRun("typed");
        var price = run.Submit(new TaskOptions { Name = "price" }, static () => 10m);
        var count = run.Submit(new TaskOptions { Name = "count" }, static () => 3);
        var total = run.Submit(new TaskOptions { Name = "total" }, price, count, static (p, c) => p * c);
        var report = run.Submit(new TaskOptions { Name = "report" }, [total, price], static xs => xs.Sum());
        run.Complete();

        await run.Completion.WaitAsync(Guard);

        Assert.Equal(40m, report.Result);
        Assert.Equal(
            "flowchart TD\n" +
            "    t0[\"price\"]\n" +
            "    t1[\"count\"]\n" +
            "    t2[\"total\"]\n" +
            "    t3[\"report\"]\n" +
            "    t0 --> t2\n" +
            "    t1 --> t2\n" +
            "    t2 --> t3\n" +
            "    t0 --> t3\n" +
            "    classDef completed fill:#c8e6c9,stroke:#388e3c,color:#212121\n" +
            "    class t0,t1,t2,t3 completed\n",
            WorkflowRenderer.ToMermaid(run));
    }
}
