using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// The executor of <see cref="Backend.Process"/>: each ready task runs in a child worker process of this application,
/// started on demand and reused, at most <see cref="ProcessWorkerOptions.MaxWorkers"/> of them, each running one task
/// at a time. Every runner has one with default options; give your own in <see cref="WorkflowRunner.Executors"/> to
/// set options (<c>Executors = { [Backend.Process] = new ProcessTaskExecutor(options) }</c>), and dispose it when done.
/// </summary>
/// <remarks>
/// A task waits in this executor's queue (still <see cref="TaskState.Ready"/>) until a worker is free; its attempt
/// starts then, so its timeout does not count the wait. The worker sends the child the workflow's full name, the
/// task's name and its inputs and dependency results as JSON; the child finds the task in its
/// <see cref="WorkflowCatalog"/> and runs it with <see cref="WorkflowDefinition.InvokeTaskAsync"/>. A crashed child
/// fails the attempt (<see cref="ProcessWorkerCrashedException"/>) and is replaced; a cancelled or timed-out attempt
/// kills its child by process id.
/// </remarks>
public sealed class ProcessTaskExecutor : TaskExecutor, IDisposable
{
    [ThreadStatic]
    private static Worker? t_worker;

    private readonly Channel<ReadyTask> _queue = Channel.CreateUnbounded<ReadyTask>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly Lock _gate = new();
    private readonly List<Worker> _workers = [];
    private int _loops;
    private int _idle;
    private volatile bool _stopped;

    /// <summary>An executor with these options (default: <see cref="ProcessWorkerOptions"/>'s defaults).</summary>
    public ProcessTaskExecutor(ProcessWorkerOptions? options = null) => Options = options ?? new ProcessWorkerOptions();

    /// <summary>How children are started and bounded.</summary>
    public ProcessWorkerOptions Options { get; }

    /// <inheritdoc />
    public override int QueuedCount => _queue.Reader.Count;

    /// <summary>The process ids of the children alive now (at most <see cref="ProcessWorkerOptions.MaxWorkers"/>).</summary>
    public IReadOnlyList<int> WorkerProcessIds
    {
        get
        {
            var ids = new List<int>();
            lock (_gate)
            {
                foreach (var worker in _workers)
                {
                    if (worker.Process is { HasExited: false } process)
                    {
                        ids.Add(process.ProcessId);
                    }
                }
            }

            return ids;
        }
    }

    /// <inheritdoc />
    public override void Post(ReadyTask task)
    {
        if (_stopped || !_queue.Writer.TryWrite(task))
        {
            task.Refuse();
            return;
        }

        if (Volatile.Read(ref _idle) == 0)
        {
            TryStartLoop();
        }
    }

    /// <summary>Stops taking tasks (those posted later are refused) and lets the children exit: idle ones at once, busy ones after their task.</summary>
    public void Dispose() => Stop();

    internal override void Stop()
    {
        _stopped = true;
        _queue.Writer.TryComplete();
        lock (_gate)
        {
            foreach (var worker in _workers)
            {
                if (!worker.Busy)
                {
                    worker.Process?.Close();
                }
            }
        }
    }

    /// <summary>
    /// Runs a Process task's body in the child of the worker whose thread is executing it; called from the generated
    /// body through <see cref="WorkflowRun"/>.
    /// </summary>
    internal Task<ProcessMessage> InvokeAsync(ProcessMessage request, TaskHandle handle, CancellationToken cancellationToken)
    {
        var worker = t_worker ?? throw new InvalidOperationException(
            $"Task '{handle.Name}' runs on Backend.Process but was not started by a worker of its runner's ProcessTaskExecutor.");
        return worker.Invoke(request, handle, cancellationToken);
    }

    private void TryStartLoop()
    {
        while (true)
        {
            var loops = Volatile.Read(ref _loops);
            if (loops >= Options.MaxWorkers || _stopped)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _loops, loops + 1, loops) == loops)
            {
                _ = Task.Run(RunLoopAsync);
                return;
            }
        }
    }

    private async Task RunLoopAsync()
    {
        var worker = new Worker(this);
        lock (_gate)
        {
            _workers.Add(worker);
        }

        try
        {
            while (await WaitForWorkAsync().ConfigureAwait(false))
            {
                while (_queue.Reader.TryRead(out var task))
                {
                    if (_stopped)
                    {
                        task.Refuse();
                        continue;
                    }

                    worker.Busy = true;
                    t_worker = worker;
                    try
                    {
                        task.Execute();
                    }
                    finally
                    {
                        t_worker = null;
                    }

                    if (worker.TakePending() is { } pending)
                    {
                        // The attempt's outcome went to its run; this worker only waits for its child to be free.
                        try
                        {
                            await pending.ConfigureAwait(false);
                        }
                        catch (Exception)
                        {
                            // Reported to the run by the attempt that awaited the same call.
                        }
                    }

                    worker.Busy = false;
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _workers.Remove(worker);
            }

            worker.Retire();
            Interlocked.Decrement(ref _loops);
            if (_queue.Reader.Count > 0)
            {
                // A task posted while this loop was leaving saw it idle and started none.
                TryStartLoop();
            }
        }
    }

    private async Task<bool> WaitForWorkAsync()
    {
        Interlocked.Increment(ref _idle);
        try
        {
            using var idle = new CancellationTokenSource(Options.IdleTimeout);
            return await _queue.Reader.WaitToReadAsync(idle.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            Interlocked.Decrement(ref _idle);
        }
    }

    /// <summary>One worker loop and the child process it owns (started on its first task, replaced after a crash).</summary>
    private sealed class Worker(ProcessTaskExecutor owner)
    {
        private Task? _pending;

        public ProcessWorker? Process { get; private set; }

        public bool Busy { get; set; }

        public Task? TakePending()
        {
            var pending = _pending;
            _pending = null;
            return pending;
        }

        public Task<ProcessMessage> Invoke(ProcessMessage request, TaskHandle handle, CancellationToken cancellationToken)
        {
            if (_pending is not null)
            {
                throw new InvalidOperationException($"Task '{handle.Name}' asked for a worker process that is running another task.");
            }

            var call = RunAsync(request, handle, cancellationToken);
            _pending = call;
            return call;
        }

        private async Task<ProcessMessage> RunAsync(ProcessMessage request, TaskHandle handle, CancellationToken cancellationToken)
        {
            var process = Process;
            if (process is null || process.HasExited)
            {
                process?.Dispose();
                Process = null;
                process = await ProcessWorker.StartAsync(owner.Options, cancellationToken).ConfigureAwait(false);
                Process = process;
            }

            try
            {
                var answer = await process.InvokeAsync(request, (fraction, message) => handle.ReportProgress(fraction, message), cancellationToken).ConfigureAwait(false);
                if (answer is { Kind: ProcessMessage.Error, Fatal: true })
                {
                    throw await process.CrashedAsync(request.Task, $"ran out of memory ({answer.ErrorType}: {answer.Message}) and exited").ConfigureAwait(false);
                }

                return answer;
            }
            catch
            {
                // Crashed, killed by a cancellation or a timeout, or unable to go on: the next task gets a new child.
                Process = null;
                process.Kill();
                process.Dispose();
                throw;
            }
        }

        public void Retire()
        {
            if (Process is { } process)
            {
                Process = null;
                process.Close();
                process.Dispose();
            }
        }
    }
}
