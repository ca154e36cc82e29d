using System;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

public abstract partial class WorkflowRun
{
    /// <summary>Submits a synchronous task that runs after <paramref name="dependsOn"/> (handles of this run).</summary>
    /// <returns>The new task's handle.</returns>
    public TaskHandle<T> Submit<T>(Func<TaskContext, T> body, params TaskHandle[] dependsOn) =>
        Submit(TaskOptions.Default, body, dependsOn);

    /// <summary>Submits a synchronous task with options.</summary>
    public TaskHandle<T> Submit<T>(TaskOptions options, Func<TaskContext, T> body, params TaskHandle[] dependsOn)
    {
        ArgumentNullException.ThrowIfNull(body);
        return (TaskHandle<T>)Add(options, body, Invokers<T>.Sync, returnsTask: false, dependsOn, static (run, index, name, o, backend, parent) => new TaskHandle<T>(run, index, name, o, backend, false, false, parent));
    }

    /// <summary>Submits an asynchronous task that runs after <paramref name="dependsOn"/> (handles of this run).</summary>
    public TaskHandle<T> Submit<T>(Func<TaskContext, Task<T>> body, params TaskHandle[] dependsOn) =>
        Submit(TaskOptions.Default, body, dependsOn);

    /// <summary>Submits an asynchronous task with options.</summary>
    public TaskHandle<T> Submit<T>(TaskOptions options, Func<TaskContext, Task<T>> body, params TaskHandle[] dependsOn)
    {
        ArgumentNullException.ThrowIfNull(body);
        return (TaskHandle<T>)Add(options, body, Invokers<T>.Async, returnsTask: true, dependsOn, static (run, index, name, o, backend, parent) => new TaskHandle<T>(run, index, name, o, backend, true, false, parent));
    }

    /// <summary>Submits a synchronous task without a result.</summary>
    public TaskHandle Submit(Action<TaskContext> body, params TaskHandle[] dependsOn) =>
        Submit(TaskOptions.Default, body, dependsOn);

