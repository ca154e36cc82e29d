using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Workflowy.Benchmarks.Graphs;

/// <summary>
/// The benchmarks' minimal scheduler until 2026-12-03 (kept to compare with <see cref="MinimalScheduler"/>, which
/// replaced it as the baseline): in-degree counters, one <see cref="Channel{T}"/> of ready node
/// indices, one worker loop per core on the thread pool. A worker that finishes a node runs the first successor it
/// readied inline and keeps the others on a worker-local stack; it moves them to the channel only while another
/// worker is idle (waiting on the channel), so a busy machine pays no queue traffic and an idle worker is never
/// starved. No states, cancellation, errors, handles or events: the gap to it is the price of those features.
/// </summary>
public sealed class ChannelScheduler
{
    private readonly int[][] _dependencies;
    private readonly int[] _pending;
    private readonly int[] _successorStart;
    private readonly int[] _successors;
    private readonly int[] _values;
    private readonly Channel<int> _ready;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _remaining;
    private int _idle;

    private ChannelScheduler(Dag dag)
    {
        _dependencies = dag.Dependencies;
        var n = _dependencies.Length;
        _pending = new int[n];
        _values = new int[n];
        _successorStart = new int[n + 1];
        var edges = 0;
        for (var i = 0; i < n; i++)
        {
            var deps = _dependencies[i];
            _pending[i] = deps.Length;
            edges += deps.Length;
            foreach (var d in deps)
            {
                _successorStart[d + 1]++;
            }
        }

        for (var i = 0; i < n; i++)
        {
            _successorStart[i + 1] += _successorStart[i];
        }

        _successors = new int[edges];
        var fill = new int[n];
        for (var i = 0; i < n; i++)
        {
            foreach (var d in _dependencies[i])
            {
                _successors[_successorStart[d] + fill[d]++] = i;
            }
        }

        _remaining = n;
        _ready = Channel.CreateUnbounded<int>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    }

    /// <summary>Runs the graph on <paramref name="workers"/> worker loops and returns the checksum.</summary>
    public static async Task<int> RunAsync(Dag dag, int workers)
    {
        var scheduler = new ChannelScheduler(dag);
        for (var i = 0; i < scheduler._pending.Length; i++)
        {
            if (scheduler._pending[i] == 0)
            {
                scheduler._ready.Writer.TryWrite(i);
            }
        }

        for (var i = 0; i < workers; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => _ = s.WorkerAsync(), scheduler, preferLocal: false);
        }

        await scheduler._done.Task.ConfigureAwait(false);
        var checksum = 0;
        foreach (var s in dag.Sinks)
        {
            checksum = unchecked(checksum + scheduler._values[s]);
        }

        return checksum;
    }

    private async Task WorkerAsync()
    {
        var reader = _ready.Reader;
        var local = new LocalStack();
        while (true)
        {
            while (reader.TryRead(out var node))
            {
                Execute(node, local);
            }

            Interlocked.Increment(ref _idle);
            var more = await reader.WaitToReadAsync().ConfigureAwait(false);
            Interlocked.Decrement(ref _idle);
            if (!more)
            {
                return;
            }
        }
    }

    private void Execute(int node, LocalStack local)
    {
        while (true)
        {
            var deps = _dependencies[node];
            var sum = 0;
            foreach (var d in deps)
            {
                sum = unchecked(sum + _values[d]);
            }

            _values[node] = Dag.Body(sum, deps.Length);

            var next = -1;
            for (var k = _successorStart[node]; k < _successorStart[node + 1]; k++)
            {
                var successor = _successors[k];
                if (Interlocked.Decrement(ref _pending[successor]) == 0)
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

            // Share only while someone is waiting for work.
            while (local.Count > 0 && Volatile.Read(ref _idle) > 0)
            {
                _ready.Writer.TryWrite(local.Pop());
            }

            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _ready.Writer.TryComplete();
                _done.TrySetResult();
                return;
            }

            if (next < 0)
            {
                if (local.Count == 0)
                {
                    return;
                }

                next = local.Pop();
            }

            node = next;
        }
    }

    private sealed class LocalStack
    {
        private int[] _items = new int[16];

        public int Count { get; private set; }

        public void Push(int item)
        {
            if (Count == _items.Length)
            {
                Array.Resize(ref _items, _items.Length * 2);
            }

            _items[Count++] = item;
        }

        public int Pop() => _items[--Count];
    }
}
