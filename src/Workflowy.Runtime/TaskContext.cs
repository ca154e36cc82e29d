using System;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// What a running task knows about itself: declare a parameter of this type on a task method, or read
/// <see cref="Current"/> anywhere inside a task body (across awaits, and in work the body starts).
/// </summary>
/// <remarks>
/// A task invoked outside its run (<see cref="WorkflowDefinition.InvokeTaskAsync"/>: <c>Backend.Process</c>, a
/// remote worker) gets a context with its name, run id, attempt and token; <see cref="ReportProgress"/> goes to
/// <see cref="TaskInvocation.ProgressReported"/>; the members that need the run itself (<see cref="Task"/>,
/// <see cref="Run"/>, side effects, state, events) throw <see cref="NotSupportedException"/>, and <see cref="Current"/>
/// is null there.
/// </remarks>
public sealed class TaskContext
{
    private static readonly TimeSpan OneMillisecond = TimeSpan.FromMilliseconds(1);

    private readonly TaskHandle? _handle;
    private readonly CancellationToken _attemptToken;
    private readonly Detached? _detached;

    internal TaskContext(TaskHandle handle, int attempt, CancellationToken attemptToken = default)
    {
        _handle = handle;
        Attempt = attempt;
        _attemptToken = attemptToken;
    }

    /// <summary>The context of a task invoked outside its run (<see cref="WorkflowDefinition.InvokeTaskAsync"/>).</summary>
    internal TaskContext(string taskName, TaskInvocation invocation, CancellationToken attemptToken)
    {
        _detached = new Detached(taskName, invocation);
        Attempt = invocation.Attempt;
        _attemptToken = attemptToken;
    }

    /// <summary>The context of the task whose body is running here, or null outside task bodies.</summary>
    public static TaskContext? Current
    {
        get
        {
            // Asking for the context enters a synchronous body's frame, so that work started from here sees it too.
            _ = Workflowy.Throughline.Current;
            return CurrentHandle?.GetContext();
        }
    }

    /// <summary>The task's name.</summary>
    public string TaskName => _handle is { } handle ? handle.Name : _detached!.TaskName;

    /// <summary>The id of the run this attempt belongs to.</summary>
    public string RunId => _handle is { } handle ? handle.Run.RunId : _detached!.Invocation.RunId;

    /// <summary>The attempt number, starting at 1.</summary>
    public int Attempt { get; }

    /// <summary>Signalled when the task, its run, its runner or its parent is cancelled, or the attempt times out.</summary>
    public CancellationToken CancellationToken => _attemptToken.CanBeCanceled || _handle is null ? _attemptToken : _handle.AttemptToken();

    /// <summary>This task's handle.</summary>
    /// <exception cref="NotSupportedException">The task was invoked outside its run.</exception>
    public TaskHandle Task => Handle(nameof(Task));

    /// <summary>The run this task belongs to (submit child tasks through it).</summary>
    /// <exception cref="NotSupportedException">The task was invoked outside its run.</exception>
    public WorkflowRun Run => Handle(nameof(Run)).Run;

    /// <summary>The task that submitted this one (dynamic tasks submitted from inside a task), or that started this task's run; null otherwise (and outside its run).</summary>
    public TaskHandle? Parent => _handle is { } handle ? handle.Parent ?? handle.Run.Parent : null;

    /// <summary>The throughline at this task: the chain of frames and task names that led here.</summary>
    public System.Collections.Generic.IReadOnlyList<string> Throughline => Workflowy.Throughline.Chain;

    /// <summary>Reports progress: <paramref name="fraction"/> is clamped to [0, 1]; both are visible on the handle.</summary>
    /// <exception cref="NotSupportedException">The task was invoked outside its run without <see cref="TaskInvocation.ProgressReported"/>.</exception>
    public void ReportProgress(double fraction, string? message = null)
    {
        if (_handle is { } handle)
        {
            handle.ReportProgress(fraction, message);
            return;
        }

        var report = _detached!.Invocation.ProgressReported ?? throw NotInRun(nameof(ReportProgress));
        report(double.IsNaN(fraction) ? 0 : Math.Clamp(fraction, 0, 1), message);
    }

    /// <summary>
    /// Runs a side effect once per run: its result is recorded with the run (in the store, before this returns) under
    /// this task's key and <paramref name="key"/>, and a re-execution of the task (a retry, a rerun, a resume in another
    /// process) returns the recorded result instead of running <paramref name="action"/> again. The action itself is
    /// at-least-once: a crash after it ran but before its result was stored runs it again. The record's key is
    /// <c>effect:</c>, the task's key with <c>\</c> and <c>:</c> escaped by a <c>\</c>, then <c>:</c> and
    /// <paramref name="key"/>, so that no two tasks' effects share one.
    /// </summary>
    public async ValueTask<T> SideEffectAsync<T>(string key, Func<CancellationToken, ValueTask<T>> action, JsonTypeInfo<T>? typeInfo = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(action);
        var valueKey = EffectKey(Handle(nameof(SideEffectAsync)).Key, key);
        var info = typeInfo ?? InfoOf<T>();
        if (Run.TryGetValue(valueKey, out var json))
        {
            return JsonSerializer.Deserialize(json, info)!;
        }

        var value = await action(CancellationToken).ConfigureAwait(false);
        await Run.SetValueAsync(valueKey, JsonSerializer.Serialize(value, info), durably: true, CancellationToken.None).ConfigureAwait(false);
        return value;
    }

