using System;

namespace Workflowy;

/// <summary>
/// Where and when the bodies of ready tasks run. A runner holds one executor per <see cref="Backend"/>, shared by all
/// its runs (<see cref="WorkflowRunner.GetExecutor"/>): the worker pool for <see cref="Backend.Async"/>, dedicated
/// threads for <see cref="Backend.Thread"/>, one thread for <see cref="Backend.Serial"/>. The scheduler (dependency
/// counting, retries, timeouts, the task lifecycle) is the same whatever runs the body; an executor only decides where
/// and when <see cref="ReadyTask.Execute"/> is called. A new way of running tasks is a new executor for a backend
/// (<see cref="WorkflowRunner.Executors"/>).
/// </summary>
/// <remarks>
/// Shaped like <see cref="System.Threading.Channels.ChannelWriter{T}"/>: a small abstract type with one sealed
/// implementation per way of running.
/// </remarks>
public abstract class TaskExecutor
{
    /// <summary>
    /// Takes a task whose dependencies are done. Must not block and must not throw: run the task now, or queue it and
    /// later call <see cref="ReadyTask.Execute"/> exactly once on a thread of the executor's choosing; when it can
    /// never run it (the executor was stopped), call <see cref="ReadyTask.Refuse"/> instead.
    /// </summary>
    /// <param name="task">The ready task.</param>
    public abstract void Post(ReadyTask task);

    /// <summary>How many posted tasks wait to start (the <c>workflowy.ready_queue.depth</c> gauge); 0 unless overridden.</summary>
    public virtual int QueuedCount => 0;

    /// <summary>
    /// Whether a thread of this executor that was inside a synchronous body abandoned by its timeout ends when the body
    /// returns (its place was given to a replacement by <see cref="OnAbandoned"/>).
    /// </summary>
    internal virtual bool RetiresAbandonedThreads => false;

    /// <summary>
    /// A synchronous body that timed out is still running on one of this executor's threads: a bounded executor starts
    /// a replacement so that its other tasks do not wait for the abandoned body. Called only for executors that retire
    /// such threads (<see cref="RetiresAbandonedThreads"/>), within the runner's
    /// <see cref="WorkflowRunner.MaxAbandonedThreads"/>.
    /// </summary>
    internal virtual void OnAbandoned()
    {
    }

    /// <summary>A body abandoned after <see cref="OnAbandoned"/> returned: its thread retires now.</summary>
    internal virtual void OnAbandonedReturned()
    {
    }

    /// <summary>The runner is disposed: refuse what is posted from now on and let idle threads end.</summary>
    internal virtual void Stop()
    {
    }
}
