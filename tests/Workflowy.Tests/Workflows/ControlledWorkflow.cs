using System.Collections.Concurrent;

namespace Workflowy.Tests.Workflows;

/// <summary>
/// Tasks whose progress the test controls through gates, for failure and cancellation tests.
/// First -> Second -> Third is a chain; Side is independent and waits on its gate while observing its token.
/// </summary>
public sealed partial class ControlledWorkflow
{
    public readonly TaskCompletionSource FirstGate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public readonly TaskCompletionSource SideGate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public readonly TaskCompletionSource SideStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public readonly TaskCompletionSource FirstStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public readonly ConcurrentQueue<string> Ran = new();
    public Exception? SecondFailure;

    [Task]
    public async Task<int> First(CancellationToken cancellationToken)
    {
        Ran.Enqueue(nameof(First));
        FirstStarted.TrySetResult();
        await FirstGate.Task.WaitAsync(cancellationToken);
        return 1;
    }

    [Task]
    [DependsOn(nameof(First))]
    public int Second(int first)
    {
        Ran.Enqueue(nameof(Second));
        if (SecondFailure is not null)
        {
            throw SecondFailure;
        }

        return first + 1;
    }

    [Task]
    [DependsOn(nameof(Second))]
    public int Third(int second)
    {
        Ran.Enqueue(nameof(Third));
        return second + 1;
    }

    [Task]
    public async Task<string> Side(CancellationToken cancellationToken)
    {
        Ran.Enqueue(nameof(Side));
        SideStarted.TrySetResult();
        await SideGate.Task.WaitAsync(cancellationToken);
        return "side";
    }
}

/// <summary>Independent synchronous tasks that record how many ran at once.</summary>
public sealed partial class WideWorkflow
{
    private int _running;
    public int MaxConcurrent;

    private int Enter()
    {
        var now = Interlocked.Increment(ref _running);
        int seen;
        while ((seen = Volatile.Read(ref MaxConcurrent)) < now && Interlocked.CompareExchange(ref MaxConcurrent, now, seen) != seen)
        {
        }

        Thread.Sleep(5);
        Interlocked.Decrement(ref _running);
        return now;
    }

    [Task(Backend = Backend.Thread)] public int A() => Enter();
    [Task(Backend = Backend.Thread)] public int B() => Enter();
    [Task(Backend = Backend.Thread)] public int C() => Enter();
    [Task(Backend = Backend.Thread)] public int D() => Enter();
    [Task(Backend = Backend.Thread)] public int E() => Enter();
    [Task(Backend = Backend.Thread)] public int F() => Enter();
}

/// <summary>A chain where each task consumes the previous result (exercises the inline continuation).</summary>
public sealed partial class ChainWorkflow
{
    [Task] public int Step1(int start) => start + 1;
    [Task, DependsOn(nameof(Step1))] public int Step2(int step1) => step1 * 2;
    [Task, DependsOn(nameof(Step2))] public int Step3(int step2) => step2 + 3;
    [Task, DependsOn(nameof(Step3))] public int Step4(int step3) => step3 * 4;
    [Task, DependsOn(nameof(Step4))] public string Step5(int step4) => $"={step4}";
}
