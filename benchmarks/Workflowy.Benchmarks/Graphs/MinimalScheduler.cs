using System;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.Benchmarks.Graphs;

/// <summary>
/// The practical limit for a general DAG scheduler, the baseline of the ratio columns: per-run in-degree counters (a
/// node with one dependency is readied by it without an atomic); the worker that finishes a node runs the first
/// successor it readied inline and pushes the others on its own LIFO stack; a worker that runs out of work says so
/// (<c>_hungry</c>), spins briefly, then sleeps; a busy worker that sees a hungry one hands it the oldest half of its
/// stack, at most <see cref="BatchCap"/> nodes at a time, through one shared slot. The sources are seeded on the first
/// worker's stack. Completed nodes are counted per worker and added to the shared count only when the worker runs out
/// of work, so the shared cache lines are touched per batch, not per node. No states, cancellation, errors, handles or
/// events: the gap to it is the price of those features (and of a graph given node by node instead of at once).
/// </summary>
public sealed class MinimalScheduler
{
    /// <summary>The most nodes handed to a hungry worker at once.</summary>
    public const int BatchCap = 64;

    private const int SpinIterations = 64;

    private readonly int[][] _dependencies;
    private readonly int[] _pending;
    private readonly int[] _successorStart;
    private readonly int[] _successors;
    private readonly int[] _values;
    private readonly int[] _shared = new int[BatchCap];
    private readonly object _sharedLock = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _workers;
    private int _sharedCount;
    private int _hungry;
    private int _sleepers;
    private int _remaining;
    private volatile bool _done;

    private MinimalScheduler(Dag dag, int workers)
    {
        _dependencies = dag.Dependencies;
        _workers = workers;
        var n = _dependencies.Length;
        _pending = new int[n];
        _values = new int[n];
        _successorStart = new int[n + 1];
        for (var i = 0; i < n; i++)
        {
            _pending[i] = _dependencies[i].Length;
            foreach (var d in _dependencies[i])
            {
                _successorStart[d + 1]++;
            }
        }

        for (var i = 0; i < n; i++)
        {
            _successorStart[i + 1] += _successorStart[i];
        }

        _successors = new int[_successorStart[n]];
        var fill = new int[n];
        for (var i = 0; i < n; i++)
        {
            foreach (var d in _dependencies[i])
            {
                _successors[_successorStart[d] + fill[d]++] = i;
            }
        }

        _remaining = n;
    }

    /// <summary>Runs the graph on <paramref name="workers"/> workers and returns the checksum.</summary>
    public static async Task<int> RunAsync(Dag dag, int workers) => Checksum(dag, await RunForValuesAsync(dag, workers).ConfigureAwait(false));

    /// <summary>Runs the graph and returns every node's result (for the tests).</summary>
    public static async Task<int[]> RunForValuesAsync(Dag dag, int workers)
    {
        var scheduler = new MinimalScheduler(dag, Math.Max(1, workers));
        if (dag.Count == 0)
        {
            return scheduler._values;
        }

        var first = new Worker(scheduler);
        for (var i = dag.Count - 1; i >= 0; i--)
        {
            if (scheduler._pending[i] == 0)
            {
                first.Local.Push(i);
            }
        }

        ThreadPool.UnsafeQueueUserWorkItem(static w => w.Run(), first, preferLocal: false);
        for (var i = 1; i < scheduler._workers; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static w => w.Run(), new Worker(scheduler), preferLocal: false);
        }

