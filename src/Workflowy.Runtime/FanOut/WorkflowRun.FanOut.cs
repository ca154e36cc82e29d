using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading.Tasks;

namespace Workflowy;

// Fan-out ([FanOut] on a graph task): the generated body of a fan-out task submits one child task per element (or
// chunk) of its source's result, at most MaxParallel at once, and stores the results in the input's order.
public abstract partial class WorkflowRun
{
    /// <summary>Splits <paramref name="source"/> into chunks of <paramref name="size"/> elements (the last may be shorter); called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static IReadOnlyList<IReadOnlyList<T>> FanOutChunks<T>(IEnumerable<T> source, int size)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var chunks = new List<IReadOnlyList<T>>();
        List<T>? current = null;
        foreach (var item in source)
        {
            current ??= new List<T>(size);
            current.Add(item);
            if (current.Count == size)
            {
                chunks.Add(current);
                current = null;
            }
        }

        if (current is not null)
        {
            chunks.Add(current);
        }

        return chunks;
    }

    /// <summary>A fan-out whose calls are synchronous, failing fast; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected ValueTask FanOutEach<TUnit, TResult>(TaskHandle<IReadOnlyList<TResult>> handle, IEnumerable<TUnit> units, int maxParallel, TaskOptions callOptions, Func<TUnit, TaskContext, TResult> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return FanOutEach(handle, units, maxParallel, callOptions, (unit, options) => Submit(options, context => body(unit, context)));
    }

    /// <summary>A fan-out whose calls are asynchronous, failing fast; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected ValueTask FanOutEach<TUnit, TResult>(TaskHandle<IReadOnlyList<TResult>> handle, IEnumerable<TUnit> units, int maxParallel, TaskOptions callOptions, Func<TUnit, TaskContext, Task<TResult>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return FanOutEach(handle, units, maxParallel, callOptions, (unit, options) => Submit(options, context => body(unit, context)));
    }

    /// <summary>A fan-out whose calls are synchronous, collecting every outcome; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected ValueTask FanOutCollect<TUnit, TResult>(TaskHandle<IReadOnlyList<FanOutResult<TResult>>> handle, IEnumerable<TUnit> units, int maxParallel, TaskOptions callOptions, Func<TUnit, TaskContext, TResult> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return FanOutCollect(handle, units, maxParallel, callOptions, (unit, options) => Submit(options, context => body(unit, context)));
    }

    /// <summary>A fan-out whose calls are asynchronous, collecting every outcome; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected ValueTask FanOutCollect<TUnit, TResult>(TaskHandle<IReadOnlyList<FanOutResult<TResult>>> handle, IEnumerable<TUnit> units, int maxParallel, TaskOptions callOptions, Func<TUnit, TaskContext, Task<TResult>> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return FanOutCollect(handle, units, maxParallel, callOptions, (unit, options) => Submit(options, context => body(unit, context)));
    }

    private async ValueTask FanOutEach<TUnit, TResult>(TaskHandle<IReadOnlyList<TResult>> handle, IEnumerable<TUnit> units, int maxParallel, TaskOptions callOptions, Func<TUnit, TaskOptions, TaskHandle<TResult>> submit)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var outcomes = await FanOutCore(handle, units, maxParallel, callOptions, submit, failFast: true).ConfigureAwait(false);
        var results = new TResult[outcomes.Length];
        for (var i = 0; i < outcomes.Length; i++)
        {
            results[i] = outcomes[i].Value;
        }

        handle.ResultValue = results;
    }

    private async ValueTask FanOutCollect<TUnit, TResult>(TaskHandle<IReadOnlyList<FanOutResult<TResult>>> handle, IEnumerable<TUnit> units, int maxParallel, TaskOptions callOptions, Func<TUnit, TaskOptions, TaskHandle<TResult>> submit)
    {
        ArgumentNullException.ThrowIfNull(handle);
        handle.ResultValue = await FanOutCore(handle, units, maxParallel, callOptions, submit, failFast: false).ConfigureAwait(false);
    }

    /// <summary>
    /// Submits one child per unit (named <c>Task[i]</c>), at most <paramref name="maxParallel"/> not terminal at once, and
    /// returns the outcomes in the units' order. Failing fast, the first failure cancels the running children, submits
    /// no more, and throws <see cref="FanOutFailedException"/>.
    /// </summary>
    private async Task<FanOutResult<TResult>[]> FanOutCore<TUnit, TResult>(TaskHandle parent, IEnumerable<TUnit> source, int maxParallel, TaskOptions callOptions, Func<TUnit, TaskOptions, TaskHandle<TResult>> submit, bool failFast)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(callOptions);
        var units = source as IReadOnlyList<TUnit> ?? new List<TUnit>(source);
        var outcomes = new FanOutResult<TResult>[units.Count];
        var limit = maxParallel <= 0 ? int.MaxValue : maxParallel;
        var running = new List<(int Index, TaskHandle<TResult> Child, Task<TResult> Completion)>();
        var next = 0;
        var name = parent.Name;

        // A run that ends early (another task failed under ErrorPolicy.Raise, or it was cancelled): the fan-out submits
        // no more calls, cancels those not terminal, and stops waiting at once.
        var runToken = RunToken;
        var runEnding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = runToken.UnsafeRegister(static state => ((TaskCompletionSource)state!).TrySetResult(), runEnding);
        while (next < units.Count || running.Count > 0)
        {
            while (next < units.Count && running.Count < limit)
            {
                var index = next++;
                var child = submit(units[index], CallOptions(callOptions, name, index));
                running.Add((index, child, child.AsTask()));
            }

            var tasks = new Task[running.Count + 1];
            for (var i = 0; i < running.Count; i++)
            {
                tasks[i] = running[i].Completion;
            }

            tasks[running.Count] = runEnding.Task;
            var done = await Task.WhenAny(tasks).ConfigureAwait(false);
            if (ReferenceEquals(done, runEnding.Task))
            {
                foreach (var other in running)
                {
                    other.Child.Cancel();
                }

                throw new OperationCanceledException($"Fan-out '{name}' in run {RunId} stopped: its run is ending.", runToken);
            }

            var at = Array.IndexOf(tasks, done);
            var (finished, handle, completion) = running[at];
            running.RemoveAt(at);
            if (completion.IsCompletedSuccessfully)
            {
                outcomes[finished] = new FanOutResult<TResult>(finished, completion.Result, null);
                continue;
            }

            var error = handle.Exception ?? completion.Exception?.InnerException ?? new TaskCancelledException(handle.Name, RunId);
            if (!failFast)
            {
                outcomes[finished] = new FanOutResult<TResult>(finished, default!, error);
                continue;
            }

            foreach (var other in running)
            {
                other.Child.Cancel();
            }

            throw new FanOutFailedException(name, RunId, finished, error);
        }

        return outcomes;
    }

    /// <summary>The options of one call: the fan-out task's, named <c>Task[i]</c>.</summary>
    private static TaskOptions CallOptions(TaskOptions options, string name, int index) => new()
    {
        Name = name + "[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]",
        Backend = options.Backend,
        MaxAttempts = options.MaxAttempts,
        Backoff = options.Backoff,
        BackoffBase = options.BackoffBase,
        BackoffCap = options.BackoffCap,
        BackoffJitter = options.BackoffJitter,
        RetryOn = options.RetryOn,
        Timeout = options.Timeout,
        FailureGoesToParent = true,
    };
}
