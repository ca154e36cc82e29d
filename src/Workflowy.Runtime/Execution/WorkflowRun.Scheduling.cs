using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Workflowy;

// Scheduling: starting a run, handing ready tasks to the runner's executors, and the step a worker takes for each
// ready task. The run keeps an in-flight count so that an aborted run ends only when no thread is between reading a
// task and deciding its fate.
public abstract partial class WorkflowRun
{
    private void Start(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _phase, RunActive, RunNotStarted) != RunNotStarted)
        {
            throw new InvalidOperationException($"{this} has already started.");
        }

        _activity = RunTelemetry.StartRun(this);
        if (WorkflowyDiagnostics.QueueDepth.Enabled)
        {
            _gauged = true;
            ActiveRuns.TryAdd(this, 0);
        }

        if (!_open || _context is null)
        {
            // A run of dynamic tasks keeps the context it was created in (see CaptureContext).
            _context = ExecutionContext.Capture();
        }

        if (cancellationToken.CanBeCanceled)
        {
            _callerToken = cancellationToken;
            _callerRegistration = cancellationToken.UnsafeRegister(static state => ((WorkflowRun)state!).Cancel(), this);
        }

        if (_cancellation.IsCancellationRequested)
        {
            // Cancelled before it started: its tasks never run.
            CancelNotStarted();
        }

        var counts = Volatile.Read(ref _counts);
        if ((int)counts == (int)(counts >> 32))
        {
            EndRun();
            return;
        }

        foreach (var index in Graph.TopologicalOrder)
        {
            var handle = _tasks[index];
            if (handle.PendingDependencies == 0 && ReadyAtStart(handle))
            {
                Enqueue(handle);
            }
        }

        lock (_tasksLock)
        {
            for (var i = _staticCount; i < _taskCount; i++)
            {
                var handle = _tasks[i];
                if (handle.State == TaskState.Pending && handle.PendingDependencies == 0 && ReadyAtStart(handle))
                {
                    Enqueue(handle);
                }
            }
        }
    }

    /// <summary>
    /// Readies a task found without pending dependencies while the run starts. The tasks queued first are already
    /// running, so a dependency may have failed meanwhile and ended the run (under <see cref="ErrorPolicy.Raise"/>),
    /// leaving this task's count at zero but the task not started: it stays <see cref="TaskState.Pending"/> then, as
    /// every task that never started does (it was left <see cref="TaskState.Ready"/> after the run's end, with a worker
    /// yet to find it). A dependency's count reaching zero after the failure is seen with the abort flag set.
    /// </summary>
    private bool ReadyAtStart(TaskHandle handle)
    {
        if (!Transition(handle, TaskState.Pending, TaskState.Ready))
        {
            return false;
        }

        if (_aborting)
        {
            Transition(handle, TaskState.Ready, TaskState.Pending);
            return false;
        }

        return true;
    }

    /// <summary>Hands a ready task to the executor of its backend.</summary>
    private void Enqueue(TaskHandle handle)
    {
        TaskHandle? next = handle;
        while (next is not null)
        {
            if (next.IsGated && HoldForAdmission(next))
            {
                // Admission (Admission/WorkflowRun.Admission.cs) took it: it waits for its key, or ended without running.
                return;
            }

            if (WorkflowyDiagnostics.QueueWait.Enabled)
            {
                next.Extras.ReadyTimestamp = Stopwatch.GetTimestamp();
            }

            try
            {
                Runner.ExecutorOf(next.Backend).Post(new ReadyTask(next));
                return;
            }
            catch (Exception ex)
            {
                // An executor given in WorkflowRunner.Executors is the user's: one that throws from Post (which it must
                // not) fails the task it was given, and the run goes on by its policy. A dependent that readies is
                // posted in turn (a loop, not a recursion).
                next = FailUnposted(next, ex);
            }
        }
    }

    /// <summary>A task its executor would not take (Post threw) fails; returns a dependent it readied.</summary>
    private TaskHandle? FailUnposted(TaskHandle handle, Exception error)
    {
        var failure = new WorkflowException(
            $"Task '{handle.Name}' in run {RunId} could not be given to the executor of backend {RunTelemetry.BackendName(handle.Backend)}: its Post threw {error.GetType().Name}: {RunTelemetry.SafeMessage(error)}",
            error)
        {
            TaskName = handle.Name,
            RunId = RunId,
        };
        var state = handle.State;
        if (state == TaskState.Retrying)
        {
            handle.EndAttempt();
            return Finish(handle, TaskState.Retrying, TaskState.Failed, failure, EndCause.Attempt);
        }

        if (state is not (TaskState.Pending or TaskState.Ready) || !TryFinish(handle, state, TaskState.Failed, failure, EndCause.NotStarted, out var next))
        {
            return null;
        }

        OnTaskFailed(handle, failure);
        return next;
    }

    /// <summary>
    /// Runs a ready task on an executor's thread (which holds an in-flight count of this run), then the dependents it
    /// readies inline, in the run's execution context. Returns true if the thread must retire (it ran a body that was
    /// abandoned by its timeout, and a replacement took its place).
    /// </summary>
    internal bool RunBurst(TaskHandle handle, TaskExecutor executor)
    {
        EnterContext();
        TaskHandle? next = handle;
        while (next is not null)
        {
            next = Step(next, executor, out var retire);
            if (retire)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Runs a task on the serial thread; returns true when the attempt went asynchronous (the thread waits for it).</summary>
    internal bool RunOnSerial(TaskHandle handle, SerialExecutor executor)
    {
        if (handle.ExtrasOrNull is { } extras)
        {
            extras.SerialPending = false;
        }

        Enter();
        try
        {
            EnterContext();
            var next = Step(handle, executor, out _);
            if (next is not null)
            {
                Enqueue(next);
            }
        }
        finally
        {
            Leave();
        }

        return handle.ExtrasOrNull?.SerialPending ?? false;
    }

    /// <summary>A step of a ready task on a thread of an executor outside the runtime (<see cref="ReadyTask.Execute"/>).</summary>
    internal void ExecuteReady(TaskHandle handle)
    {
        var saved = ExecutionContext.Capture();
        Enter();
        try
        {
            EnterContext();
            var next = Step(handle, Runner.ExecutorOf(handle.Backend), out _);
            if (next is not null)
            {
                Enqueue(next);
            }
        }
        finally
        {
            Leave();
            FlightHold.RestoreContext(saved);
        }
    }

    /// <summary>An executor gave a task back without running it: it ends cancelled.</summary>
    internal void Refuse(TaskHandle handle)
    {
        var state = handle.State;
        if (state == TaskState.Retrying)
        {
            var next = Finish(handle, TaskState.Retrying, TaskState.Cancelled, new TaskCancelledException(handle.Name, RunId, handle.Exception), EndCause.Attempt);
            if (next is not null)
            {
                Enqueue(next);
            }

            return;
        }

        TryCancelNotStarted(handle, state);
    }

    /// <summary>Puts the calling thread in the execution context the run's bodies run in.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EnterContext()
    {
        var context = _context;
        if (context is not null && !ReferenceEquals(ExecutionContext.Capture(), context))
        {
            ExecutionContext.Restore(context);
        }
    }

    /// <summary>
    /// One scheduling step for a dequeued task: resolve a failed dependency, start an attempt, hand the task to the
    /// executor of its backend if this is not it, or drop a task that was cancelled while queued. Returns a dependent
    /// readied by the step, to run next on this thread.
    /// </summary>
    private TaskHandle? Step(TaskHandle handle, TaskExecutor executor, out bool retire)
    {
        retire = false;

        // The caller (a worker, the serial thread) holds an in-flight count while it steps. An attempt that goes
        // asynchronous or waits to retry takes a count of its own, given back when the task is terminal.
        if (_aborting)
        {
            NotStartedOnAbort(handle);
            return null;
        }

        var state = handle.State;
        if (state == TaskState.Ready && _cancellation.IsCancellationRequested)
        {
            TryCancelNotStarted(handle, TaskState.Ready);
            return null;
        }

        if (state == TaskState.Ready && handle.HasIncompleteDependency && handle.Options.OnDependencyFailure != DependencyFailure.RunAnyway)
        {
            return ResolveDependencyFailure(handle);
        }

        if (state is not (TaskState.Ready or TaskState.Retrying))
        {
            // Cancelled while queued.
            return null;
        }

        var target = Runner.ExecutorOf(handle.Backend);
        if (!ReferenceEquals(target, executor))
        {
            // Readied inline on another executor's thread: it runs on its own.
            Enqueue(handle);
            return null;
        }

        if (_cancellation.IsCancellationRequested || handle.CancelRequested)
        {
            if (!handle.TryTransition(state, TaskState.Running))
            {
                return null;
            }

            ReleaseRetryFlight(handle, state);
            Changed(handle, state, TaskState.Running);
            return Finish(handle, TaskState.Running, TaskState.Cancelled, new TaskCancelledException(handle.Name, RunId), EndCause.Attempt);
        }

        // The transition is announced by RunAttempt once the attempt's timeout is armed.
        var attempt = handle.TryStartAttempt(state);
        if (attempt == 0)
        {
            return null;
        }

        ReleaseRetryFlight(handle, state);
        return RunAttempt(handle, state, attempt, executor, out retire);
    }

    /// <summary>Gives the task an in-flight count of its own, unless it holds one already (an attempt that outlives the step).</summary>
    private void HoldFlight(TaskHandle handle)
    {
        if (!handle.MarkHoldsFlight())
        {
            Enter();
        }
    }

    /// <summary>A task leaving its retry wait gives back the count it held across it: this thread's count covers it now.</summary>
    private void ReleaseRetryFlight(TaskHandle handle, TaskState from)
    {
        if (from == TaskState.Retrying && handle.TakeFlight())
        {
            Leave();
        }
    }

    internal void Enter() => Interlocked.Increment(ref _inFlight);

    internal void Leave()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _aborting)
        {
            EndRun();
        }
    }

    /// <summary>An executor's loop failed outside any task (a broken engine): the run ends with the exception.</summary>
    internal void AbortOnEngineFailure(Exception exception) => Abort(exception);

    private void Abort(Exception failure)
    {
        if (Interlocked.CompareExchange(ref _failure, failure, null) is not null)
        {
            return;
        }

        _aborting = true;
        Interlocked.MemoryBarrier();
        Cancel(); // never throws: callbacks on the tokens are contained
        if (Volatile.Read(ref _inFlight) == 0)
        {
            EndRun();
        }
    }

    /// <summary>Runs that have started and not ended, for the ready-queue gauge.</summary>
    internal static readonly System.Collections.Concurrent.ConcurrentDictionary<WorkflowRun, byte> ActiveRuns = new(ReferenceEqualityComparer.Instance);
}
