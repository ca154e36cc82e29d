using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Threading;

namespace Workflowy;

// Admission: the gate a ready task with concurrency keys or a result cache passes before it is posted to its executor
// (Enqueue asks; the readied-inline path of Propagate does not take such tasks). Tasks without either never get here:
// their cost is one flag test. See docs/concurrency-and-caching.md.
public abstract partial class WorkflowRun
{
    // The gated tasks of this run that took a ticket: their slots are given up when the run ends, whatever state their
    // tasks were left in (a task that never started stays Pending after a failure and never becomes terminal).
    private List<AdmissionTicket>? _tickets;

    /// <summary>
    /// The named argument values of graph task <paramref name="index"/>, for its concurrency and cache keys; generated
    /// for the tasks that have <c>[ConcurrencyKey]</c> or <c>[CacheResult]</c> (null for the others).
    /// </summary>
    /// <param name="index">The task's graph index; its dependencies are terminal when this is called.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual TaskArguments? ArgumentsOf(int index) => null;

    /// <summary>
    /// Admission of a ready gated task: true when the gate took it (it waits for a slot, takes another call's outcome,
    /// was served from the cache, or was refused), false when the caller posts it to its executor now.
    /// </summary>
    private bool HoldForAdmission(TaskHandle handle)
    {
        var extras = handle.Extras;
        if (extras.Ticket is { Admitted: true, Released: 0 })
        {
            // A retry, or a re-post to another executor: admitted already.
            return false;
        }

        var options = handle.Options;
        if (handle.State != TaskState.Ready || _aborting || _cancellation.IsCancellationRequested ||
            (handle.HasIncompleteDependency && options.OnDependencyFailure != DependencyFailure.RunAnyway))
        {
            // The step ends it (cancelled, not started, or failed by its dependencies) without running it.
            return false;
        }

        TaskArguments arguments;
        try
        {
            arguments = (handle.IsGraphTask ? ArgumentsOf(handle.Index) : options.Arguments) ?? new TaskArguments(0);
        }
        catch (Exception ex)
        {
            EndWithoutRunning(handle, TaskState.Failed, new WorkflowException($"Task '{handle.Name}' in run {RunId}: its key arguments could not be read: {RunTelemetry.SafeMessage(ex)}", ex) { TaskName = handle.Name, RunId = RunId });
            return true;
        }

        var ticket = new AdmissionTicket(handle, arguments);
        extras.Ticket = ticket;
        lock (_tasksLock)
        {
            (_tickets ??= new List<AdmissionTicket>()).Add(ticket);
        }

        var gate = Runner.Admission;
        var identity = handle.IsGraphTask ? Graph.FullName + "." + handle.Name : options.Name ?? handle.Name;
        if (options.Cache is { } cache)
        {
            var key = new ResultCacheKey(identity, arguments, cache.Exclude);
            object? cached;
            bool hit;
            lock (gate.Sync)
            {
                hit = TryGetCached(handle, key, out cached);
                if (!hit)
                {
                    if (gate.FlightOf(key) is { } waiters)
                    {
                        // Computing already: this call takes that call's result.
                        waiters.Add(handle);
                        return true;
                    }

                    gate.BeginFlight(key);
                    ticket.Flight = key;
                    ticket.CacheTimeToLive = cache.TimeToLive;
                }
            }

            if (hit)
            {
                CompleteWith(handle, cached, ResultSource.Cache, null);
                return true;
            }
        }

        if (options.Concurrency is { } concurrency && !AdmitByKey(handle, ticket, concurrency, identity, gate))
        {
            return true;
        }

        ticket.Admitted = true;
        return false;
    }

    /// <summary>The concurrency decision; false when the task does not go to its executor now.</summary>
    private bool AdmitByKey(TaskHandle handle, AdmissionTicket ticket, ConcurrencyOptions concurrency, string identity, AdmissionGate gate)
    {
        var keyArguments = new TaskArguments(concurrency.KeyArguments.Count);
        foreach (var name in concurrency.KeyArguments)
        {
            if (ticket.Arguments.IndexOf(name) is var at and >= 0)
            {
                keyArguments.Add(name, ticket.Arguments.At(at).Value);
            }
            else
            {
                EndWithoutRunning(handle, TaskState.Failed, new WorkflowException($"Task '{handle.Name}' in run {RunId} has the concurrency key argument '{name}', but no argument of that name was given; add it to TaskOptions.Arguments.") { TaskName = handle.Name, RunId = RunId });
                return false;
            }
        }

        var key = new ResultCacheKey(identity, keyArguments);
        Exception? refusal = null;
        AdmissionTicket? leader = null;
        lock (gate.Sync)
        {
            var state = gate.KeyOf(key);
            if (state.Running < concurrency.MaxRunning)
            {
                state.Running++;
                ticket.Key = state;
                ticket.Running = true;
                return true;
            }

            switch (concurrency.OnLimit)
            {
                case ConcurrencyLimit.Reuse when state.Pending.Count >= concurrency.MaxPending:
                    leader = PendingToReuse(state, ticket, concurrency, out var mismatch);
                    if (leader is null)
                    {
                        refusal = mismatch;
                    }
                    else
                    {
                        (leader.Followers ??= new List<TaskHandle>()).Add(handle);
                    }

                    break;
                case ConcurrencyLimit.Queue or ConcurrencyLimit.Reuse when state.Pending.Count < concurrency.MaxPending:
                    state.Pending.Add(ticket);
                    ticket.Key = state;
                    ticket.Pending = true;
                    return false;
                default:
                    refusal = new ConcurrencyRejectedException(
                        handle.Name,
                        RunId,
                        key.ToString(),
                        concurrency.OnLimit == ConcurrencyLimit.Reject
                            ? $"has {state.Running} running call(s), its limit (MaxRunning = {concurrency.MaxRunning})"
                            : $"has {state.Pending.Count} pending call(s), its limit (MaxPending = {concurrency.MaxPending})");
                    gate.Forget(state);
                    break;
            }
        }

        if (leader is not null)
        {
            ticket.ReusedFrom = leader.Handle;
            return false;
        }

        EndWithoutRunning(handle, refusal is ConcurrencyRejectedException ? TaskState.Skipped : TaskState.Failed, refusal!);
        return false;
    }