    /// <summary>
    /// The record of a side effect: <c>effect:</c>, the task's key escaped (<c>\</c> and <c>:</c> preceded by a
    /// <c>\</c>), <c>:</c>, the effect's key. The first unescaped <c>:</c> after the prefix ends the task's key, so task
    /// <c>a:b</c> with effect <c>c</c> and task <c>a</c> with effect <c>b:c</c> no longer share a record. A task key
    /// without either character (every graph task's, every generated one) is written as before, so checkpoints written
    /// earlier keep their side effects; only a task whose explicit key holds one runs its side effects again once.
    /// </summary>
    internal static string EffectKey(string taskKey, string effectKey)
    {
        if (taskKey.AsSpan().IndexOfAny('\\', ':') < 0)
        {
            return string.Concat("effect:", taskKey, ":", effectKey);
        }

        var builder = new System.Text.StringBuilder("effect:", 8 + (taskKey.Length * 2) + effectKey.Length);
        foreach (var c in taskKey)
        {
            if (c is '\\' or ':')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.Append(':').Append(effectKey).ToString();
    }

    /// <summary>Reads run state recorded with <see cref="SetState{T}"/> (in this process or, with a store, an earlier one); default if none.</summary>
    public T? GetState<T>(string key, JsonTypeInfo<T>? typeInfo = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return Handle(nameof(GetState)).Run.TryGetValue("state:" + key, out var json) ? JsonSerializer.Deserialize(json, typeInfo ?? InfoOf<T>()) : default;
    }

    /// <summary>Records run state: visible to every task of the run, stored with the run's next checkpoint.</summary>
    public void SetState<T>(string key, T value, JsonTypeInfo<T>? typeInfo = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var pending = Handle(nameof(SetState)).Run.SetValueAsync("state:" + key, JsonSerializer.Serialize(value, typeInfo ?? InfoOf<T>()), durably: false, CancellationToken.None);
        if (!pending.IsCompletedSuccessfully)
        {
            pending.AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>
    /// Waits for an event (see <see cref="WorkflowRunner.PublishEventAsync(string, string, CancellationToken)"/>) and returns its
    /// payload as JSON. An event published before the wait counts. With a store, events published by other processes
    /// are found by polling it every <see cref="WorkflowRunner.EventPollInterval"/>.
    /// </summary>
    public async ValueTask<string> WaitForEventAsync(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var runner = Handle(nameof(WaitForEventAsync)).Run.Runner;
        if (runner.Events.TryGet(name, out var payload))
        {
            return payload;
        }

        var store = runner.Store;
        if (store is not null && await store.GetEventAsync(name, CancellationToken).ConfigureAwait(false) is { } stored)
        {
            return stored;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        var local = runner.Events.WaitAsync(name, stop.Token);
        if (store is null)
        {
            return await local.ConfigureAwait(false);
        }

        while (true)
        {
            var tick = LongWait.Delay(runner.EventPollInterval, runner.TimeProvider, stop.Token);
            if (await System.Threading.Tasks.Task.WhenAny(local, tick).ConfigureAwait(false) == local)
            {
                return await local.ConfigureAwait(false);
            }

            await tick.ConfigureAwait(false);
            if (await store.GetEventAsync(name, CancellationToken).ConfigureAwait(false) is { } found)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                return found;
            }
        }
    }

    /// <summary>Waits for an event and deserialises its payload.</summary>
    public async ValueTask<T?> WaitForEventAsync<T>(string name, JsonTypeInfo<T>? typeInfo = null) =>
        JsonSerializer.Deserialize(await WaitForEventAsync(name).ConfigureAwait(false), typeInfo ?? InfoOf<T>());

    /// <summary>
    /// Waits until <paramref name="time"/> on the runner's clock. Pass a time that does not change when the task runs
    /// again (computed once and kept with <see cref="SideEffectAsync{T}"/> or <see cref="SetState{T}"/>), so that a resumed run
    /// waits only for what is left. Any distance works (a wait longer than a timer allows is armed a day at a time), and
    /// the clock is read again after each wait, so a clock set forward ends it at the right time.
    /// </summary>
    public async ValueTask DelayUntilAsync(DateTimeOffset time)
    {
        // Outside its run the body waits on the system clock (there is no runner's).
        var clock = _handle is { } handle ? handle.Run.Runner.TimeProvider : TimeProvider.System;
        TimeSpan wait;
        while ((wait = time - clock.GetUtcNow()) > TimeSpan.Zero)
        {
            // At least a millisecond: a timer rounds less down to nothing, and this would spin until the clock moves.
            await LongWait.Delay(wait < OneMillisecond ? OneMillisecond : wait, clock, CancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{TaskName} (run {RunId}, attempt {Attempt})";

    private JsonTypeInfo<T> InfoOf<T>()
    {
        var context = Run.Serializer
            ?? throw new InvalidOperationException($"Task '{TaskName}' needs a serializer for {typeof(T).Name}: pass a JsonTypeInfo, name a context with [WorkflowSerialization] on the workflow, or set WorkflowRunner.SerializerContext.");
        return WorkflowRun.TypeInfoOf<T>(context);
    }

    private TaskHandle Handle(string member) => _handle ?? throw NotInRun(member);

    private NotSupportedException NotInRun(string member) => new(
        $"TaskContext.{member} is not available to task '{TaskName}': it was invoked outside its run (Backend.Process or another remote worker, through WorkflowDefinition.InvokeTaskAsync), " +
        "where the run, its handles, state, side effects and events are not reachable. Keep that work in a task on an in-process backend (Async, Thread, Serial).");

    /// <summary>What a context outside its run knows: the task's name and the invocation.</summary>
    private sealed record Detached(string TaskName, TaskInvocation Invocation);

    /// <summary>The task whose body is running here (the innermost task frame of the throughline).</summary>
    internal static TaskHandle? CurrentHandle => Workflowy.Throughline.CurrentTask;
}
