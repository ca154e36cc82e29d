using System;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// The dependencies of a submitted task, kept in one field: none (null), one handle, or an array of handles. Tasks with
/// one dependency (chains, fan-outs) then cost no array.
/// </summary>
internal static class DependencyList
{
    public static object? From(ReadOnlySpan<TaskHandle> dependencies) => dependencies.Length switch
    {
        0 => null,
        1 => dependencies[0],
        _ => dependencies.ToArray(),
    };

    public static int Count(object? list) => list switch
    {
        null => 0,
        TaskHandle => 1,
        _ => ((TaskHandle[])list).Length,
    };

    public static TaskHandle Get(object? list, int index) => list switch
    {
        TaskHandle single when index == 0 => single,
        TaskHandle[] array => array[index],
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };
}

/// <summary>
/// A dependency's result for a body that takes it as a parameter (default when it did not complete), and a body's
/// result stored on its handle; shared by submitted tasks and generated graph code.
/// </summary>
internal static class DependencyResult
{
    public static T Of<T>(TaskHandle<T> handle) => handle.State == TaskState.Completed ? handle.ResultValue : default!;

    public static ValueTask Store<T>(TaskHandle<T> handle, Task<T>? task)
    {
        if (task is null)
        {
            throw new InvalidOperationException($"The body of task '{handle.Name}' returned a null Task.");
        }

        if (task.IsCompletedSuccessfully)
        {
            handle.ResultValue = task.Result;
            return default;
        }

        return StoreLater(handle, task);

        static async ValueTask StoreLater(TaskHandle<T> handle, Task<T> task) =>
            handle.ResultValue = await task.ConfigureAwait(false);
    }

    public static ValueTask Await(TaskHandle handle, Task? task) =>
        task is null
            ? throw new InvalidOperationException($"The body of task '{handle.Name}' returned a null Task.")
            : task.IsCompletedSuccessfully ? default : new ValueTask(task);
}

/// <summary>A submitted task with a result whose body takes a <see cref="TaskContext"/> (or nothing) and reads its dependencies itself.</summary>
internal sealed class SubmittedTask<T> : TaskHandle<T>
{
    private Delegate _body;
    private readonly object? _dependencies;

    public SubmittedTask(WorkflowRun run, Backend backend, bool returnsTask, Delegate body, ReadOnlySpan<TaskHandle> dependencies)
        : base(run, -1, backend, returnsTask, observesCancellation: false)
    {
        _body = body;
        _dependencies = DependencyList.From(dependencies);
    }

    /// <inheritdoc />
    internal override void ReleaseBody() => _body = null!;

    internal override int DependencyCount => DependencyList.Count(_dependencies);

    internal override TaskHandle GetDependency(int index) => DependencyList.Get(_dependencies, index);

    internal override ValueTask InvokeBody(CancellationToken token)
    {
        switch (_body)
        {
            case Func<TaskContext, T> sync:
                ResultValue = sync(GetBodyContext(token));
                return default;
            case Func<T> plain:
                ResultValue = plain();
                return default;
            case Func<TaskContext, Task<T>> async:
                return DependencyResult.Store(this, async(GetBodyContext(token)));
            default:
                return DependencyResult.Store(this, ((Func<Task<T>>)_body)());
        }
    }
}

/// <summary>A submitted task without a result whose body takes a <see cref="TaskContext"/> (or nothing).</summary>
internal sealed class SubmittedTask : TaskHandle
{
    private Delegate _body;
    private readonly object? _dependencies;

    public SubmittedTask(WorkflowRun run, Backend backend, bool returnsTask, Delegate body, ReadOnlySpan<TaskHandle> dependencies)
        : base(run, -1, backend, returnsTask, observesCancellation: false)
    {
        _body = body;
        _dependencies = DependencyList.From(dependencies);
    }

    /// <inheritdoc />
    internal override void ReleaseBody() => _body = null!;

    internal override int DependencyCount => DependencyList.Count(_dependencies);

    internal override TaskHandle GetDependency(int index) => DependencyList.Get(_dependencies, index);

    internal override ValueTask InvokeBody(CancellationToken token)
    {
        switch (_body)
        {
            case Action<TaskContext> sync:
                sync(GetBodyContext(token));
                return default;
            case Action plain:
                plain();
                return default;
            case Func<TaskContext, Task> async:
                return DependencyResult.Await(this, async(GetBodyContext(token)));
            default:
                return DependencyResult.Await(this, ((Func<Task>)_body)());
        }
    }
}

/// <summary>A submitted task whose body takes the result of its one dependency.</summary>
internal sealed class SubmittedTask<T1, T> : TaskHandle<T>
{
    private Delegate _body;
    private readonly TaskHandle<T1> _first;