    /// <summary>Submits a synchronous task without a result, with options.</summary>
    public TaskHandle Submit(TaskOptions options, Action<TaskContext> body, params TaskHandle[] dependsOn)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Add(options, body, VoidInvokers.Sync, returnsTask: false, dependsOn, static (run, index, name, o, backend, parent) => new TaskHandle(run, index, name, o, backend, false, false, parent));
    }

    /// <summary>Submits an asynchronous task without a result.</summary>
    public TaskHandle Submit(Func<TaskContext, Task> body, params TaskHandle[] dependsOn) =>
        Submit(TaskOptions.Default, body, dependsOn);

    /// <summary>Submits an asynchronous task without a result, with options.</summary>
    public TaskHandle Submit(TaskOptions options, Func<TaskContext, Task> body, params TaskHandle[] dependsOn)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Add(options, body, VoidInvokers.Async, returnsTask: true, dependsOn, static (run, index, name, o, backend, parent) => new TaskHandle(run, index, name, o, backend, true, false, parent));
    }

    private TaskHandle Add(
        TaskOptions options,
        Delegate body,
        Func<TaskHandle, CancellationToken, ValueTask> invoker,
        bool returnsTask,
        TaskHandle[] dependsOn,
        Func<WorkflowRun, int, string, TaskOptions, Backend, TaskHandle?, TaskHandle> create)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dependsOn);
        var backend = ResolveBackend(options.Backend, returnsTask);
        if (backend == Backend.Thread && returnsTask)
        {
            throw new ArgumentException("An asynchronous body cannot run on Backend.Thread, which runs synchronous bodies only; use Backend.Async.", nameof(options));
        }

        var parent = TaskContext.CurrentHandle;
        foreach (var dependency in dependsOn)
        {
            ArgumentNullException.ThrowIfNull(dependency, nameof(dependsOn));
            if (!ReferenceEquals(dependency.Run, this))
            {
                throw new ArgumentException($"Task '{dependency.Name}' belongs to {dependency.Run}, not to {this}; a task can depend only on tasks of its own run.", nameof(dependsOn));
            }
        }

        if (parent is not null && !options.Detached)
        {
            // A child is cancelled when its parent finishes, so a child that waits for its parent (or an ancestor)
            // could never run: that is a cycle through the task hierarchy. Walking the ancestors costs their depth.
            foreach (var dependency in dependsOn)
            {
                for (var ancestor = parent; ancestor is not null; ancestor = ancestor.Parent)
                {
                    if (ReferenceEquals(ancestor, dependency))
                    {
                        throw new WorkflowCycleException(
                            $"A task submitted from inside '{parent.Name}' in run {RunId} cannot depend on '{dependency.Name}': " +
                            $"'{dependency.Name}' cancels its unfinished children when it finishes, so the task would wait for its own cancellation. " +
                            "Submit it with TaskOptions { Detached = true }, or from outside that task.",
                            options.Name,
                            RunId);
                    }
                }
            }
        }

        // Count the task in before it exists, so the run cannot end between the check and the registration.
        while (true)
        {
            var counts = Volatile.Read(ref _counts);
            if (HasEnded || (int)counts == (int)(counts >> 32) && Volatile.Read(ref _phase) != RunNotStarted)
            {
                throw new InvalidOperationException($"{this} has ended; tasks can be submitted only while it runs (or rerun it first).");
            }

            if (Interlocked.CompareExchange(ref _counts, counts + (1L << 32), counts) == counts)
            {
                break;
            }
        }

        TaskHandle handle;
        lock (_tasksLock)
        {
            var index = _taskCount;
            handle = create(this, index, options.Name ?? $"task-{index}", options, backend, parent);
            handle.Body = invoker;
            handle.UserBody = body;
            handle.CapturedContext = ExecutionContext.Capture();
            if (System.Diagnostics.Activity.Current is { } activity)
            {
                handle.Extras.ParentActivity = activity.Context;
            }

            handle.DynamicDependencies = dependsOn.Length == 0 ? null : (TaskHandle[])dependsOn.Clone();
            AssignKey(handle, options, parent);
            handle.PendingDependencies = 1;
            if (index == _tasks.Length)
            {
                Array.Resize(ref _tasks, Math.Max(16, _tasks.Length * 2));
            }

            _tasks[index] = handle;
            _taskCount = index + 1;
        }

        if (parent is not null && !options.Detached)
        {
            parent.AddChild(handle);
        }
        else if (parent is not null)
        {
            handle.Detached = true;
        }

        foreach (var dependency in dependsOn)
        {
            Interlocked.Increment(ref handle.PendingDependencies);
            if (!dependency.TryAddDependent(handle))
            {
                // Already terminal: its outcome applies at once.
                if (dependency.State != TaskState.Completed)
                {
                    handle.HasIncompleteDependency = true;
                }

                Interlocked.Decrement(ref handle.PendingDependencies);
            }
        }

        if (TryRestoreSubmission(handle))
        {
            // Completed in an earlier process (same key in the checkpoint): restored, not run again.
        }
        else if (_cancellation.IsCancellationRequested)
        {
            TryCancelNotStarted(handle, TaskState.Pending);
        }
        else if (Interlocked.Decrement(ref handle.PendingDependencies) == 0 &&
                 Volatile.Read(ref _phase) == RunActive &&
                 Transition(handle, TaskState.Pending, TaskState.Ready))
        {
            Enqueue(handle);
        }

        return handle;
    }

    private static class Invokers<T>
    {
        public static readonly Func<TaskHandle, CancellationToken, ValueTask> Sync = static (handle, _) =>
        {
            var typed = (TaskHandle<T>)handle;
            typed.ResultValue = ((Func<TaskContext, T>)handle.UserBody!)(handle.GetContext());
            return default;
        };

        public static readonly Func<TaskHandle, CancellationToken, ValueTask> Async = static (handle, _) =>
        {
            var task = ((Func<TaskContext, Task<T>>)handle.UserBody!)(handle.GetContext());
            return Store((TaskHandle<T>)handle, task ?? throw new InvalidOperationException($"The body of task '{handle.Name}' returned a null Task."));
        };
    }

    private static class VoidInvokers
    {
        public static readonly Func<TaskHandle, CancellationToken, ValueTask> Sync = static (handle, _) =>
        {
            ((Action<TaskContext>)handle.UserBody!)(handle.GetContext());
            return default;
        };

        public static readonly Func<TaskHandle, CancellationToken, ValueTask> Async = static (handle, _) =>
            new ValueTask(((Func<TaskContext, Task>)handle.UserBody!)(handle.GetContext())
                ?? throw new InvalidOperationException($"The body of task '{handle.Name}' returned a null Task."));
    }
}

/// <summary>
/// A run of dynamic tasks only (<see cref="WorkflowRunner.CreateRun"/>). It stays open for submissions until
/// <see cref="Complete"/> is called, then ends when its tasks are terminal.
/// </summary>
public sealed class DynamicRun : WorkflowRun
{
    internal DynamicRun(string name, WorkflowRunner runner, string? runId = null)
        : base(WorkflowGraph.Empty(name), runner, open: true)
    {
        UseRunId(runId);
        Begin(CancellationToken.None);
    }

    /// <summary>No more submissions from outside its tasks: the run ends once every task is terminal.</summary>
    public void Complete() => ReleaseHold();

    /// <summary>Completes the run and waits for it to end.</summary>
    public Task CompleteAsync()
    {
        Complete();
        return Completion;
    }

    /// <inheritdoc />
    protected override ValueTask ExecuteAsync(int index, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("A dynamic run has no graph tasks.");

    /// <inheritdoc />
    protected override bool ObservesCancellation(int index) => false;
}
