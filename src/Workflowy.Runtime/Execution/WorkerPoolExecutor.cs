using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// The runner's worker pool (<see cref="Backend.Async"/>, and synchronous bodies by default): one unbounded channel of
/// ready tasks shared by every run of the runner, and up to <see cref="WorkflowRunner.MaxWorkers"/> worker loops on the
/// .NET thread pool, so the limit holds for all the runner's runs together. Workers start with the work (one when a
/// task is queued and none is idle) and wait for more without holding a thread. A worker runs the first dependent a
/// task readies inline (a chain costs no queue hop); an asynchronous body does not hold its worker while it awaits.
/// </summary>
/// <remarks>
/// A synchronous body abandoned by its timeout keeps its thread, a thread-pool thread, until it returns. A replacement
/// queued to the thread pool would then wait for the pool to grow (about one thread a second once its minimum is
/// held: 100 abandoned bodies in a row took 79 s instead of 5). So while abandoned bodies hold threads, workers start on
/// dedicated threads instead, which wait for work on a semaphore (not on the pool) and end after
/// <see cref="DedicatedThreadExecutor.KeepAlive"/> idle or once no abandoned body is left; then the pool takes over
/// again. Their number stays within <see cref="WorkflowRunner.MaxWorkers"/>, and the abandoned threads within
/// <see cref="WorkflowRunner.MaxAbandonedThreads"/>.
/// </remarks>
internal sealed class WorkerPoolExecutor : TaskExecutor
{
    private readonly Channel<TaskHandle> _ready = Channel.CreateUnbounded<TaskHandle>(new UnboundedChannelOptions
    {
        SingleReader = false,
        SingleWriter = false,
        AllowSynchronousContinuations = false,
    });

    private readonly SemaphoreSlim _wake = new(0);
    private readonly int _max;
    private int _started;
    private int _idle;
    private int _sleepers;
    private int _abandoned;
    private volatile bool _stopped;

    public WorkerPoolExecutor(int maxWorkers) => _max = Math.Max(1, maxWorkers);

    public override int QueuedCount => _ready.Reader.Count;

    internal override bool RetiresAbandonedThreads => true;

    public override void Post(ReadyTask task) => Enqueue(task.Task);

    /// <summary>Queues a ready task; starts a worker when none is idle and fewer than the maximum are running.</summary>
    internal void Enqueue(TaskHandle handle)
    {
        if (!_ready.Writer.TryWrite(handle))
        {
            // The runner was disposed.
            handle.Run.Refuse(handle);
            return;
        }

        var sleepers = Volatile.Read(ref _sleepers);
        if (sleepers > 0)
        {
            // A dedicated worker waits for work (abandoned bodies hold threads): wake it; start another only if more
            // tasks wait than workers sleep.
            _wake.Release();
            if (_ready.Reader.Count <= sleepers)
            {
                return;
            }
        }

        // While abandoned bodies hold threads, an idle worker on the thread pool may wait for the pool to give it a
        // thread: start one that does not, within the limit.
        if ((Volatile.Read(ref _idle) == 0 || Volatile.Read(ref _abandoned) > 0) && Volatile.Read(ref _started) < _max)
        {
            TryStartWorker();
        }
    }

    internal override void OnAbandoned()
    {
        // The abandoned body keeps its thread until it returns; that worker then retires (RetiresAbandonedThreads) and
        // no longer counts: a replacement takes its place now, on a dedicated thread (the pool may be short of the
        // threads abandoned bodies hold).
        Interlocked.Increment(ref _abandoned);
        Interlocked.Decrement(ref _started);
        if (_ready.Reader.Count > 0)
        {
            TryStartWorker();
        }
    }

    internal override void OnAbandonedReturned() => Interlocked.Decrement(ref _abandoned);

    internal override void Stop()
    {
        _stopped = true;
        _ready.Writer.TryComplete();
        _wake.Release(Math.Max(1, Volatile.Read(ref _sleepers)));
    }

