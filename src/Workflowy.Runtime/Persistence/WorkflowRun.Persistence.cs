using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

public abstract partial class WorkflowRun
{
    private readonly ConcurrentDictionary<string, string> _values = new(StringComparer.Ordinal);
    private Checkpointer? _checkpointer;
    private Dictionary<string, TaskRecord>? _records;
    private int _topLevelSubmissions;

    /// <summary>The workflow's identity in a store: its full type name (the graph name for runs of dynamic tasks).</summary>
    public string WorkflowKey => Graph.FullName;

    /// <summary>The serializer context the workflow names with <c>[WorkflowSerialization]</c>; generated.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual JsonSerializerContext? SerializerContext => null;

    /// <summary>The workflow's serializer context, or the runner's.</summary>
    internal JsonSerializerContext? Serializer => SerializerContext ?? Runner.SerializerContext;

    /// <summary>The result of graph task <paramref name="index"/> as JSON, or null if it cannot be serialised; generated.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual string? SerializeResult(int index) => null;

    /// <summary>Restores the result of graph task <paramref name="index"/> from JSON; generated. False if it cannot.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual bool RestoreResult(int index, string json) => false;

    /// <summary>The run's inputs as a JSON object, or null if they cannot be serialised; generated.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual string? SerializeInputs() => null;

    /// <summary>Gives the run the id it must have (to resume it); called by generated code before <c>Begin</c>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected void UseRunId(string? runId)
    {
        if (runId is null)
        {
            return;
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(runId);
        if (Volatile.Read(ref _phase) != RunNotStarted)
        {
            throw new InvalidOperationException($"{this} has already started; its id cannot change.");
        }

        RunId = runId;
    }

    /// <summary>
    /// Called by the generated <c>ResumeAsync</c> with the checkpoint it read the inputs from. The run loads its
    /// checkpoint again once it holds the run's lease (another runner may have added to it until then), so this only
    /// checks the argument.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected void UseCheckpoint(RunCheckpoint checkpoint) => ArgumentNullException.ThrowIfNull(checkpoint);

    /// <summary>The serializer metadata of <typeparamref name="T"/> in <paramref name="context"/>; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected internal static JsonTypeInfo<T> TypeInfoOf<T>(JsonSerializerContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.GetTypeInfo(typeof(T)) as JsonTypeInfo<T>
            ?? throw new InvalidOperationException($"The serializer context {context.GetType().Name} does not register {typeof(T)}; add [JsonSerializable(typeof({typeof(T).Name}))] to it (diagnostic WFY019 reports this at compile time).");
    }

    /// <summary>Serialises a completed task's result; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static string? ResultJson<T>(TaskHandle<T> handle, JsonSerializerContext context) =>
        handle.State == TaskState.Completed ? JsonSerializer.Serialize(handle.ResultValue, TypeInfoOf<T>(context)) : null;

    /// <summary>
    /// Restores a task's result from JSON; called by generated code. False (logged) if the stored result does not read
    /// back as <typeparamref name="T"/> (its type changed, or the record was edited): the task then runs again.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static bool RestoreJson<T>(TaskHandle<T> handle, string json, JsonSerializerContext context)
    {
        ArgumentNullException.ThrowIfNull(handle);
        JsonTypeInfo<T> typeInfo;
        try
        {
            typeInfo = TypeInfoOf<T>(context);
        }
        catch (Exception ex)
        {
            handle.Run.OnResultNotRestored(handle, typeof(T), ex);
            return false;
        }

        return handle.RestoreResult(json, typeInfo);
    }

    /// <summary>
    /// Restores the result of a task whose result type is a reference type declared not nullable; called by generated
    /// code. As <see cref="RestoreJson{T}(TaskHandle{T}, string, JsonSerializerContext)"/>, and a stored <c>null</c>
    /// (written by an earlier version, or edited) is not restored either (logged): the task runs again rather than hand
    /// null to its dependents.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static bool RestoreJson<T>(TaskHandle<T> handle, string json, JsonSerializerContext context, string typeName)
    {
        if (!RestoreJson(handle, json, context))
        {
            return false;
        }

        if (handle.ResultValue is not null)
        {
            return true;
        }

        handle.ResultValue = default!;
        handle.Run.OnResultNotRestored(handle, typeof(T), new JsonException($"The stored result is null, but the result type {typeName} is not nullable."));
        return false;
    }

    /// <summary>Reads one input from a run's inputs JSON; called by the generated <c>ResumeAsync</c>.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static T InputFromJson<T>(RunCheckpoint checkpoint, string name, JsonSerializerContext context)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.InputsJson is null)
        {
            throw new CheckpointException($"Run {checkpoint.RunId} has no recorded inputs", $"{checkpoint.Workflow}/{checkpoint.RunId}");
        }

