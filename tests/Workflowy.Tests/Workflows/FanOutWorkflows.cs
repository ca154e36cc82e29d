using System.Collections.Generic;
using System.Collections.Concurrent;

namespace Workflowy.Tests.Workflows;

/// <summary>The spec's case 30(b): a fan-out over [3, 1, 2] whose calls the test finishes in any order.</summary>
public sealed partial class FanOutOrder
{
    public ConcurrentDictionary<int, TaskCompletionSource<string>> Gates { get; } = new();

    public ConcurrentDictionary<int, TaskCompletionSource> Started { get; } = new();

    public IReadOnlyList<string>? Aggregated { get; private set; }

    public int? FailAt { get; init; }

    public TaskCompletionSource<string> Gate(int item) => Gates.GetOrAdd(item, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

    public TaskCompletionSource StartedSignal(int item) => Started.GetOrAdd(item, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

    [Task]
    public int[] Items() => [3, 1, 2];

    [Task, FanOut(nameof(Items), MaxParallel = 3)]
    public async Task<string> Process(int item, CancellationToken cancellationToken)
    {
        StartedSignal(item).TrySetResult();
        var result = await Gate(item).Task.WaitAsync(cancellationToken);
        if (item == FailAt)
        {
            throw new InvalidOperationException($"item {item} failed");
        }

        return result;
    }

    [Task, DependsOn(nameof(Process))]
    public string Aggregate(IReadOnlyList<string> process)
    {
        Aggregated = process;
        return string.Join(",", process);
    }
}

/// <summary>Chunks of BatchSize, a bound on parallel calls, and CollectAll.</summary>
public sealed partial class FanOutBatches
{
    private int _running;
    private int _maxRunning;

    public int MaxRunning => Volatile.Read(ref _maxRunning);

    [Task]
    public List<int> Numbers(int count) => Enumerable.Range(1, count).ToList();

    [Task, FanOut(nameof(Numbers), BatchSize = 2, MaxParallel = 2)]
    public async Task<int> SumChunk(IReadOnlyList<int> chunk)
    {
        var now = Interlocked.Increment(ref _running);
        int seen;
        while ((seen = Volatile.Read(ref _maxRunning)) < now && Interlocked.CompareExchange(ref _maxRunning, now, seen) != seen)
        {
        }

        await Task.Yield();
        Interlocked.Decrement(ref _running);
        return chunk.Sum();
    }

    [Task, DependsOn(nameof(SumChunk))]
    public string Sums(IReadOnlyList<int> sumChunk) => string.Join("+", sumChunk);

    [Task, FanOut(nameof(Numbers), OnFailure = FanOutFailure.CollectAll)]
    public int Invert(int n) => n == 2 ? throw new ArgumentException("two") : 100 / n;

    [Task, DependsOn(nameof(Invert))]
    public string Report(IReadOnlyList<FanOutResult<int>> invert) =>
        string.Join(" ", invert.Select(r => r.Succeeded ? r.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) : "x"));
}

/// <summary>A fan-out whose calls wait in the serial executor's queue when another task fails the run.</summary>
public sealed partial class FanOutAbort
{
    public ManualResetEventSlim FirstGate { get; } = new(false);

    public TaskCompletionSource FirstStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<int> SideGate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Task]
    public int[] Items() => [1, 2, 3];

    [Task(Backend = Backend.Serial), FanOut(nameof(Items))]
    public int Slow(int item)
    {
        if (item == 1)
        {
            FirstStarted.TrySetResult();
            FirstGate.Wait();
        }

        return item;
    }

    [Task, DependsOn(nameof(Slow))]
    public int Total(IReadOnlyList<int> slow) => slow.Sum();

    [Task]
    public async Task<int> Side() => await SideGate.Task;
}
