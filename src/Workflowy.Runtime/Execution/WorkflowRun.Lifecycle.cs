using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

// The task lifecycle: one transition path to each terminal state (Finish), used by every way a task ends: its body
// or its timeout, a cancel before it started, a dependency that did not complete, a restore from a checkpoint. Then
// readying dependents (Propagate), counting terminal tasks, and the end of the run.
public abstract partial class WorkflowRun
{
    /// <summary>How a task reached its end; decides which steps of <see cref="Finish"/> apply.</summary>
    private enum EndCause : byte
    {
        /// <summary>An attempt ended (body, timeout, cancel while running or waiting to retry): the attempt's claim decided it, the task may hold an in-flight count, and a failure follows the error policy.</summary>
        Attempt,

        /// <summary>It never started (cancelled, or a dependency did not complete): a compare-and-swap from its state decides it.</summary>
        NotStarted,

        /// <summary>The whole run was cancelled before the task started: as <see cref="NotStarted"/>, but its dependents are not readied (they are cancelled too).</summary>
        RunCancelled,

        /// <summary>Completed in an earlier process: restored from a checkpoint, not counted as a completion in the metrics.</summary>
        Restored,

        /// <summary>Ended by its admission without running (Admission/: a cache hit, a reused or refused call): as <see cref="NotStarted"/>, but a failure follows the error policy.</summary>
        Admission,
    }

    /// <summary>
    /// The one way a task becomes terminal: set its state and exception, raise the change, complete its awaiters, count
    /// it, apply the error policy, ready its dependents, cancel its children, let the observers (checkpoint, completion
    /// feed) see it, count it terminal, give back its in-flight count. Returns a readied dependent to run inline; null
    /// also when the task was no longer in <paramref name="from"/> (someone else ended it).
    /// </summary>
    private TaskHandle? Finish(TaskHandle handle, TaskState from, TaskState to, Exception? exception, EndCause cause) =>
        TryFinish(handle, from, to, exception, cause, out var next) ? next : null;

    private bool TryFinish(TaskHandle handle, TaskState from, TaskState to, Exception? exception, EndCause cause, out TaskHandle? next)
    {
        next = null;
        if (cause == EndCause.Attempt)
        {
            // The attempt's claim decided the outcome: no one else moves the task now. The exception is set first, so
            // that whoever sees the state sees it.
            handle.SetException(exception);
            handle.SetState(to);
        }
        else
        {
            if (!handle.TryTransition(from, to))
            {
                return false;
            }

            handle.SetException(exception);
        }

        Changed(handle, from, to);
        handle.SignalCompletion();
        if (cause != EndCause.Restored)
        {
            RunTelemetry.CountEnd(handle, to);
        }

        if (to == TaskState.Failed && cause is EndCause.Attempt or EndCause.Admission)
        {
            OnTaskFailed(handle, exception!);
        }

        if (cause == EndCause.RunCancelled)
        {
            handle.SealDependents();
        }
        else
        {
            next = Propagate(handle, to);
        }

        handle.CancelChildren();
        OnTerminal(handle);
        handle.ReleaseAfterEnd(to);
        if (handle.TakeFlight())
        {
            Leave();
        }

        return true;
    }

    /// <summary>Cancels a task that has not started; false if it was no longer in <paramref name="from"/>.</summary>
    internal bool TryCancelNotStarted(TaskHandle handle, TaskState from)
    {
        if (from is not (TaskState.Pending or TaskState.Ready))
        {
            return false;
        }

        if (!TryFinish(handle, from, TaskState.Cancelled, new TaskCancelledException(handle.Name, RunId), EndCause.NotStarted, out var next))
        {
            return false;
        }

        if (next is not null)
        {
            Enqueue(next);
        }

        return true;
    }

    /// <summary>Ends a submitted task as completed from a checkpoint (its result restored), readying its dependents.</summary>
    private bool FinishRestored(TaskHandle handle, int attempts)
    {
        handle.SetAttempts(attempts);
        if (!TryFinish(handle, TaskState.Pending, TaskState.Completed, null, EndCause.Restored, out var next))
        {
            return false;
        }

        if (next is not null)
        {
            Enqueue(next);
        }

        return true;
    }

    private void CancelNotStarted()
    {
        HandleList tasks;
        int count;
        lock (_tasksLock)
        {
            tasks = _tasks;
            count = _taskCount;
        }

        for (var i = 0; i < count; i++)
        {
            var handle = tasks[i];
            while (true)
            {
                var state = handle.State;
                if (state is not (TaskState.Pending or TaskState.Ready))
                {
                    break;
                }

                if (_aborting)
                {
                    // After a failure, tasks that never started stay Pending (queued ones are un-queued).
                    Transition(handle, TaskState.Ready, TaskState.Pending);
                    break;
                }

                if (TryFinish(handle, state, TaskState.Cancelled, new TaskCancelledException(handle.Name, RunId), EndCause.RunCancelled, out _))
                {
                    break;
                }
            }
        }
    }