        await scheduler._completed.Task.ConfigureAwait(false);
        return scheduler._values;
    }

    private static int Checksum(Dag dag, int[] values)
    {
        var checksum = 0;
        foreach (var s in dag.Sinks)
        {
            checksum = unchecked(checksum + values[s]);
        }

        return checksum;
    }

    private sealed class Worker(MinimalScheduler scheduler)
    {
        public LocalStack Local { get; } = new();

        public void Run()
        {
            var s = scheduler;
            var executed = 0;
            while (true)
            {
                if (Local.TryPop(out var node))
                {
                    executed += s.Execute(node, Local);
                    continue;
                }

                if (executed > 0 && Interlocked.Add(ref s._remaining, -executed) == 0)
                {
                    s._done = true;
                    s._wake.Release(s._workers);
                    s._completed.TrySetResult();
                    return;
                }

                executed = 0;
                if (!s.WaitForWork(Local))
                {
                    return;
                }
            }
        }
    }

    /// <summary>Runs a node and the chain of first-readied successors after it; returns how many nodes ran.</summary>
    private int Execute(int node, LocalStack local)
    {
        var count = 0;
        while (true)
        {
            if (local.Count > 0 && Volatile.Read(ref _hungry) > 0)
            {
                Share(local);
            }

            var deps = _dependencies[node];
            var sum = 0;
            foreach (var d in deps)
            {
                sum = unchecked(sum + _values[d]);
            }

            _values[node] = Dag.Body(sum, deps.Length);
            count++;

            var next = -1;
            for (var k = _successorStart[node]; k < _successorStart[node + 1]; k++)
            {
                var successor = _successors[k];
                if (_dependencies[successor].Length == 1 || Interlocked.Decrement(ref _pending[successor]) == 0)
                {
                    if (next < 0)
                    {
                        next = successor;
                    }
                    else
                    {
                        local.Push(successor);
                    }
                }
            }

            if (next < 0)
            {
                return count;
            }

            node = next;
        }
    }

    /// <summary>Hands the oldest nodes of a busy worker's stack to a hungry one, when the shared slot is empty.</summary>
    private void Share(LocalStack local)
    {
        lock (_sharedLock)
        {
            if (_sharedCount > 0)
            {
                return;
            }

            _sharedCount = local.TakeOldest(_shared, Math.Min(BatchCap, (local.Count + 1) / 2));
        }

        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _sleepers) > 0)
        {
            _wake.Release();
        }
    }

    private bool TryTakeShared(LocalStack local)
    {
        lock (_sharedLock)
        {
            if (_sharedCount == 0)
            {
                return false;
            }

            for (var i = 0; i < _sharedCount; i++)
            {
                local.Push(_shared[i]);
            }

            _sharedCount = 0;
            return true;
        }
    }

    /// <summary>Out of work: says so, spins briefly, then sleeps until a batch is shared or the graph is done.</summary>
    private bool WaitForWork(LocalStack local)
    {
        Interlocked.Increment(ref _hungry);
        try
        {
            for (var i = 0; i < SpinIterations; i++)
            {
                if (_done)
                {
                    return false;
                }

                if (Volatile.Read(ref _sharedCount) > 0 && TryTakeShared(local))
                {
                    return true;
                }

                Thread.SpinWait(30);
            }

            while (true)
            {
                Interlocked.Increment(ref _sleepers);
                if (!_done && Volatile.Read(ref _sharedCount) == 0)
                {
                    _wake.Wait();
                }

                Interlocked.Decrement(ref _sleepers);
                if (_done)
                {
                    return false;
                }

                if (TryTakeShared(local))
                {
                    return true;
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _hungry);
        }
    }

    /// <summary>A worker's stack of ready nodes: pushed and popped at the top, shared from the bottom.</summary>
    private sealed class LocalStack
    {
        private int[] _items = new int[64];
        private int _bottom;
        private int _top;

        public int Count => _top - _bottom;

        public void Push(int item)
        {
            if (_top == _items.Length)
            {
                var count = Count;
                var items = count * 2 < _items.Length ? _items : new int[_items.Length * 2];
                Array.Copy(_items, _bottom, items, 0, count);
                _items = items;
                _bottom = 0;
                _top = count;
            }

            _items[_top++] = item;
        }

        public bool TryPop(out int item)
        {
            if (_top == _bottom)
            {
                _top = _bottom = 0;
                item = 0;
                return false;
            }

            item = _items[--_top];
            return true;
        }

        public int TakeOldest(int[] into, int count)
        {
            Array.Copy(_items, _bottom, into, 0, count);
            _bottom += count;
            return count;
        }
    }
}
