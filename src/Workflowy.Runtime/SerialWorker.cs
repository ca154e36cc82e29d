using System;
using System.Collections.Concurrent;
using System.Threading;

namespace Workflowy;

/// <summary>
/// The runner's dedicated serial worker: one thread that runs <see cref="Backend.Serial"/> jobs one at a time, in the
/// order they were posted, each under the execution context of its submitter.
/// </summary>
internal sealed class SerialWorker : IDisposable
{
    private readonly BlockingCollection<TaskHandle> _jobs = new();
    private readonly ManualResetEventSlim _attemptEnded = new(false);
    private readonly Thread _thread;

    public SerialWorker(string name)
    {
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public int ManagedThreadId => _thread.ManagedThreadId;

    public void Post(TaskHandle job)
    {
        try
        {
            _jobs.Add(job);
        }
        catch (InvalidOperationException)
        {
            // The runner is disposed: the job's run has been cancelled, it ends there.
            job.Run.OnSerialRefused(job);
        }
    }

    /// <summary>Called by whoever ends an attempt that runs on this worker.</summary>
    public void AttemptEnded() => _attemptEnded.Set();

    public void Dispose() => _jobs.CompleteAdding();

    private void Loop()
    {
        foreach (var job in _jobs.GetConsumingEnumerable())
        {
            _attemptEnded.Reset();
            if (job.Run.RunOnSerial(job, this))
            {
                // The attempt went asynchronous: jobs run one at a time, so wait for it to end.
                _attemptEnded.Wait();
            }
        }

        _attemptEnded.Dispose();
        _jobs.Dispose();
    }
}