    private void TryStartWorker()
    {
        while (true)
        {
            var started = Volatile.Read(ref _started);
            if (started >= _max)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _started, started + 1, started) == started)
            {
                if (Volatile.Read(ref _abandoned) > 0)
                {
                    // Not flowing the caller's execution context: each task runs in its own run's (see WorkflowRun.RunBurst).
                    new Thread(static state => ((WorkerPoolExecutor)state!).DedicatedLoop())
                    {
                        IsBackground = true,
                        Name = "Workflowy worker (replacement)",
                    }.UnsafeStart(this);
                }
                else
                {
                    ThreadPool.UnsafeQueueUserWorkItem(static state => _ = ((WorkerPoolExecutor)state!).WorkerLoopAsync(), this, preferLocal: false);
                }

                return;
            }
        }
    }

    /// <summary>
    /// A worker on a dedicated thread, started while abandoned bodies hold threads: it waits for work on a semaphore,
    /// never on the thread pool, and ends when idle for <see cref="DedicatedThreadExecutor.KeepAlive"/>, when no
    /// abandoned body is left (the pool takes over), or when the runner stops.
    /// </summary>
    private void DedicatedLoop()
    {
        var home = ExecutionContext.Capture();
        var reader = _ready.Reader;
        while (true)
        {
            if (FlightHold.Drain(this, new ChannelSource(reader), home))
            {
                // Its body was abandoned and replaced: it no longer counts.
                return;
            }

            if (_stopped || Volatile.Read(ref _abandoned) == 0)
            {
                break;
            }

            Interlocked.Increment(ref _sleepers);
            if (reader.Count > 0)
            {
                // Queued before this worker counted as a sleeper: the poster may not have woken anyone.
                Interlocked.Decrement(ref _sleepers);
                continue;
            }

            var woke = _wake.Wait(DedicatedThreadExecutor.KeepAlive);
            Interlocked.Decrement(ref _sleepers);
            if (!woke && reader.Count == 0)
            {
                break;
            }
        }

        Interlocked.Decrement(ref _started);

        // A task queued while this worker was leaving may have found no sleeper and no free slot: take it over.
        if (!_stopped && reader.Count > 0)
        {
            TryStartWorker();
        }
    }

    private async Task WorkerLoopAsync()
    {
        var reader = _ready.Reader;
        var home = ExecutionContext.Capture();
        while (true)
        {
            if (FlightHold.Drain(this, new ChannelSource(reader), home))
            {
                return;
            }

            Interlocked.Increment(ref _idle);
            bool more;
            try
            {
                more = await reader.WaitToReadAsync().ConfigureAwait(false);
            }
            finally
            {
                Interlocked.Decrement(ref _idle);
            }

            if (!more)
            {
                Interlocked.Decrement(ref _started);
                return;
            }
        }
    }
}

/// <summary>Where a worker takes its next ready task from.</summary>
internal interface IReadySource
{
    bool TryTake(out TaskHandle handle);
}

/// <summary>The worker pool's channel, as a source (a struct: the drain loop is specialised for it, no allocation).</summary>
internal readonly struct ChannelSource(ChannelReader<TaskHandle> reader) : IReadySource
{
    public bool TryTake(out TaskHandle handle) => reader.TryRead(out handle!);
}

/// <summary>
/// The in-flight count a worker thread holds for the run whose tasks it is running: taken when it starts on a run's
/// task, moved when it takes a task of another run, given back when it stops taking tasks.
/// </summary>
internal struct FlightHold
{
    public WorkflowRun? Run { get; private set; }

    public void Switch(WorkflowRun run)
    {
        if (!ReferenceEquals(run, Run))
        {
            Run?.Leave();
            run.Enter();
            Run = run;
        }
    }

    public void Release()
    {
        Run?.Leave();
        Run = null;
    }

    /// <summary>
    /// Runs the tasks a source gives until it is empty or the thread must retire (returns true then: it ran a body
    /// abandoned by its timeout). The thread holds one in-flight count of a run while it takes that run's tasks, not one
    /// per task, and goes back to its own execution context afterwards.
    /// </summary>
    public static bool Drain<TSource>(TaskExecutor executor, TSource source, ExecutionContext? home)
        where TSource : IReadySource
    {
        var hold = default(FlightHold);
        var retire = false;
        try
        {
            while (!retire && source.TryTake(out var handle))
            {
                hold.Switch(handle.Run);
                retire = handle.Run.RunBurst(handle, executor);
            }
        }
        catch (Exception ex)
        {
            // RunBurst handles every task failure itself; an exception here is a broken engine: end that run with it.
            hold.Run?.AbortOnEngineFailure(ex);
        }
        finally
        {
            hold.Release();
            RestoreContext(home);
        }

        return retire;
    }

    /// <summary>Puts the worker thread back in its own execution context after running tasks in theirs.</summary>
    public static void RestoreContext(ExecutionContext? home)
    {
        if (home is not null && !ReferenceEquals(ExecutionContext.Capture(), home))
        {
            ExecutionContext.Restore(home);
        }
    }
}