    private TaskHandle? ResolveDependencyFailure(TaskHandle handle)
    {
        var failed = new List<string>();
        for (var k = 0; k < handle.DependencyCount; k++)
        {
            var dependency = handle.GetDependency(k);
            if (dependency.State != TaskState.Completed)
            {
                failed.Add(dependency.Name);
            }
        }

        var skip = handle.Options.OnDependencyFailure == DependencyFailure.Skip;
        var exception = new DependencyFailedException(handle.Name, RunId, failed, skipped: skip);
        if (Runner.ErrorPolicy == ErrorPolicy.Log)
        {
            Logging.Safely(Runner.Logger, static (logger, s) => Log.DependencyFailed(logger, s.Name, s.RunId, s.Outcome, s.Dependencies), (handle.Name, RunId, Outcome: skip ? "was skipped" : "failed without running", Dependencies: string.Join("', '", failed)));
        }

        return Finish(handle, TaskState.Ready, skip ? TaskState.Skipped : TaskState.Failed, exception, EndCause.NotStarted);
    }

    /// <summary>
    /// How many of the task's dependencies have not completed; with <paramref name="relink"/>, the task is registered
    /// again as a dependent of each of them that is a submitted task (a rerun: graph edges are in the graph).
    /// </summary>
    private int CountIncompleteDependencies(TaskHandle handle, bool relink)
    {
        var pending = 0;
        for (var k = 0; k < handle.DependencyCount; k++)
        {
            var dependency = handle.GetDependency(k);
            if (dependency.State != TaskState.Completed)
            {
                pending++;
                if (relink && !handle.IsGraphTask)
                {
                    dependency.TryAddDependent(handle);
                }
            }
        }

        return pending;
    }

    /// <summary>Decrements the dependents' counters; queues every readied dependent but the first, which it returns.</summary>
    private TaskHandle? Propagate(TaskHandle handle, TaskState state)
    {
        TaskHandle? inline = null;
        var completed = state == TaskState.Completed;
        foreach (var index in handle.GraphDependents)
        {
            Ready(_tasks[index], completed, ref inline);
        }

        switch (handle.SealDependents())
        {
            case TaskHandle single:
                Ready(single, completed, ref inline);
                break;
            case TaskHandle?[] dynamicDependents:
                foreach (var dependent in dynamicDependents)
                {
                    if (dependent is null)
                    {
                        break;
                    }

                    Ready(dependent, completed, ref inline);
                }

                break;
        }

        return inline;
    }

    private void Ready(TaskHandle dependent, bool dependencyCompleted, ref TaskHandle? inline)
    {
        if (!dependencyCompleted)
        {
            dependent.HasIncompleteDependency = true;
        }

        if (!dependent.ReleasePending() || _aborting)
        {
            return;
        }

        if (!Transition(dependent, TaskState.Pending, TaskState.Ready))
        {
            return;
        }

        if (inline is null && !dependent.IsGated)
        {
            inline = dependent;
        }
        else
        {
            Enqueue(dependent);
        }
    }

    private void NotStartedOnAbort(TaskHandle handle)
    {
        if (handle.State == TaskState.Retrying)
        {
            // It started before the failure: it ends cancelled rather than never started.
            _ = Finish(handle, TaskState.Retrying, TaskState.Cancelled, new TaskCancelledException(handle.Name, RunId, handle.Exception), EndCause.Attempt);
        }
        else if (Transition(handle, TaskState.Ready, TaskState.Pending))
        {
            // Tasks that never started stay Pending.
        }
    }

    private void OnTaskFailed(TaskHandle handle, Exception exception)
    {
        if (RaisesFailures && !handle.Options.FailureGoesToParent)
        {
            Abort(exception);
        }
        else if (Runner.ErrorPolicy == ErrorPolicy.Log)
        {
            Logging.Safely(Runner.Logger, static (logger, s) => Log.TaskFailed(logger, s.Name, s.RunId, s.Attempts, s.Exception), (handle.Name, RunId, handle.Attempts, Exception: exception));
        }
    }

    /// <summary>The observers of a terminal task: the checkpoint and the completion feed; then it is counted.</summary>
    private void OnTerminal(TaskHandle handle)
    {
        if (handle.IsGated)
        {
            OnGatedTerminal(handle);
        }

        _checkpointer?.Add(handle);
        if (_feed is { HasObservers: true } feed)
        {
            // Published before it is counted, so that no publication comes after the run's end.
            feed.Publish(handle);
        }

        CountTerminal(handle);
    }

