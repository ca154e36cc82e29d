namespace Workflowy.Tests.Workflows;

/// <summary>One source, two branches (one async, one on a thread), one join on a thread.</summary>
public sealed partial class DiamondWorkflow
{
    public int SourceCalls;
    public int LeftCalls;
    public int RightCalls;
    public int JoinCalls;
    public volatile bool RightRanOnDedicatedThread;
    public volatile bool JoinRanOnDedicatedThread;

    [Task]
    public int Source(int seed)
    {
        Interlocked.Increment(ref SourceCalls);
        return seed * 10;
    }

    [Task(Backend = Backend.Async)]
    [DependsOn(nameof(Source))]
    public async Task<string> Left(int source, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref LeftCalls);
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        return $"left:{source}";
    }

    [Task(Backend = Backend.Thread)]
    [DependsOn(nameof(Source))]
    public long Right(int source)
    {
        Interlocked.Increment(ref RightCalls);
        RightRanOnDedicatedThread = !Thread.CurrentThread.IsThreadPoolThread && Thread.CurrentThread.Name == "Workflowy thread worker";
        return source + 1L;
    }

    [Task(Backend = Backend.Thread)]
    [DependsOn(nameof(Left), nameof(Right))]
    public string Join(string left, long right, string suffix)
    {
        Interlocked.Increment(ref JoinCalls);
        JoinRanOnDedicatedThread = !Thread.CurrentThread.IsThreadPoolThread && Thread.CurrentThread.Name == "Workflowy thread worker";
        return $"{left}|right:{right}|{suffix}";
    }
}
