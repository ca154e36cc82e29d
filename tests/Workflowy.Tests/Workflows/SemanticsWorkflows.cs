using System.Collections.Concurrent;
using System.IO;

namespace Workflowy.Tests.Workflows;

/// <summary>Retry options declared on [Task] (linear backoff of 10 s, retried on IOException only).</summary>
public sealed partial class FlakyWorkflow
{
    public int FailuresLeft = 2;
    public Exception Failure = new IOException("flaky");
    public int FetchCalls;

    [Task(Retries = 3, Backoff = Backoff.Linear, BackoffBaseSeconds = 10, BackoffCapSeconds = 60, RetryOn = new[] { typeof(IOException) })]
    public string Fetch()
    {
        Interlocked.Increment(ref FetchCalls);
        if (Interlocked.Decrement(ref FailuresLeft) >= 0)
        {
            throw Failure;
        }

        return "data";
    }

    [Task, DependsOn(nameof(Fetch))]
    public int Parse(string fetch) => fetch.Length;
}

/// <summary>A per-attempt timeout declared on [Task]: terminal, not retried.</summary>
public sealed partial class TimeoutWorkflow
{
    public int SlowCalls;
    public readonly TaskCompletionSource Started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Task(TimeoutSeconds = 5, Retries = 2, Backoff = Backoff.None)]
    public async Task<int> Slow(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref SlowCalls);
        Started.TrySetResult();
        await Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
        return 1;
    }

    [Task, DependsOn(nameof(Slow))]
    public int After(int slow) => slow + 1;
}

/// <summary>A synchronous body that ignores its timeout: it is abandoned on its thread.</summary>
public sealed partial class StuckWorkflow
{
    public readonly ManualResetEventSlim Release = new(false);
    public readonly TaskCompletionSource Entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public int StuckReturned;
    public readonly TaskCompletionSource Returned = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Task(TimeoutSeconds = 1, Backend = Backend.Thread)]
    public int Stuck()
    {
        Entered.TrySetResult();
        Release.Wait();
        Interlocked.Increment(ref StuckReturned);
        Returned.TrySetResult();
        return 42;
    }

    [Task(Backend = Backend.Thread)]
    public int Independent() => 7;
}

/// <summary>Each dependency-failure policy, two levels deep, below one failing task.</summary>
public sealed partial class PolicyWorkflow
{
    public readonly ConcurrentQueue<string> Ran = new();

    [Task]
    public int Broken() => throw new InvalidOperationException("broken");

    [Task, DependsOn(nameof(Broken))]
    public int FailChild(int broken) => Record(broken);

    [Task, DependsOn(nameof(FailChild))]
    public int FailGrandchild(int failChild) => Record(failChild);

    [Task(OnDependencyFailure = DependencyFailure.Skip), DependsOn(nameof(Broken))]
    public int SkipChild(int broken) => Record(broken);

    [Task(OnDependencyFailure = DependencyFailure.Skip), DependsOn(nameof(SkipChild))]
    public int SkipGrandchild(int skipChild) => Record(skipChild);

    [Task(OnDependencyFailure = DependencyFailure.RunAnyway), DependsOn(nameof(Broken))]
    public string RunAnywayChild(int? broken)
    {
        Record(0);
        return broken is null ? "no value" : $"value {broken}";
    }

    [Task, DependsOn(nameof(RunAnywayChild))]
    public string RunAnywayGrandchild(string runAnywayChild)
    {
        Record(0);
        return runAnywayChild + "!";
    }

    [Task]
    public int Healthy() => 1;

    private int Record(int value, [System.Runtime.CompilerServices.CallerMemberName] string name = "")
    {
        Ran.Enqueue(name);
        return value;
    }
}

/// <summary>A task that fails until it is repaired, for rerun tests.</summary>
public sealed partial class RepairableWorkflow
{
    public volatile bool Repaired;
    public int LoadCalls;
    public int TransformCalls;
    public int SaveCalls;

    [Task]
    public int Load()
    {
        Interlocked.Increment(ref LoadCalls);
        return 20;
    }

    [Task, DependsOn(nameof(Load))]
    public int Transform(int load)
    {
        Interlocked.Increment(ref TransformCalls);
        return Repaired ? load + 1 : throw new InvalidDataException("not repaired yet");
    }

    [Task, DependsOn(nameof(Transform))]
    public string Save(int transform)
    {
        Interlocked.Increment(ref SaveCalls);
        return $"saved {transform}";
    }
}
