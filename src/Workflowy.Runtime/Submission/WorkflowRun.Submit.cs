using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

public abstract partial class WorkflowRun
{
    /// <summary>Submits a synchronous task that runs after <paramref name="dependsOn"/> (handles of this run).</summary>
    /// <returns>The new task's handle.</returns>
    public TaskHandle<T> Submit<T>(Func<TaskContext, T> body, params ReadOnlySpan<TaskHandle> dependsOn) =>
        Submit(TaskOptions.Default, body, dependsOn);

    /// <summary>Submits a synchronous task with options.</summary>
    public TaskHandle<T> Submit<T>(TaskOptions options, Func<TaskContext, T> body, params ReadOnlySpan<TaskHandle> dependsOn)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Add(new SubmittedTask<T>(this, BackendFor(options, returnsTask: false), false, body, dependsOn), options, dependsOn);
    }

    /// <summary>Submits an asynchronous task that runs after <paramref name="dependsOn"/> (handles of this run).</summary>
    public TaskHandle<T> Submit<T>(Func<TaskContext, Task<T>> body, params ReadOnlySpan<TaskHandle> dependsOn) =>
        Submit(TaskOptions.Default, body, dependsOn);

    /// <summary>Submits an asynchronous task with options.</summary>
    public TaskHandle<T> Submit<T>(TaskOptions options, Func<TaskContext, Task<T>> body, params ReadOnlySpan<TaskHandle> dependsOn)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Add(new SubmittedTask<T>(this, BackendFor(options, returnsTask: true), true, body, dependsOn), options, dependsOn);
    }

    /// <summary>Submits a synchronous task without a result.</summary>
    public TaskHandle Submit(Action<TaskContext> body, params ReadOnlySpan<TaskHandle> dependsOn) =>
        Submit(TaskOptions.Default, body, dependsOn);

    /// <summary>Submits a synchronous task without a result, with options.</summary>
    public TaskHandle Submit(TaskOptions options, Action<TaskContext> body, params ReadOnlySpan<TaskHandle> dependsOn)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Add(new SubmittedTask(this, BackendFor(options, returnsTask: false), false, body, dependsOn), options, dependsOn);
    }

    /// <summary>Submits an asynchronous task without a result.</summary>
    public TaskHandle Submit(Func<TaskContext, Task> body, params ReadOnlySpan<TaskHandle> dependsOn) =>
        Submit(TaskOptions.Default, body, dependsOn);

    /// <summary>Submits an asynchronous task without a result, with options.</summary>
    public TaskHandle Submit(TaskOptions options, Func<TaskContext, Task> body, params ReadOnlySpan<TaskHandle> dependsOn)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Add(new SubmittedTask(this, BackendFor(options, returnsTask: true), true, body, dependsOn), options, dependsOn);
    }

    /// <summary>
    /// Submits a synchronous task whose body needs no <see cref="TaskContext"/> (read <see cref="TaskContext.Current"/>
    /// if it needs one after all). With <c>static</c> lambdas, a submission allocates only the task's handle.
    /// </summary>
    public TaskHandle<T> Submit<T>(Func<T> body, params ReadOnlySpan<TaskHandle> dependsOn) =>
        Submit(TaskOptions.Default, body, dependsOn);

    /// <summary>Submits a synchronous task whose body needs no context, with options.</summary>
    public TaskHandle<T> Submit<T>(TaskOptions options, Func<T> body, params ReadOnlySpan<TaskHandle> dependsOn)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Add(new SubmittedTask<T>(this, BackendFor(options, returnsTask: false), false, body, dependsOn), options, dependsOn);
    }

    /// <summary>Submits an asynchronous task whose body needs no context.</summary>
    public TaskHandle<T> Submit<T>(Func<Task<T>> body, params ReadOnlySpan<TaskHandle> dependsOn) =>
        Submit(TaskOptions.Default, body, dependsOn);

    /// <summary>Submits an asynchronous task whose body needs no context, with options.</summary>
    public TaskHandle<T> Submit<T>(TaskOptions options, Func<Task<T>> body, params ReadOnlySpan<TaskHandle> dependsOn)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Add(new SubmittedTask<T>(this, BackendFor(options, returnsTask: true), true, body, dependsOn), options, dependsOn);
    }

    /// <summary>Submits a synchronous task without a result whose body needs no context.</summary>
    public TaskHandle Submit(Action body, params ReadOnlySpan<TaskHandle> dependsOn) =>
        Submit(TaskOptions.Default, body, dependsOn);

    /// <summary>Submits a synchronous task without a result whose body needs no context, with options.</summary>
    public TaskHandle Submit(TaskOptions options, Action body, params ReadOnlySpan<TaskHandle> dependsOn)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Add(new SubmittedTask(this, BackendFor(options, returnsTask: false), false, body, dependsOn), options, dependsOn);
    }

    /// <summary>Submits an asynchronous task without a result whose body needs no context.</summary>
    public TaskHandle Submit(Func<Task> body, params ReadOnlySpan<TaskHandle> dependsOn) =>
        Submit(TaskOptions.Default, body, dependsOn);

    /// <summary>Submits an asynchronous task without a result whose body needs no context, with options.</summary>
    public TaskHandle Submit(TaskOptions options, Func<Task> body, params ReadOnlySpan<TaskHandle> dependsOn)
    {
        ArgumentNullException.ThrowIfNull(body);
        return Add(new SubmittedTask(this, BackendFor(options, returnsTask: true), true, body, dependsOn), options, dependsOn);
    }

    /// <summary>
    /// Submits a task that runs after <paramref name="dependency"/> and receives its result: the typed way to chain
    /// (<c>run.Submit(parsed, static p =&gt; p.Total)</c>). The body gets <c>default</c> if the dependency did not complete
    /// and the task's policy is <see cref="DependencyFailure.RunAnyway"/>.
    /// </summary>
    public TaskHandle<T> Submit<T1, T>(TaskHandle<T1> dependency, Func<T1, T> body) =>
        Submit(TaskOptions.Default, dependency, body);

    /// <summary>Submits a task that receives its dependency's result, with options.</summary>
    public TaskHandle<T> Submit<T1, T>(TaskOptions options, TaskHandle<T1> dependency, Func<T1, T> body)
    {
        ArgumentNullException.ThrowIfNull(dependency);
        ArgumentNullException.ThrowIfNull(body);
        TaskHandle first = dependency;
        return Add(new SubmittedTask<T1, T>(this, BackendFor(options, returnsTask: false), false, body, dependency), options, new ReadOnlySpan<TaskHandle>(in first));
    }

    /// <summary>Submits an asynchronous task that receives its dependency's result.</summary>
    public TaskHandle<T> Submit<T1, T>(TaskHandle<T1> dependency, Func<T1, Task<T>> body) =>
        Submit(TaskOptions.Default, dependency, body);

    /// <summary>Submits an asynchronous task that receives its dependency's result, with options.</summary>
    public TaskHandle<T> Submit<T1, T>(TaskOptions options, TaskHandle<T1> dependency, Func<T1, Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(dependency);
        ArgumentNullException.ThrowIfNull(body);
        TaskHandle first = dependency;
        return Add(new SubmittedTask<T1, T>(this, BackendFor(options, returnsTask: true), true, body, dependency), options, new ReadOnlySpan<TaskHandle>(in first));
    }

    /// <summary>Submits a task that runs after two dependencies and receives their results.</summary>
    public TaskHandle<T> Submit<T1, T2, T>(TaskHandle<T1> first, TaskHandle<T2> second, Func<T1, T2, T> body) =>
        Submit(TaskOptions.Default, first, second, body);

    /// <summary>Submits a task that receives the results of two dependencies, with options.</summary>
    public TaskHandle<T> Submit<T1, T2, T>(TaskOptions options, TaskHandle<T1> first, TaskHandle<T2> second, Func<T1, T2, T> body)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(body);
        return Add(new SubmittedTask<T1, T2, T>(this, BackendFor(options, returnsTask: false), false, body, first, second), options, [first, second]);
    }

    /// <summary>Submits an asynchronous task that receives the results of two dependencies.</summary>
    public TaskHandle<T> Submit<T1, T2, T>(TaskHandle<T1> first, TaskHandle<T2> second, Func<T1, T2, Task<T>> body) =>
        Submit(TaskOptions.Default, first, second, body);

    /// <summary>Submits an asynchronous task that receives the results of two dependencies, with options.</summary>
    public TaskHandle<T> Submit<T1, T2, T>(TaskOptions options, TaskHandle<T1> first, TaskHandle<T2> second, Func<T1, T2, Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(body);
        return Add(new SubmittedTask<T1, T2, T>(this, BackendFor(options, returnsTask: true), true, body, first, second), options, [first, second]);
    }

    /// <summary>Submits a task without a result that runs after <paramref name="dependency"/> and receives its result.</summary>
    public TaskHandle Submit<T1>(TaskHandle<T1> dependency, Action<T1> body) =>
        Submit(TaskOptions.Default, dependency, body);

    /// <summary>Submits a task without a result that receives its dependency's result, with options.</summary>
    public TaskHandle Submit<T1>(TaskOptions options, TaskHandle<T1> dependency, Action<T1> body)
    {
        ArgumentNullException.ThrowIfNull(dependency);
        ArgumentNullException.ThrowIfNull(body);
        TaskHandle first = dependency;
        return Add(new SubmittedAction<T1, bool>(this, BackendFor(options, returnsTask: false), false, body, dependency, null), options, new ReadOnlySpan<TaskHandle>(in first));
    }

    /// <summary>Submits an asynchronous task without a result that receives its dependency's result (an <c>async</c> lambda without a return value).</summary>
    public TaskHandle Submit<T1>(TaskHandle<T1> dependency, Func<T1, Task> body) =>
        Submit(TaskOptions.Default, dependency, body);

    /// <summary>Submits an asynchronous task without a result that receives its dependency's result, with options.</summary>
    public TaskHandle Submit<T1>(TaskOptions options, TaskHandle<T1> dependency, Func<T1, Task> body)
    {
        ArgumentNullException.ThrowIfNull(dependency);
        ArgumentNullException.ThrowIfNull(body);
        TaskHandle first = dependency;
        return Add(new SubmittedAction<T1, bool>(this, BackendFor(options, returnsTask: true), true, body, dependency, null), options, new ReadOnlySpan<TaskHandle>(in first));
    }

    /// <summary>Submits a task without a result that receives the results of two dependencies.</summary>
    public TaskHandle Submit<T1, T2>(TaskHandle<T1> first, TaskHandle<T2> second, Action<T1, T2> body) =>
        Submit(TaskOptions.Default, first, second, body);

    /// <summary>Submits a task without a result that receives the results of two dependencies, with options.</summary>
    public TaskHandle Submit<T1, T2>(TaskOptions options, TaskHandle<T1> first, TaskHandle<T2> second, Action<T1, T2> body)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(body);
        return Add(new SubmittedAction<T1, T2>(this, BackendFor(options, returnsTask: false), false, body, first, second), options, [first, second]);
    }

    /// <summary>Submits an asynchronous task without a result that receives the results of two dependencies.</summary>
    public TaskHandle Submit<T1, T2>(TaskHandle<T1> first, TaskHandle<T2> second, Func<T1, T2, Task> body) =>
        Submit(TaskOptions.Default, first, second, body);

    /// <summary>Submits an asynchronous task without a result that receives the results of two dependencies, with options.</summary>
    public TaskHandle Submit<T1, T2>(TaskOptions options, TaskHandle<T1> first, TaskHandle<T2> second, Func<T1, T2, Task> body)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(body);
        return Add(new SubmittedAction<T1, T2>(this, BackendFor(options, returnsTask: true), true, body, first, second), options, [first, second]);
    }

    /// <summary>
    /// Submits a fan-in: a task that runs after every handle of <paramref name="dependencies"/> and receives their
    /// results in the same order.
    /// </summary>
    public TaskHandle<T> Submit<TIn, T>(ReadOnlySpan<TaskHandle<TIn>> dependencies, Func<TIn[], T> body) =>
        Submit(TaskOptions.Default, dependencies, body);

    /// <summary>Submits a fan-in with options.</summary>
    public TaskHandle<T> Submit<TIn, T>(TaskOptions options, ReadOnlySpan<TaskHandle<TIn>> dependencies, Func<TIn[], T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var copy = dependencies.ToArray();
        return Add(new SubmittedFanIn<TIn, T>(this, BackendFor(options, returnsTask: false), false, body, copy), options, copy);
    }

    /// <summary>Submits an asynchronous fan-in.</summary>
    public TaskHandle<T> Submit<TIn, T>(ReadOnlySpan<TaskHandle<TIn>> dependencies, Func<TIn[], Task<T>> body) =>
        Submit(TaskOptions.Default, dependencies, body);

    /// <summary>Submits an asynchronous fan-in with options.</summary>
    public TaskHandle<T> Submit<TIn, T>(TaskOptions options, ReadOnlySpan<TaskHandle<TIn>> dependencies, Func<TIn[], Task<T>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var copy = dependencies.ToArray();
        return Add(new SubmittedFanIn<TIn, T>(this, BackendFor(options, returnsTask: true), true, body, copy), options, copy);
    }

    private Backend BackendFor(TaskOptions options, bool returnsTask)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.IsGated)
        {
            options.ValidateForSubmit();
        }

        var backend = ResolveBackend(options.Backend, returnsTask);
        if (!Runner.HasExecutor(backend))
        {
            throw new ArgumentException($"No executor of the runner runs backend {(int)backend}: use {BackendInfo.Names}, or give the runner an executor for it in WorkflowRunner.Executors.", nameof(options));
        }

        if (backend == Backend.Process)
        {
            throw new ArgumentException("A submitted body cannot run on Backend.Process: a child process finds a task body by its workflow's task name, and a submitted delegate has none. Declare the work as a [Task(Backend = Backend.Process)] of a workflow.", nameof(options));
        }

        if (backend == Backend.Thread && returnsTask)
        {
            throw new ArgumentException("An asynchronous body cannot run on Backend.Thread, which runs synchronous bodies only; use Backend.Async.", nameof(options));
        }

        return backend;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private THandle Add<THandle>(THandle handle, TaskOptions options, ReadOnlySpan<TaskHandle> dependsOn)
        where THandle : TaskHandle
    {
        Register(handle, options, dependsOn);
        return handle;
    }

    /// <summary>Registers a submitted task with the run and its dependencies, and queues it if it is ready.</summary>
    private void Register(TaskHandle handle, TaskOptions options, ReadOnlySpan<TaskHandle> dependsOn)
    {
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

        handle.SetSubmission(options, parent);
        if (parent is not null)
        {
            // Submitted from a body: the child's throughline continues the parent's frame, so make sure it is in the
            // execution context captured below (a synchronous body makes its frame only when asked).
            _ = Throughline.Current;
        }

        var captured = ExecutionContext.Capture();
        if (!ReferenceEquals(captured, _context))
        {
            // Submitted from another flow than the run's (inside a task, under an activity, ...): the body runs in it.
            handle.Extras.CapturedContext = captured;
        }

        if (WorkflowyDiagnostics.Source.HasListeners() && Activity.Current is { } activity)
        {
            handle.Extras.ParentActivity = activity.Context;
        }

        // One count per dependency, and one held until the task is registered with them all (none is needed without
        // dependencies: nothing else can ready the task).
        handle.PendingDependencies = dependsOn.Length == 0 ? 0 : 1 + dependsOn.Length;
        lock (_tasksLock)
        {
            var index = _taskCount;
            handle.SetIndex(index);
            AssignKey(handle, options, parent);
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
        else if ((dependsOn.Length == 0 || handle.ReleasePending()) &&
                 Volatile.Read(ref _phase) == RunActive &&
                 Transition(handle, TaskState.Pending, TaskState.Ready))
        {
            Enqueue(handle);
        }
    }
}