        try
        {
            using var document = JsonDocument.Parse(checkpoint.InputsJson);
            if (!document.RootElement.TryGetProperty(name, out var element))
            {
                throw new CheckpointException($"Run {checkpoint.RunId} has no recorded input '{name}'", $"{checkpoint.Workflow}/{checkpoint.RunId}");
            }

            return element.Deserialize(TypeInfoOf<T>(context))!;
        }
        catch (JsonException ex)
        {
            throw new CheckpointException($"The recorded input '{name}' of run {checkpoint.RunId} cannot be read: {ex.Message}", $"{checkpoint.Workflow}/{checkpoint.RunId}", ex);
        }
    }

    /// <summary>Writes the run's inputs as a JSON object; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static string InputsJson(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes one input; called by generated code.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected static void WriteInput<T>(Utf8JsonWriter writer, string name, T value, JsonSerializerContext context)
    {
        writer.WritePropertyName(name);
        JsonSerializer.Serialize(writer, value, TypeInfoOf<T>(context));
    }

    /// <summary>
    /// Takes the run's lease, loads its checkpoint, restores what completed, records the inputs, then starts. The
    /// checkpoint is loaded after the lease is taken, even if the generated <c>ResumeAsync</c> loaded it already (for
    /// the inputs): until then another runner may have been executing the run and adding to it.
    /// </summary>
    private async Task BeginPersistentAsync(CancellationToken cancellationToken)
    {
        var store = Runner.Store!;
        RunLeaseKeeper? lease = null;
        try
        {
            lease = await RunLeaseKeeper.AcquireAsync(this, store, cancellationToken).ConfigureAwait(false);
            var checkpoint = await store.LoadAsync(WorkflowKey, RunId, cancellationToken).ConfigureAwait(false);
            if (checkpoint is not null)
            {
                if (checkpoint.InputsJson is { } recorded && SerializeInputs() is { } given && !SameJson(recorded, given))
                {
                    throw new CheckpointException(
                        $"Run {RunId} was started with other inputs ({recorded}) than the ones given now ({given}); resume it with ResumeAsync, or use another run id",
                        WorkflowKey + "/" + RunId);
                }

                ApplyCheckpoint(checkpoint);
            }

            _checkpointer = new Checkpointer(this, store, Runner.CheckpointInterval, lease);
            OnPersistentRunStarting(checkpoint);
            if (checkpoint?.InputsJson is null)
            {
                _checkpointer.SetInputs(SerializeInputs() ?? "{}");
            }
        }
        catch (Exception ex)
        {
            // Nothing ran and nothing was written: the run ends with the error (a corrupt checkpoint stays as it is; a
            // run leased by another runner is left to it).
            if (lease is not null)
            {
                await lease.ReleaseAsync().ConfigureAwait(false);
            }

            Volatile.Write(ref _failure, ex);
            Volatile.Write(ref _phase, RunActive);
            EndRun();
            return;
        }

        Start(cancellationToken);
    }

    private static bool SameJson(string a, string b)
    {
        using var left = JsonDocument.Parse(a);
        using var right = JsonDocument.Parse(b);
        return JsonElement.DeepEquals(left.RootElement, right.RootElement);
    }

    /// <summary>Marks completed graph tasks of a checkpoint as completed (with their results) and counts them in.</summary>
    private void ApplyCheckpoint(RunCheckpoint checkpoint)
    {
        _records = new Dictionary<string, TaskRecord>(StringComparer.Ordinal);
        foreach (var record in checkpoint.Tasks)
        {
            _records[record.Key] = record;
        }

        foreach (var (key, value) in checkpoint.Values)
        {
            _values[key] = value;
        }

        var restored = 0;
        for (var i = 0; i < _staticCount; i++)
        {
            var handle = _tasks[i];
            if (_records.TryGetValue(handle.Key, out var record) && record.State == TaskState.Completed && TryRestore(handle, i, record))
            {
                handle.RestoreCompleted(record.Attempts);
                restored++;
            }
        }

        for (var i = 0; i < _staticCount; i++)
        {
            var handle = _tasks[i];
            if (handle.State == TaskState.Completed)
            {
                continue;
            }

            handle.PendingDependencies = CountIncompleteDependencies(handle, relink: false);
        }

        Interlocked.Add(ref _counts, restored);
    }

    private bool TryRestore(TaskHandle handle, int index, TaskRecord record)
    {
        if (!handle.HasResult)
        {
            return true;
        }

        return record.ResultJson is { } json && RestoreResult(index, json);
    }

    /// <summary>The identity of a dynamic submission: its explicit key, else its parent's identity and its place among the parent's submissions.</summary>
    internal void AssignKey(TaskHandle handle, TaskOptions options, TaskHandle? parent)
    {
        if (options.Key is { } key)
        {
            ClaimKey(handle, key, parent); // throws if another task of this run has the key
            handle.SetKey(key, null, 0);
        }
        else if (parent is not null && ReferenceEquals(parent.Run, this))
        {
            handle.SetKey(null, parent, parent.NextChildOrdinal());
        }
        else
        {
            handle.SetKey(null, null, ++_topLevelSubmissions); // under the tasks lock
        }
    }

    /// <summary>Restores a submitted task from the checkpoint if it completed in an earlier process; true if it did.</summary>
    internal bool TryRestoreSubmission(TaskHandle handle)
    {
        if (_records is null || _records.Count == 0 || !_records.TryGetValue(handle.Key, out var record) || record.State != TaskState.Completed)
        {
            return false;
        }

        if (handle.HasResult && !(record.ResultJson is { } json && handle.RestoreResultJson(json, Serializer)))
        {
            return false;
        }

        return FinishRestored(handle, record.Attempts);
    }

    /// <summary>
    /// A stored result that does not read back (a <see cref="JsonException"/> because the result type changed between
    /// deploys or the record was edited, or whatever the type's converter or constructor threw) is not restored: logged
    /// (event id 8), and the task runs again. Only a record the store cannot read at all fails the run (the store's
    /// <see cref="CheckpointException"/>).
    /// </summary>
    internal void OnResultNotRestored(TaskHandle handle, Type resultType, Exception exception) =>
        Logging.Safely(Runner.Logger, static (logger, s) => Log.ResultNotRestored(logger, s.Handle.Name, s.Handle.Key, s.RunId, s.Type, s.Exception), (Handle: handle, RunId, Type: resultType.ToString(), Exception: exception));

    /// <summary>The result of a completed task as JSON, or null if it has none or its type cannot be serialised; throws what the serializer throws.</summary>
    internal string? ResultToJson(TaskHandle handle) =>
        handle.IsGraphTask ? SerializeResult(handle.Index) : handle.ResultToJson(Serializer);

    /// <summary>
    /// Reports that the run's state could not be stored (by a store or an executor of a sibling package): the failure
    /// follows the runner's error policy (under <see cref="ErrorPolicy.Raise"/> it ends the run), and what is stored
    /// stays as it was.
    /// </summary>
    /// <param name="exception">What went wrong; wrapped in a <see cref="CheckpointException"/> unless it is one.</param>
    public void ReportStoreFailure(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        OnStoreFailure(exception);
    }

    /// <summary>
    /// Another runner took the run's lease over while this one executed it (this one did not renew it in time): the
    /// run ends with <paramref name="lost"/> whatever the error policy (tasks in flight are cancelled), and its
    /// checkpointer writes nothing more, so the records of the runner that has the run now stay as they are.
    /// </summary>
    internal void OnRunLeaseLost(RunLeasedException lost) => Abort(lost);

    /// <summary>A failure of the store during the run follows the error policy; what is stored stays as it was.</summary>
    internal void OnStoreFailure(Exception exception)
    {
        var failure = exception as CheckpointException ?? new CheckpointException($"The checkpoint of {this} could not be stored: {RunTelemetry.SafeMessage(exception)}", WorkflowKey + "/" + RunId, exception);
        if (RaisesFailures)
        {
            Abort(failure);
        }
        else if (Runner.ErrorPolicy == ErrorPolicy.Log)
        {
            Logging.Safely(Runner.Logger, static (logger, s) => Log.StoreFailed(logger, s.RunId, s.Failure), (RunId, Failure: failure));
        }
    }

    // ---------------------------------------------------------------- durable values (side effects, state)

    internal bool TryGetValue(string key, out string json) => _values.TryGetValue(key, out json!);

    /// <summary>Records a value (side effect or state) with the run; with <paramref name="durably"/>, stored before returning.</summary>
    internal async ValueTask SetValueAsync(string key, string json, bool durably, CancellationToken cancellationToken)
    {
        _values[key] = json;
        if (_checkpointer is { } checkpointer)
        {
            if (durably)
            {
                if (!await checkpointer.MayWriteAsync().ConfigureAwait(false))
                {
                    // The lease is lost (nothing more is written), or expired while the store fails: the next batch
                    // tries again.
                    checkpointer.AddValue(key, json);
                    return;
                }

                try
                {
                    await Runner.Store!.SaveAsync(
                        new RunCheckpoint(WorkflowKey, RunId, null, Array.Empty<TaskRecord>(), new Dictionary<string, string> { [key] = json }),
                        cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The value stays recorded in this process; the store failure follows the error policy, and the
                    // next checkpoint batch tries to store it again.
                    checkpointer.AddValue(key, json);
                    OnStoreFailure(ex);
                }
            }
            else
            {
                checkpointer.AddValue(key, json);
            }
        }
    }
}
