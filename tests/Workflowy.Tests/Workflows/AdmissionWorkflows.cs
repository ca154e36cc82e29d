namespace Workflowy.Tests.Workflows;

/// <summary>One call of a tenant sync: the spec's case 29 as a graph task keyed by its <c>tenant</c> input (Reuse).</summary>
public sealed partial class TenantSync
{
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<int> Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Task, ConcurrencyKey(nameof(tenant), MaxRunning = 1, MaxPending = 1, OnLimit = ConcurrencyLimit.Reuse)]
    public async Task<int> Sync(string tenant, int batch)
    {
        Started.TrySetResult();
        return await Release.Task;
    }
}

/// <summary>As <see cref="TenantSync"/>, with <see cref="ConcurrencyLimit.Reject"/>.</summary>
public sealed partial class TenantSyncOrReject
{
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource<int> Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool AfterRan { get; private set; }

    [Task, ConcurrencyKey(nameof(tenant), OnLimit = ConcurrencyLimit.Reject)]
    public async Task<int> Sync(string tenant, int batch)
    {
        Started.TrySetResult();
        return await Release.Task;
    }

    /// <summary>Depends on the keyed task: a rejected sync is skipped, so this one is skipped too (OnDependencyFailure = Skip).</summary>
    [Task(OnDependencyFailure = DependencyFailure.Skip), DependsOn(nameof(Sync))]
    public void After(int sync) => AfterRan = true;
}

/// <summary>The spec's case 30(a) on a graph: F's key is the result of its dependency Load (not the input), minus requestId.</summary>
public sealed partial class CachedPricing
{
    private static int _executions;

    public static int Executions => Volatile.Read(ref _executions);

    public static void Reset() => Volatile.Write(ref _executions, 0);

    public Exception? Failure { get; init; }

    [Task]
    public int Load(int x) => x;

    [Task, CacheResult("00:10:00", Exclude = new[] { nameof(requestId) }), DependsOn(nameof(Load))]
    public int Price(int load, string requestId)
    {
        Interlocked.Increment(ref _executions);
        if (Failure is not null)
        {
            throw Failure;
        }

        return load * 10;
    }

    [Task, DependsOn(nameof(Price))]
    public string Label(int price) => $"price {price}";
}
