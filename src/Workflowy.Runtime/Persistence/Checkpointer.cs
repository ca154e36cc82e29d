using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// The checkpoint of one run: an observer of its terminal tasks that collects their records (and recorded values) and
/// stores them in batches, one batch at a time, on a loop of its own. A failure of the store puts the batch back for
/// the next flush and follows the run's error policy; a result the serializer refuses is logged and the task is
/// recorded without it (a resumed run runs it again).
/// </summary>
internal sealed class Checkpointer
{
    private readonly object _lock = new();
    private readonly WorkflowRun _run;
    private readonly IWorkflowStore _store;
    private readonly TimeSpan _interval;
    private readonly RunLeaseKeeper? _lease;
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    private readonly Task _loop;
    private Dictionary<string, TaskRecord> _tasks = new(StringComparer.Ordinal);
    private Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private string? _inputs;
    private volatile bool _completing;

    public Checkpointer(WorkflowRun run, IWorkflowStore store, TimeSpan interval, RunLeaseKeeper? lease)
    {
        _run = run;
        _store = store;
        _interval = interval;
        _lease = lease;
        _loop = Task.Run(LoopAsync);
    }

    public void SetInputs(string json)
    {
        lock (_lock)
        {
            _inputs = json;
        }

        _signal.Release();
    }

    /// <summary>Records a task that became terminal.</summary>
    public void Add(TaskHandle handle)
    {
        var record = RecordOf(handle);
        lock (_lock)
        {
            _tasks[record.Key] = record;
        }

        _signal.Release();
    }

    /// <summary>Flushes soon (a run status to store).</summary>
    public void Wake() => _signal.Release();

    public void AddValue(string key, string json)
    {
        lock (_lock)
        {
            _values[key] = json;
        }

        _signal.Release();
    }

    /// <summary>Stores what is pending, stops, and releases the run's lease.</summary>
    public async Task CompleteAsync()
    {
        _completing = true;
        _signal.Release();
        await _loop.ConfigureAwait(false);
        if (_lease is { } lease)
        {
            await lease.ReleaseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether the run may write to the store now: it holds its lease (renewed first if it is running out). False once
    /// the lease is lost: nothing more of the run is written.
    /// </summary>
    public ValueTask<bool> MayWriteAsync() => _lease is { } lease ? lease.EnsureHeldAsync() : new(true);

    private TaskRecord RecordOf(TaskHandle handle)
    {
        var state = handle.State;
        string? result = null;
        if (state == TaskState.Completed && handle.HasResult)
        {
            try
            {
                result = _run.ResultToJson(handle);
            }
            catch (Exception ex)
            {
                // The task completed; its result cannot be stored (a NaN, a type the serializer refuses, a getter that
                // throws), so a resumed run will run it again.
                var runner = _run.Runner;
                Logging.Safely(runner.Logger, static (logger, s) => Log.ResultNotStored(logger, s.Task, s.RunId, s.Exception), (Task: handle.Name, _run.RunId, Exception: ex));
                result = null;
            }
        }

        var error = handle.Exception is { } exception ? $"{exception.GetType().Name}: {RunTelemetry.SafeMessage(exception)}" : null;
        return new TaskRecord(handle.Key, state, result, handle.Attempts, error, handle.ExtrasOrNull?.StartedAt, _run.Runner.TimeProvider.GetUtcNow());
    }

    private async Task LoopAsync()
    {
        while (true)
        {
            await _signal.WaitAsync().ConfigureAwait(false);
            if (_interval > TimeSpan.Zero && !_completing)
            {
                await LongWait.Delay(_interval, _run.Runner.TimeProvider).ConfigureAwait(false);
            }

            await FlushAsync().ConfigureAwait(false);
            if (_completing)
            {
                await FlushAsync().ConfigureAwait(false);
                return;
            }
        }
    }

    private async Task FlushAsync()
    {
        Dictionary<string, TaskRecord> tasks;
        Dictionary<string, string> values;
        string? inputs;
        PendingRunStatus.Change? status;
        lock (_lock)
        {
            if (_tasks.Count == 0 && _values.Count == 0 && _inputs is null && !_run.PendingStatus.IsPending)
            {
                return;
            }

            (tasks, _tasks) = (_tasks, new Dictionary<string, TaskRecord>(StringComparer.Ordinal));
            (values, _values) = (_values, new Dictionary<string, string>(StringComparer.Ordinal));
            (inputs, _inputs) = (_inputs, null);
            status = _run.PendingStatus.Take();
        }

        if (!await MayWriteAsync().ConfigureAwait(false))
        {
            if (_lease!.Lost is null)
            {
                // The lease expired and could not be renewed (the store fails): keep the batch for the next flush.
                PutBack(tasks, values, inputs, status);
            }

            // Otherwise another runner has the run now: its records must not be overwritten.
            return;
        }

        try
        {
            await _store.SaveAsync(PendingRunStatus.Apply(new RunCheckpoint(_run.WorkflowKey, _run.RunId, inputs, new List<TaskRecord>(tasks.Values), values), status)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Put the batch back so a later flush can store it, and apply the error policy.
            PutBack(tasks, values, inputs, status);
            try
            {
                _run.OnStoreFailure(ex);
            }
            catch (Exception reportFailure)
            {
                // The store is the user's (its exception's message may throw while it is reported): the loop must live
                // on, or no later batch (nor the run's end) would ever be stored.
                Logging.Safely(_run.Runner.Logger, static (logger, s) => Log.StoreFailed(logger, s.RunId, s.Exception), (_run.RunId, Exception: new AggregateException(ex, reportFailure)));
            }
        }
    }

    /// <summary>Puts a batch that was not stored back (newer entries win).</summary>
    private void PutBack(Dictionary<string, TaskRecord> tasks, Dictionary<string, string> values, string? inputs, PendingRunStatus.Change? status)
    {
        lock (_lock)
        {
            foreach (var (key, record) in tasks)
            {
                _tasks.TryAdd(key, record);
            }

            foreach (var (key, value) in values)
            {
                _values.TryAdd(key, value);
            }

            _inputs ??= inputs;
        }

        _run.PendingStatus.PutBack(status);
    }
}
