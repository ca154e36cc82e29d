using System;
using System.Collections.Concurrent;
using System.Threading;

namespace Workflowy;

/// <summary>
/// The runner's worker pool (<see cref="Backend.Async"/>, and synchronous bodies by default): one lock-free queue of
/// ready tasks shared by every run of the runner, and up to <see cref="WorkflowRunner.MaxWorkers"/> workers on the .NET
/// thread pool, so the limit holds for all the runner's runs together. A worker is a thread-pool work item (the
/// executor itself: starting one allocates nothing) that runs queued tasks until the queue is empty, then gives its
/// slot back; a task queued while fewer than the maximum run starts one. So an idle pool holds no thread and no
/// parked continuation. A worker runs the first dependent a task readies inline (a chain costs no queue hop); an
/// asynchronous body does not hold its worker while it awaits.
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
internal sealed class WorkerPoolExecutor : TaskExecutor, IThreadPoolWorkItem
{
    // Until issue 12 this was a Channel<TaskHandle> with worker loops parked on WaitToReadAsync: a lock per queued task
    // and an asynchronous wait per idle spell. The queue is lock-free, and a worker that finds it empty ends instead.
    private readonly ConcurrentQueue<TaskHandle> _ready = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly int _max;
    private int _started;
    private int _sleepers;
    private int _abandoned;
    private volatile bool _stopped;

    public WorkerPoolExecutor(int maxWorkers) => _max = Math.Max(1, maxWorkers);

    public override int QueuedCount => _ready.Count;

    internal override bool RetiresAbandonedThreads => true;

    public override void Post(ReadyTask task) => Enqueue(task.Task);

    /// <summary>Queues a ready task; starts a worker when fewer than the maximum are running.</summary>
    internal void Enqueue(TaskHandle handle)
    {
        if (_stopped)
        {
            // The runner was disposed.
            handle.Run.Refuse(handle);
            return;
        }

        // The enqueue is a full fence (an interlocked exchange on the tail), so the reads below see a worker that gave
        // its slot back before it, and a worker that gives its slot back after it sees the task (RunPoolWorker).
        _ready.Enqueue(handle);
        var sleepers = Volatile.Read(ref _sleepers);
        if (sleepers > 0)
        {
            // A dedicated worker waits for work (abandoned bodies hold threads): wake it; start another only if more
            // tasks wait than workers sleep.
            _wake.Release();
            if (_ready.Count <= sleepers)
            {
                return;
            }
        }

        if (Volatile.Read(ref _started) < _max)
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
        if (!_ready.IsEmpty)
        {
            TryStartWorker();
        }
    }

    internal override void OnAbandonedReturned() => Interlocked.Decrement(ref _abandoned);

    internal override void Stop()
    {
        // Tasks queued before still run (the workers drain the queue); new ones are refused.
        _stopped = true;
        _wake.Release(Math.Max(1, Volatile.Read(ref _sleepers)));
    }

    /// <summary>Takes a worker slot if one is free; false when the maximum are running.</summary>
    private bool TryTakeSlot()
    {
        while (true)
        {
            var started = Volatile.Read(ref _started);
            if (started >= _max)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _started, started + 1, started) == started)
            {
                return true;
            }
        }
    }

    private void TryStartWorker()
    {
        if (!TryTakeSlot())
        {
            return;
        }

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
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    /// <summary>A worker on the thread pool (this executor is its work item).</summary>
    void IThreadPoolWorkItem.Execute() => RunPoolWorker();

    private void RunPoolWorker()
    {
        var home = ExecutionContext.Capture();
        while (true)
        {
            if (FlightHold.Drain(this, new QueueSource(_ready), home))
            {
                // Its body was abandoned and replaced (OnAbandoned gave its slot away): it no longer counts.
                return;
            }

            // Out of work: give the slot back, then look again, so that a task queued meanwhile (whose poster saw every
            // slot taken) is not left behind.
            Interlocked.Decrement(ref _started);
            if (_ready.IsEmpty || !TryTakeSlot())
            {
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
        while (true)
        {
            if (FlightHold.Drain(this, new QueueSource(_ready), home))
            {
                // Its body was abandoned and replaced: it no longer counts.
                return;
            }

            if (_stopped || Volatile.Read(ref _abandoned) == 0)
            {
                break;
            }

            Interlocked.Increment(ref _sleepers);
            if (!_ready.IsEmpty)
            {
                // Queued before this worker counted as a sleeper: the poster may not have woken anyone.
                Interlocked.Decrement(ref _sleepers);
                continue;
            }

            var woke = _wake.Wait(DedicatedThreadExecutor.KeepAlive);
            Interlocked.Decrement(ref _sleepers);
            if (!woke && _ready.IsEmpty)
            {
                break;
            }
        }

        Interlocked.Decrement(ref _started);

        // A task queued while this worker was leaving may have found no sleeper and no free slot: take it over.
        if (!_ready.IsEmpty)
        {
            TryStartWorker();
        }
    }

    private readonly struct QueueSource(ConcurrentQueue<TaskHandle> queue) : IReadySource
    {
        public bool TryTake(out TaskHandle handle) => queue.TryDequeue(out handle!);
    }
}

/// <summary>Where a worker takes its next ready task from.</summary>
internal interface IReadySource
{
    bool TryTake(out TaskHandle handle);
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