    public SubmittedTask(WorkflowRun run, Backend backend, bool returnsTask, Delegate body, TaskHandle<T1> first)
        : base(run, -1, backend, returnsTask, observesCancellation: false)
    {
        _body = body;
        _first = first;
    }

    /// <inheritdoc />
    internal override void ReleaseBody() => _body = null!;

    internal override int DependencyCount => 1;

    internal override TaskHandle GetDependency(int index) =>
        index == 0 ? _first : throw new ArgumentOutOfRangeException(nameof(index));

    internal override ValueTask InvokeBody(CancellationToken token)
    {
        var first = DependencyResult.Of(_first);
        if (_body is Func<T1, T> sync)
        {
            ResultValue = sync(first);
            return default;
        }

        return DependencyResult.Store(this, ((Func<T1, Task<T>>)_body)(first));
    }
}

/// <summary>A submitted task whose body takes the results of its two dependencies.</summary>
internal sealed class SubmittedTask<T1, T2, T> : TaskHandle<T>
{
    private Delegate _body;
    private readonly TaskHandle<T1> _first;
    private readonly TaskHandle<T2> _second;

    public SubmittedTask(WorkflowRun run, Backend backend, bool returnsTask, Delegate body, TaskHandle<T1> first, TaskHandle<T2> second)
        : base(run, -1, backend, returnsTask, observesCancellation: false)
    {
        _body = body;
        _first = first;
        _second = second;
    }

    /// <inheritdoc />
    internal override void ReleaseBody() => _body = null!;

    internal override int DependencyCount => 2;

    internal override TaskHandle GetDependency(int index) => index switch
    {
        0 => _first,
        1 => _second,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    internal override ValueTask InvokeBody(CancellationToken token)
    {
        var first = DependencyResult.Of(_first);
        var second = DependencyResult.Of(_second);
        if (_body is Func<T1, T2, T> sync)
        {
            ResultValue = sync(first, second);
            return default;
        }

        return DependencyResult.Store(this, ((Func<T1, T2, Task<T>>)_body)(first, second));
    }
}

/// <summary>A submitted task whose body takes the results of all its dependencies, in order (a fan-in).</summary>
internal sealed class SubmittedFanIn<TIn, T> : TaskHandle<T>
{
    private Delegate _body;
    private readonly TaskHandle<TIn>[] _dependencies;

    public SubmittedFanIn(WorkflowRun run, Backend backend, bool returnsTask, Delegate body, TaskHandle<TIn>[] dependencies)
        : base(run, -1, backend, returnsTask, observesCancellation: false)
    {
        _body = body;
        _dependencies = dependencies;
    }

    /// <inheritdoc />
    internal override void ReleaseBody() => _body = null!;

    internal override int DependencyCount => _dependencies.Length;

    internal override TaskHandle GetDependency(int index) => _dependencies[index];

    internal override ValueTask InvokeBody(CancellationToken token)
    {
        var results = new TIn[_dependencies.Length];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = DependencyResult.Of(_dependencies[i]);
        }

        if (_body is Func<TIn[], T> sync)
        {
            ResultValue = sync(results);
            return default;
        }

        return DependencyResult.Store(this, ((Func<TIn[], Task<T>>)_body)(results));
    }
}

/// <summary>
/// A submitted task without a result whose body receives the results of its dependencies: one
/// (<see cref="Action{T1}"/>, <c>Func&lt;T1, Task&gt;</c>; <typeparamref name="T2"/> unused, the second handle null) or two.
/// </summary>
internal sealed class SubmittedAction<T1, T2> : TaskHandle
{
    private Delegate _body;
    private readonly TaskHandle<T1> _first;
    private readonly TaskHandle<T2>? _second;

    public SubmittedAction(WorkflowRun run, Backend backend, bool returnsTask, Delegate body, TaskHandle<T1> first, TaskHandle<T2>? second)
        : base(run, -1, backend, returnsTask, observesCancellation: false)
    {
        _body = body;
        _first = first;
        _second = second;
    }

    /// <inheritdoc />
    internal override void ReleaseBody() => _body = null!;

    internal override int DependencyCount => _second is null ? 1 : 2;

    internal override TaskHandle GetDependency(int index) => index switch
    {
        0 => _first,
        1 when _second is not null => _second,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    internal override ValueTask InvokeBody(CancellationToken token)
    {
        var first = DependencyResult.Of(_first);
        switch (_body)
        {
            case Action<T1> one:
                one(first);
                return default;
            case Func<T1, Task> oneAsync:
                return DependencyResult.Await(this, oneAsync(first));
            case Action<T1, T2> two:
                two(first, DependencyResult.Of(_second!));
                return default;
            default:
                return DependencyResult.Await(this, ((Func<T1, T2, Task>)_body)(first, DependencyResult.Of(_second!)));
        }
    }
}
