using System;
using System.Collections.Concurrent;
using System.Threading;

namespace Workflowy;

/// <summary>
/// <see cref="Backend.Thread"/>: blocking synchronous bodies on dedicated threads, so they never wait for the .NET
/// thread pool to grow. Up to <see cref="WorkflowRunner.MaxWorkers"/> threads for all the runner's runs together,
/// started when a task is queued and none is idle; a thread idle for <see cref="KeepAlive"/> ends.
/// </summary>
internal sealed class DedicatedThreadExecutor : TaskExecutor
{
    /// <summary>How long an idle thread waits for work before it ends.</summary>
    internal static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(10);

    private readonly ConcurrentQueue<TaskHandle> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly int _max;
    private int _threads;
    private int _idle;
    private volatile bool _stopped;

    public DedicatedThreadExecutor(int maxThreads) => _max = Math.Max(1, maxThreads);

    public override int QueuedCount => _queue.Count;

    internal override bool RetiresAbandonedThreads => true;

    /// <summary>How many threads are running bodies or waiting for work.</summary>
    internal int ThreadCount => Volatile.Read(ref _threads);

    public override void Post(ReadyTask task) => Enqueue(task.Task);

    internal void Enqueue(TaskHandle handle)
    {
        if (_stopped)
        {
            handle.Run.Refuse(handle);
            return;
        }

        _queue.Enqueue(handle);
        if (Volatile.Read(ref _idle) > 0)
        {
            _signal.Release();
        }
        else
        {
            TryStartThread();
        }
    }

    internal override void OnAbandoned()
    {
        Interlocked.Decrement(ref _threads);
        if (!_queue.IsEmpty)
        {
            TryStartThread();
        }
    }

    internal override void Stop()
    {
        _stopped = true;
        _signal.Release(Math.Max(1, Volatile.Read(ref _threads)));
        while (_queue.TryDequeue(out var handle))
        {
            handle.Run.Refuse(handle);
        }
    }

    private readonly struct QueueSource(ConcurrentQueue<TaskHandle> queue) : IReadySource
    {
        public bool TryTake(out TaskHandle handle) => queue.TryDequeue(out handle!);
    }

    private void TryStartThread()
    {
        while (true)
        {
            var threads = Volatile.Read(ref _threads);
            if (threads >= _max)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _threads, threads + 1, threads) == threads)
            {
                var thread = new Thread(static state => ((DedicatedThreadExecutor)state!).Loop())
                {
                    IsBackground = true,
                    Name = "Workflowy thread worker",
                };

                // Not flowing the caller's execution context: each task runs in its own run's.
                thread.UnsafeStart(this);
                return;
            }
        }
    }

    private void Loop()
    {
        var home = ExecutionContext.Capture();
        while (true)
        {
            if (FlightHold.Drain(this, new QueueSource(_queue), home))
            {
                // Replaced when its body was abandoned (OnAbandoned): it no longer counts.
                return;
            }

            Interlocked.Increment(ref _idle);
            if (!_queue.IsEmpty)
            {
                Interlocked.Decrement(ref _idle);
                continue;
            }

            var woke = _signal.Wait(KeepAlive);
            Interlocked.Decrement(ref _idle);
            if (woke || !_queue.IsEmpty)
            {
                if (_stopped && _queue.IsEmpty)
                {
                    Interlocked.Decrement(ref _threads);
                    return;
                }

                continue;
            }

            Interlocked.Decrement(ref _threads);

            // A task queued while this thread was deciding to end found it idle and started no thread: take it over.
            if (!_queue.IsEmpty && !_stopped)
            {
                TryStartThread();
            }

            return;
        }
    }
}