    /// <summary>Counts a terminal task (or the released hold of a dynamic run); the last one ends the run.</summary>
    private void CountTerminal(TaskHandle? handle = null)
    {
        var counts = Interlocked.Increment(ref _counts);
        if (handle is not null)
        {
            // The order in which tasks became terminal, for WhenEach's replay: the terminal count is that order.
            handle.Sequence = _sequenceBase + (int)counts;
        }

        if ((int)counts == (int)(counts >> 32))
        {
            EndRun();
        }
    }

    private bool Transition(TaskHandle handle, TaskState from, TaskState to)
    {
        if (!handle.TryTransition(from, to))
        {
            return false;
        }

        Changed(handle, from, to);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Changed(TaskHandle handle, TaskState from, TaskState to)
    {
        if (TaskStateChanged is not null || Runner.TaskStateChangedHandler is not null)
        {
            RaiseChanged(handle, from, to);
        }
    }

    private void RaiseChanged(TaskHandle handle, TaskState from, TaskState to)
    {
        var args = new TaskStateChangedEventArgs(handle, from, to);
        RaiseSafely(TaskStateChanged, args, nameof(TaskStateChanged));
        RaiseSafely(Runner.TaskStateChangedHandler, args, nameof(WorkflowRunner.TaskStateChanged));
    }

    internal void OnProgress(TaskHandle handle, double fraction, string? message)
    {
        var handler = ProgressChanged;
        var runnerHandler = Runner.ProgressChangedHandler;
        if (handler is null && runnerHandler is null)
        {
            return;
        }

        var args = new TaskProgressEventArgs(handle, fraction, message);
        RaiseSafely(handler, args, nameof(ProgressChanged));
        RaiseSafely(runnerHandler, args, nameof(WorkflowRunner.ProgressChanged));
    }

    private void RaiseSafely<TArgs>(EventHandler<TArgs>? handler, TArgs args, string name) =>
        Logging.RaiseSafely(handler, this, args, Runner.Logger, name, RunId);

    private void EndRun()
    {
        if (Interlocked.Exchange(ref _phase, RunEnded) == RunEnded)
        {
            return;
        }

        _callerRegistration.Dispose();
        ReleaseAdmissions();
        HandleList tasks;
        int count;
        lock (_tasksLock)
        {
            tasks = _tasks;
            count = _taskCount;
        }

        var counts = Volatile.Read(ref _counts);
        if ((int)counts != (int)(counts >> 32))
        {
            // Tasks that will never run: their awaiters learn it now. (When every task is terminal, Finish signalled
            // each one already, and an awaiter made later completes itself: no pass over the handles.)
            for (var i = 0; i < count; i++)
            {
                tasks[i].SignalCompletion();
            }
        }

        _feed?.Complete();
        if (_gauged)
        {
            ActiveRuns.TryRemove(this, out _);
        }

        RunTelemetry.EndRun(Interlocked.Exchange(ref _activity, null), Failure, _cancellation.IsCancellationRequested);
        Runner.OnRunEnded(this);
        Parent?.RemoveChild(this);
        if (_checkpointer is { } checkpointer)
        {
            // The run ends once its last checkpoint is stored, so a process that resumes it sees every completion.
            OnPersistentRunEnding(tasks, count);
            _ = CompleteAfterCheckpointAsync(checkpointer, tasks, count);
            return;
        }

        CompleteRun(tasks, count);
    }

    private async Task CompleteAfterCheckpointAsync(Checkpointer checkpointer, HandleList tasks, int count)
    {
        try
        {
            await checkpointer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // The checkpointer reports store failures itself; whatever else escapes it must not keep the run from ending.
            Logging.Safely(Runner.Logger, static (logger, s) => Log.StoreFailed(logger, s.RunId, s.Exception), (RunId, Exception: ex));
        }
        finally
        {
            CompleteRun(tasks, count);
        }
    }

    private void CompleteRun(HandleList tasks, int count)
    {
        var completion = Volatile.Read(ref _completion);
        var failure = Failure;
        if (failure is not null)
        {
            completion.TrySetException(failure);
        }
        else if (_callerToken.IsCancellationRequested && AnyCancelled(tasks, count))
        {
            completion.TrySetCanceled(_callerToken);
        }
        else if (_cancellation.IsCancellationRequested && AnyCancelled(tasks, count))
        {
            completion.TrySetCanceled(_cancellation.Token);
        }
        else
        {
            completion.TrySetResult();
        }
    }

    private static bool AnyCancelled(HandleList tasks, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (tasks[i].State == TaskState.Cancelled)
            {
                return true;
            }
        }

        return false;
    }
}
