using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

// Awaiting a handle: its completion source (made on first await), the check that a body is not waiting for a task
// that cannot end before it, and completing the awaiters when the task ends or its run ends without it.
public partial class TaskHandle
{
    /// <summary>
    /// A task that ends when this task is terminal: completes, or faults with its exception. Asked for from inside the
    /// body of a task that this one waits for (itself, or a task it depends on, directly or through others), it is
    /// faulted at once with a <see cref="WorkflowCycleException"/>: that wait could never end.
    /// </summary>
    public Task AsTask() => WaitCycle() is { } cycle ? Task.FromException(cycle) : GetCompletionTask();

    /// <summary>
    /// Awaits the task: returns when it completed, throws its exception otherwise (a <see cref="WorkflowCycleException"/>
    /// when awaited from the body of a task this one waits for, see <see cref="AsTask"/>).
    /// </summary>
    public TaskAwaiter GetAwaiter() => AsTask().GetAwaiter();

    /// <summary>
    /// The error for a wait on this task from the task body running here, when this task cannot end before that body
    /// does: it is that task, or depends on it (directly or through other tasks). Null when the wait can end. Only the
    /// awaiting path pays: a terminal handle answers at once, and the walk follows dependencies that are not terminal.
    /// </summary>
    private protected WorkflowCycleException? WaitCycle()
    {
        if (IsTerminal)
        {
            return null;
        }

        var waiter = TaskContext.CurrentHandle;
        if (waiter is null || !ReferenceEquals(waiter.Run, Run) || waiter.IsTerminal || !WaitsFor(waiter))
        {
            return null;
        }

        var message = ReferenceEquals(waiter, this)
            ? $"Task '{Name}' in run {Run.RunId} waits for its own handle: the wait would never end, since the task ends only when its body does."
            : $"Task '{waiter.Name}' in run {Run.RunId} waits for task '{Name}', which depends on it (directly or through other tasks) and so cannot end before it does: the wait would never end. " +
              "A body receives its dependencies' results; to wait for work it starts, submit that work as a task without a dependency on this one.";
        return new WorkflowCycleException(message, waiter.Name, Run.RunId);
    }

    /// <summary>Whether this task is <paramref name="task"/> or depends on it through tasks that are not terminal.</summary>
    private bool WaitsFor(TaskHandle task)
    {
        if (ReferenceEquals(task, this))
        {
            return true;
        }

        // A submitted task depends only on tasks that existed before it (lower indices), so nothing below the waiter's
        // index can lead to it when the waiter is a submitted task. Graph tasks are few.
        var floor = task.IsGraphTask ? 0 : task.Index;
        var pending = new Stack<TaskHandle>();
        var seen = new HashSet<TaskHandle>(ReferenceEqualityComparer.Instance);
        pending.Push(this);
        while (pending.TryPop(out var current))
        {
            for (var k = 0; k < current.DependencyCount; k++)
            {
                var dependency = current.GetDependency(k);
                if (ReferenceEquals(dependency, task))
                {
                    return true;
                }

                if (dependency.Index >= floor && !dependency.IsTerminal && seen.Add(dependency))
                {
                    pending.Push(dependency);
                }
            }
        }

        return false;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {State}";

    private protected virtual Task GetCompletionTask() => EnsureCompletionSource<bool>().Task;

    private protected TaskCompletionSource<TResult> EnsureCompletionSource<TResult>()
    {
        var extras = Extras;
        var existing = Volatile.Read(ref extras.CompletionSource);
        if (existing is null)
        {
            var created = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            existing = Interlocked.CompareExchange(ref extras.CompletionSource, created, null) ?? created;
            if (ReferenceEquals(existing, created))
            {
                // The source it made, not the one the handle holds now: a task that just ended may have let go of
                // these extras (ReleaseAfterEnd), and its state, read after the exchange, says what to complete it with.
                SignalCompletion(created);
            }
        }

        return (TaskCompletionSource<TResult>)existing;
    }

    private protected void ThrowIfNotCompleted()
    {
        var state = State;
        if (state == TaskState.Completed)
        {
            return;
        }

        if (Exception is { } ex)
        {
            ExceptionDispatchInfo.Capture(ex).Throw();
        }

        throw new InvalidOperationException($"Task '{Name}' in run {Run.RunId} has no result: it is {state}. Await the handle to wait for it.");
    }

    /// <summary>Completes any awaiter once the task is terminal or its run has ended without it.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    internal void SignalCompletion()
    {
        if (ExtrasOrNull is { } extras && Volatile.Read(ref extras.CompletionSource) is { } source)
        {
            SignalCompletion(source);
        }
    }

    private void SignalCompletion(object? source)
    {
        if (source is null)
        {
            return;
        }

        var state = State;
        if (IsTerminalState(state))
        {
            CompleteSource(source, state);
        }
        else if (Run.HasEnded)
        {
            FailSource(source, new TaskNotStartedException(Name, Run.RunId, Run.Failure));
        }
    }

    private protected virtual void CompleteSource(object source, TaskState state)
    {
        var tcs = (TaskCompletionSource<bool>)source;
        if (state == TaskState.Completed)
        {
            tcs.TrySetResult(true);
        }
        else
        {
            FailSource(source, Exception);
        }
    }

    private protected virtual void FailSource(object source, Exception? exception) =>
        SetFailure((TaskCompletionSource<bool>)source, exception);

    private protected void SetFailure<TResult>(TaskCompletionSource<TResult> tcs, Exception? exception) =>
        tcs.TrySetException(exception ?? new WorkflowException($"Task '{Name}' in run {Run.RunId} ended {State}.") { TaskName = Name, RunId = Run.RunId });
}
