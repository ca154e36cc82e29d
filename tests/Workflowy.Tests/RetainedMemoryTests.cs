using Xunit.Abstractions;

namespace Workflowy.Tests;

/// <summary>
/// Tests that measure or disturb the whole process (memory, listeners that throw): they run alone, after the others,
/// so that other tests' objects do not count and other tests' spans and measurements are not lost.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "alone";
}

/// <summary>
/// Issue 17, item 10: completed async tasks kept about 360 B each after their run ended (their extras: throughline
/// frame, captured execution context, attempt state), on top of the 96 B a submitted task costs.
/// </summary>
[Collection(AloneCollection.Name)]
public class RetainedMemoryTests(ITestOutputHelper output)
{
    private const int Count = 100_000;

    [Fact]
    public async Task ACompletedChainOfAsyncTasks_KeepsAt_Most160BytesPerTask()
    {
        await using var runner = new WorkflowRunner();
        var before = Measure();
        var run = runner.CreateRun("chain", startNow: false);
        TaskHandle<int> last = run.Submit(static async () =>
        {
            await Task.Yield();
            return 0;
        });
        for (var i = 1; i < Count; i++)
        {
            last = run.Submit(last, static async x =>
            {
                await Task.Yield();
                return x + 1;
            });
        }

        var submitted = Measure();
        await run.CompleteAsync().WaitAsync(TimeSpan.FromMinutes(2));
        var ended = Measure();
        Assert.Equal(Count - 1, last.Result);

        var perTaskSubmitted = (submitted - before) / (double)Count;
        var perTaskEnded = (ended - before) / (double)Count;
        output.WriteLine($"per task: {perTaskSubmitted:0} B after submission, {perTaskEnded:0} B after the run");
        GC.KeepAlive(run);

        // A submitted task with one dependency is a 64-byte handle (its body is a static lambda, cached) and a slot of
        // the run's handle list; 160 B leaves room for the list's chunks and the measurement's noise, not for the
        // extras object (about 200 B) nor a throughline frame and execution context per task.
        Assert.True(perTaskEnded <= 160, $"a completed async task keeps {perTaskEnded:0} B (after submission: {perTaskSubmitted:0} B)");
    }

    [Fact]
    public async Task ACompletedSubmittedTask_LetsGoOfWhatItsBodyCaptured()
    {
        await using var runner = new WorkflowRunner();
        var run = runner.CreateRun("captures");
        var (handle, captured) = SubmitCapturing(run);
        await run.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1 << 20, handle.Result);

        Measure();
        Assert.False(captured.IsAlive, "the completed task's body still holds the array it captured");
        GC.KeepAlive(run);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (TaskHandle<int> Handle, WeakReference Captured) SubmitCapturing(WorkflowRun run)
    {
        var buffer = new byte[1 << 20];
        return (run.Submit(() => buffer.Length), new WeakReference(buffer));
    }

    private static long Measure()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