    /// <summary>Under the gate's lock: the pending call a Reuse call takes the outcome of, or null and the mismatch.</summary>
    private AdmissionTicket? PendingToReuse(AdmissionGate.KeyState state, AdmissionTicket ticket, ConcurrencyOptions concurrency, out Exception? mismatch)
    {
        mismatch = null;
        foreach (var pending in state.Pending)
        {
            if (FirstDifference(pending.Arguments, ticket.Arguments, concurrency.KeyArguments) is null)
            {
                return pending;
            }
        }

        var oldest = state.Pending[0];
        if (concurrency.OnArgumentMismatch == ArgumentMismatch.KeepFirst)
        {
            return oldest;
        }

        var name = FirstDifference(oldest.Arguments, ticket.Arguments, concurrency.KeyArguments)!;
        var pendingValue = oldest.Arguments.IndexOf(name) is var p and >= 0 ? AdmissionText.Value(oldest.Arguments.At(p).Value) : "(not given)";
        var value = ticket.Arguments.IndexOf(name) is var v and >= 0 ? AdmissionText.Value(ticket.Arguments.At(v).Value) : "(not given)";
        mismatch = new ConcurrencyArgumentMismatchException(ticket.Handle.Name, RunId, name, pendingValue, value);
        return null;
    }

    /// <summary>The first argument outside the key whose values differ (or that only one call has); null if none.</summary>
    private static string? FirstDifference(TaskArguments first, TaskArguments second, IReadOnlyList<string> key)
    {
        foreach (var argument in second)
        {
            if (IsKey(argument.Key, key))
            {
                continue;
            }

            var at = first.IndexOf(argument.Key);
            if (at < 0 || !Equals(first.At(at).Value, argument.Value))
            {
                return argument.Key;
            }
        }

        foreach (var argument in first)
        {
            if (!IsKey(argument.Key, key) && !second.Contains(argument.Key))
            {
                return argument.Key;
            }
        }

        return null;

        static bool IsKey(string name, IReadOnlyList<string> key)
        {
            for (var i = 0; i < key.Count; i++)
            {
                if (string.Equals(key[i], name, StringComparison.Ordinal))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>A gated task became terminal: its slot goes to the next pending call, its outcome to its followers, its result to the cache.</summary>
    private void OnGatedTerminal(TaskHandle handle)
    {
        if (handle.ExtrasOrNull?.Ticket is { } ticket)
        {
            Release(ticket);
        }
    }

    /// <summary>The run ended: every ticket of it still holding something gives it up (tasks left not started included).</summary>
    private void ReleaseAdmissions()
    {
        List<AdmissionTicket>? tickets;
        lock (_tasksLock)
        {
            tickets = _tickets;
            _tickets = null;
        }

        if (tickets is null)
        {
            return;
        }

        foreach (var ticket in tickets)
        {
            Release(ticket);
        }
    }

    private void Release(AdmissionTicket ticket)
    {
        if (Interlocked.Exchange(ref ticket.Released, 1) != 0)
        {
            return;
        }

        var handle = ticket.Handle;
        var gate = Runner.Admission;
        var state = handle.State;
        if (ticket.Flight is { } flight && state == TaskState.Completed)
        {
            // Stored before the flight ends, so that a call arriving in between finds the result.
            var now = Runner.TimeProvider.GetUtcNow();
            try
            {
                Runner.ResultCache.Set(flight, handle.BoxedResult, now + ticket.CacheTimeToLive);
            }
            catch (Exception ex)
            {
                // A cache given in WorkflowRunner.ResultCache is the user's: its failure leaves the result uncached.
                Logging.Safely(Runner.Logger, static (logger, s) => Log.ResultCacheFailed(logger, "Set", s.Name, s.RunId, s.ex), (handle.Name, RunId, ex));
            }
        }

        List<AdmissionTicket>? next = null;
        List<TaskHandle>? followers;
        List<TaskHandle>? waiters = null;
        lock (gate.Sync)
        {
            if (ticket.Key is { } key)
            {
                if (ticket.Running)
                {
                    key.Running--;
                    while (key.Pending.Count > 0 && key.Running < MaxRunningOf(key.Pending[0].Handle))
                    {
                        var candidate = key.Pending[0];
                        key.Pending.RemoveAt(0);
                        candidate.Pending = false;
                        if (candidate.Handle.State != TaskState.Ready || Volatile.Read(ref candidate.Released) != 0)
                        {
                            continue;
                        }

                        key.Running++;
                        candidate.Running = true;
                        candidate.Admitted = true;
                        (next ??= new List<AdmissionTicket>()).Add(candidate);
                    }
                }
                else if (ticket.Pending)
                {
                    key.Pending.Remove(ticket);
                }

                ticket.Running = false;
                ticket.Pending = false;
                gate.Forget(key);
            }

            followers = ticket.Followers;
            ticket.Followers = null;
            if (ticket.Flight is { } ended)
            {
                waiters = gate.EndFlight(ended);
            }
        }

        // Out of the key's pending list now: no one compares its arguments any more.
        ticket.ForgetArguments();
        if (next is not null)
        {
            foreach (var admitted in next)
            {
                admitted.Handle.Run.PostAdmitted(admitted.Handle);
            }
        }

        if (followers is not null)
        {
            foreach (var follower in followers)
            {
                follower.Run.FollowOutcome(follower, handle, ResultSource.Reused);
            }
        }

        if (waiters is not null)
        {
            foreach (var waiter in waiters)
            {
                if (state == TaskState.Completed)
                {
                    waiter.Run.FollowOutcome(waiter, handle, ResultSource.Cache);
                }
                else
                {
                    // A failure is not cached: the waiters run again (the first of them computes, the others wait for it).
                    waiter.Run.ReadmitAfterFailedFlight(waiter);
                }
            }
        }
    }

    private bool TryGetCached(TaskHandle handle, ResultCacheKey key, out object? cached)
    {
        try
        {
            return Runner.ResultCache.TryGet(key, Runner.TimeProvider.GetUtcNow(), out cached);
        }
        catch (Exception ex)
        {
            // A cache that throws is a miss: the task runs.
            Logging.Safely(Runner.Logger, static (logger, s) => Log.ResultCacheFailed(logger, "TryGet", s.Name, s.RunId, s.ex), (handle.Name, RunId, ex));
            cached = null;
            return false;
        }
    }

    private static int MaxRunningOf(TaskHandle handle) => handle.Options.Concurrency?.MaxRunning ?? 1;

    /// <summary>A pending call got its slot: it goes to its executor (a run that ended meanwhile lets the step drop it).</summary>
    private void PostAdmitted(TaskHandle handle) => Enqueue(handle);

    private void ReadmitAfterFailedFlight(TaskHandle handle)
    {
        if (!HoldForAdmission(handle))
        {
            Enqueue(handle);
        }
    }

    /// <summary>A call that waited for another (Reuse, or a cache flight) ends as that call did.</summary>
    private void FollowOutcome(TaskHandle follower, TaskHandle source, ResultSource how)
    {
        var state = source.State;
        if (state == TaskState.Completed)
        {
            CompleteWith(follower, source.BoxedResult, how, source);
            return;
        }

        var exception = source.Exception ?? new TaskCancelledException(follower.Name, RunId);
        EndWithoutRunning(follower, TaskHandle.IsTerminalState(state) ? state : TaskState.Cancelled, exception);
    }

    /// <summary>Ends a ready task completed with <paramref name="value"/> without running its body.</summary>
    private void CompleteWith(TaskHandle handle, object? value, ResultSource how, TaskHandle? source)
    {
        if (!handle.TrySetBoxedResult(value))
        {
            EndWithoutRunning(handle, TaskState.Failed, new WorkflowException($"Task '{handle.Name}' in run {RunId} would take a result of type {value?.GetType().Name ?? "null"} from {(how == ResultSource.Cache ? "the result cache" : "task '" + source?.Name + "'")}, which its result type does not hold; give tasks with different result types different names.") { TaskName = handle.Name, RunId = RunId });
            return;
        }

        if (handle.ExtrasOrNull?.Ticket is { } ticket)
        {
            ticket.ResultSource = how;
            if (source is not null && how == ResultSource.Reused)
            {
                ticket.ReusedFrom = source;
            }
        }

        EndWithoutRunning(handle, TaskState.Completed, null);
    }

    /// <summary>Ends a ready task that did not run; a failure follows the error policy as any failure does.</summary>
    private void EndWithoutRunning(TaskHandle handle, TaskState to, Exception? exception)
    {
        if (!TryFinish(handle, TaskState.Ready, to, exception, EndCause.Admission, out var next))
        {
            return;
        }

        if (next is not null)
        {
            Enqueue(next);
        }
    }
}
