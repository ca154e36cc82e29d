using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>One task with a result of type <typeparamref name="T"/>: awaiting it gives the result.</summary>
/// <typeparam name="T">The task's result type.</typeparam>
public class TaskHandle<T> : TaskHandle
{
    internal T ResultValue = default!;

    internal TaskHandle(WorkflowRun run, int index, Backend backend, bool returnsTask, bool observesCancellation)
        : base(run, index, backend, returnsTask, observesCancellation)
    {
    }

    /// <summary>
    /// The result. Throws the task's exception if it failed (or was cancelled or skipped), and
    /// <see cref="InvalidOperationException"/> if it has not completed (await the handle to wait for it).
    /// </summary>
    public T Result
    {
        get
        {
            ThrowIfNotCompleted();
            return ResultValue;
        }
    }

    internal override bool HasResult => true;

    internal override object? BoxedResult => ResultValue;

    internal override bool TrySetBoxedResult(object? value)
    {
        if (value is T typed)
        {
            ResultValue = typed;
            return true;
        }

        if (value is null && default(T) is null)
        {
            ResultValue = default!;
            return true;
        }

        return false;
    }

    internal override string? ResultToJson(System.Text.Json.Serialization.JsonSerializerContext? context) =>
        TypeInfo(context) is { } typeInfo ? System.Text.Json.JsonSerializer.Serialize(ResultValue, typeInfo) : null;

    internal override bool RestoreResultJson(string json, System.Text.Json.Serialization.JsonSerializerContext? context)
    {
        if (TypeInfo(context) is not { } typeInfo)
        {
            return false;
        }

        return RestoreResult(json, typeInfo);
    }

    /// <summary>
    /// Reads a stored result back; false (logged, event id 8) if it does not read back as <typeparamref name="T"/> (its
    /// type changed between deploys, the record was edited, or the type's converter or constructor threw): the task
    /// then runs again instead of blocking its run.
    /// </summary>
    internal bool RestoreResult(string json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        try
        {
            ResultValue = System.Text.Json.JsonSerializer.Deserialize(json, typeInfo)!;
            return true;
        }
        catch (Exception ex)
        {
            ResultValue = default!;
            Run.OnResultNotRestored(this, typeof(T), ex);
            return false;
        }
    }

    private System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>? TypeInfo(System.Text.Json.Serialization.JsonSerializerContext? context) =>
        Options.ResultTypeInfo as System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>
        ?? context?.GetTypeInfo(typeof(T)) as System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>;

    /// <summary>
    /// A task that ends with this task's result, or its exception; faulted at once with a
    /// <see cref="WorkflowCycleException"/> when asked for from the body of a task this one waits for (see
    /// <see cref="TaskHandle.AsTask"/>).
    /// </summary>
    public new Task<T> AsTask() => WaitCycle() is { } cycle ? Task.FromException<T>(cycle) : EnsureCompletionSource<T>().Task;

    /// <summary>Awaits the task: gives its result, or throws its exception (see <see cref="AsTask"/>).</summary>
    public new TaskAwaiter<T> GetAwaiter() => AsTask().GetAwaiter();

    /// <summary>Waits up to <paramref name="timeout"/> for the result (throws <see cref="TimeoutException"/> if the task is not terminal by then).</summary>
    public async Task<T> GetResultAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        await LongWait.WaitAsync(AsTask(), timeout, Run.Runner.TimeProvider, cancellationToken).ConfigureAwait(false);

    private protected override Task GetCompletionTask() => EnsureCompletionSource<T>().Task;

    private protected override void CompleteSource(object source, TaskState state)
    {
        var tcs = (TaskCompletionSource<T>)source;
        if (state == TaskState.Completed)
        {
            tcs.TrySetResult(ResultValue);
        }
        else
        {
            SetFailure(tcs, Exception);
        }
    }

    private protected override void FailSource(object source, Exception? exception) =>
        SetFailure((TaskCompletionSource<T>)source, exception);
}
