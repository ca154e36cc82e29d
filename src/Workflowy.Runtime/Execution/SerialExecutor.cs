using System;
using System.Collections.Concurrent;
using System.Threading;

namespace Workflowy;

/// <summary>
/// <see cref="Backend.Serial"/>: the runner's dedicated serial thread, started on first use, runs jobs one at a time in
/// the order they became ready, each under the execution context of whoever started the run or submitted the task. An
/// asynchronous serial body holds the thread until it ends.
/// </summary>
internal sealed class SerialExecutor : TaskExecutor
{
    private readonly BlockingCollection<TaskHandle> _jobs = new();
    private readonly ManualResetEventSlim _attemptEnded = new(false);
    private readonly string _name;
    private int _started;

    public SerialExecutor(string name) => _name = name;

    public override int QueuedCount => _jobs.Count;

    public override void Post(ReadyTask task) => Enqueue(task.Task);

    internal void Enqueue(TaskHandle job)
    {
        if (Volatile.Read(ref _started) == 0 && Interlocked.Exchange(ref _started, 1) == 0)
        {
            new Thread(static state => ((SerialExecutor)state!).Loop()) { IsBackground = true, Name = _name }.UnsafeStart(this);
        }

        try
        {
            _jobs.Add(job);
        }
        catch (InvalidOperationException)
        {
            // The runner is disposed: the job's run has been cancelled, it ends there.
            job.Run.Refuse(job);
        }
    }

    /// <summary>Called by whoever ends an attempt that ran on this thread and went asynchronous.</summary>
    public void AttemptEnded() => _attemptEnded.Set();

    internal override void Stop()
    {
        // A thread not started yet never will be; posts from now on are refused (Enqueue's Add throws).
        Volatile.Write(ref _started, 1);
        _jobs.CompleteAdding();
    }

    private void Loop()
    {
        var home = ExecutionContext.Capture();
        foreach (var job in _jobs.GetConsumingEnumerable())
        {
            _attemptEnded.Reset();
            var pendingAsync = job.Run.RunOnSerial(job, this);
            FlightHold.RestoreContext(home);
            if (pendingAsync)
            {
                // The attempt went asynchronous: jobs run one at a time, so wait for it to end.
                _attemptEnded.Wait();
            }
        }

        _attemptEnded.Dispose();
        _jobs.Dispose();
    }
}
