using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

// Attempts: arming a timeout, invoking the body in the right execution context, and deciding the attempt's outcome
// (completed, cancelled, retried after a backoff, failed), whoever ends it first: the body or its timeout.
public abstract partial class WorkflowRun
{
    private TaskHandle? RunAttempt(TaskHandle handle, TaskState from, int attempt, TaskExecutor executor, out bool retire)
    {
        retire = false;
        var serial = executor as SerialExecutor;
        var options = handle.Options;
        var timed = options.Timeout is not null;
        var token = handle.ObservesCancellation || timed
            ? handle.CreateAttemptToken(_cancellation.Token)
            : default;
        if (options.Timeout is { } timeout)
        {
            var timedExtras = handle.Extras;
            Volatile.Write(ref timedExtras.AttemptClaim, attempt);
            timedExtras.InlineThread = Environment.CurrentManagedThreadId;
            timedExtras.TimeoutTimer = LongWait.CreateTimer(
                Runner.TimeProvider,
                static state => ((TimeoutState)state!).Fire(),
                new TimeoutState(handle, attempt, timeout),
                timeout);
        }

        Changed(handle, from, TaskState.Running);
        if (_checkpointer is not null)
        {
            handle.Extras.StartedAt = Runner.TimeProvider.GetUtcNow();
        }

        if (WorkflowyDiagnostics.MetricsEnabled)
        {
            RunTelemetry.RecordStart(handle);
        }

        if (serial is not null || handle.ExtrasOrNull is not null)
        {
            handle.Extras.SerialOwner = serial;
            handle.Extras.SerialPending = false;
        }

        // The thread is in the run's execution context (EnterContext); a task submitted from another flow runs in its own.
        var captured = handle.ExtrasOrNull?.CapturedContext;
        var body = InvokeBody(handle, token, captured is not null && !ReferenceEquals(captured, _context) ? captured : null);
        if (timed && Interlocked.Exchange(ref handle.Extras.InlineThread, 0) is < 0 and var abandonment)
        {
            // The attempt timed out while this thread was inside it: its outcome was decided then. A thread that was
            // replaced retires; one that kept its place (the serial thread, a custom executor's, or any past the
            // abandoned-thread limit) goes on.
            Observe(body);
            if (abandonment == AbandonedReplaced)
            {
                Runner.ReleaseAbandonedThread();
                executor.OnAbandonedReturned();
                retire = true;
            }

            return null;
        }

        if (!body.IsCompleted)
        {
            if (serial is not null)
            {
                handle.Extras.SerialPending = true;
            }

            FinishLater(handle, attempt, body);
            return null;
        }

        return CompleteAttempt(handle, attempt, ErrorOf(body));
    }

    private ValueTask InvokeBody(TaskHandle handle, CancellationToken token, ExecutionContext? context)
    {
        if (context is null)
        {
            return InvokeBodyHere(handle, token);
        }

        var call = new BodyCall(this, handle, token);
        ExecutionContext.Run(context, static state => ((BodyCall)state!).Invoke(), call);
        return call.Result;
    }

    private ValueTask InvokeBodyHere(TaskHandle handle, CancellationToken token) =>
        !handle.ReturnsTask && !Runner.LogsScopes && !WorkflowyDiagnostics.Source.HasListeners() && !Runner.AlwaysFlowThroughline
            ? InvokeSynchronousBody(handle, token)
            : InvokeBodyInFrame(handle, token);

    /// <summary>
    /// A body that gets its throughline frame up front (an asynchronous one, or with a log scope or an activity to set
    /// up); apart from <see cref="InvokeBodyHere"/> so that the synchronous path does not pay for this one's frame.
    /// </summary>
    private ValueTask InvokeBodyInFrame(TaskHandle handle, CancellationToken token)
    {
        // The body runs in a copy of this thread's execution context holding the task's throughline frame, its
        // log scope and its activity; the context is restored afterwards (async bodies keep their copy).
        var saved = ExecutionContext.Capture();
        var previousFrame = Throughline.Current;
        var previousActivity = Activity.Current;
        try
        {
            var frame = Throughline.EnterTask(handle, previousFrame);
            handle.Extras.Frame = frame;
            if (Runner.LogsScopes)
            {
                // The scope ends with the execution context restored below; a logger that refuses it changes nothing.
                Logging.Safely(Runner.Logger, static (logger, scope) => logger.BeginScope(scope), new TaskLogScope(RunId, handle.Name, handle.Attempts, frame.ToString()));
            }

            if (WorkflowyDiagnostics.Source.HasListeners())
            {
                handle.Extras.AttemptActivity = RunTelemetry.StartAttempt(handle, _activity);
            }

            return handle.InvokeBody(token);
        }
        catch (Exception ex) when (Throughline.TagWhereThrown(ex))
        {
            // Never reached: the filter tags the exception with the frame active where it was thrown and says no.
            throw;
        }
        catch (Exception ex)
        {
            return ValueTask.FromException(ex);
        }
        finally
        {
            if (saved is not null)
            {
                ExecutionContext.Restore(saved);
            }
            else
            {
                Throughline.Restore(previousFrame);
                Activity.Current = previousActivity;
            }
        }
    }

    /// <summary>
    /// A synchronous body with no log scope or activity to set up: it runs on this thread's execution context, its
    /// throughline frame made only if something asks for it (see <see cref="Throughline"/>), and the context is put back
    /// afterwards if the body changed it.
    /// </summary>
    private static ValueTask InvokeSynchronousBody(TaskHandle handle, CancellationToken token)
    {
        var saved = ExecutionContext.Capture();
        var previous = Throughline.EnterPending(handle, saved);
        var failed = false;
        try
        {
            return handle.InvokeBody(token);
        }
        catch (Exception ex) when (Throughline.TagWhereThrown(ex))
        {
            // Never reached: the filter tags the exception with the frame active where it was thrown and says no.
            throw;
        }
        catch (Exception ex)
        {
            failed = true;
            return ValueTask.FromException(ex);
        }
        finally
        {
            Throughline.ExitPending(previous);
            if (!ReferenceEquals(ExecutionContext.Capture(), saved) && saved is not null)
            {
                ExecutionContext.Restore(saved);
            }

            if (failed)
            {
                // The failure carries the task's frame (made now, in the body's starting context, if nothing asked for it).
                Throughline.MakeFrame(handle);
            }
        }
    }

    private void FinishLater(TaskHandle handle, int attempt, ValueTask body)
    {
        // The attempt outlives this thread's step: it holds an in-flight count until the task is terminal.
        HoldFlight(handle);

        var awaiter = body.ConfigureAwait(false).GetAwaiter();
        awaiter.UnsafeOnCompleted(() =>
        {
            // A continuation has no caller to report to: whatever happens here must end the task, never the process.
            try
            {
                var next = CompleteAttempt(handle, attempt, ErrorOf(body));
                if (next is not null)
                {
                    Enqueue(next);
                }
            }
            catch (Exception ex)
            {
                Abort(ex);
            }
        });
    }

    private static Exception? ErrorOf(ValueTask body)
    {
        if (body.IsCompletedSuccessfully)
        {
            return null;
        }

        try
        {
            body.GetAwaiter().GetResult();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private static void Observe(ValueTask body)
    {
        if (body.IsCompleted)
        {
            _ = ErrorOf(body);
        }
        else
        {
            var task = body.AsTask();
            task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>Decides which of an attempt's end and its timeout counts (only timed attempts can race).</summary>
    private static bool TryClaim(TaskHandle handle, int attempt) =>
        handle.ExtrasOrNull is not { } extras || Volatile.Read(ref extras.AttemptClaim) == 0 || Interlocked.CompareExchange(ref extras.AttemptClaim, -attempt, attempt) == attempt;

    /// <summary>Decides the outcome of an attempt: completed, cancelled, retried or failed.</summary>
    private TaskHandle? CompleteAttempt(TaskHandle handle, int attempt, Exception? error)
    {
        if (!TryClaim(handle, attempt))
        {
            // The attempt timed out first; its outcome is already decided and this result is discarded.
            return null;
        }

        var cancelled = handle.CancelRequested || _cancellation.IsCancellationRequested;
        handle.EndAttempt();
        var serial = handle.ExtrasOrNull?.SerialOwner;
        if (serial is not null)
        {
            handle.Extras.SerialOwner = null;
        }

        try
        {
            if (error is null)
            {
                RunTelemetry.EndAttempt(handle, "completed", null);
                return Finish(handle, TaskState.Running, TaskState.Completed, null, EndCause.Attempt);
            }

            Throughline.Tag(error, handle.ExtrasOrNull?.Frame);
            if (cancelled)
            {
                RunTelemetry.EndAttempt(handle, "cancelled", error);
                return Finish(handle, TaskState.Running, TaskState.Cancelled, new TaskCancelledException(handle.Name, RunId, error), EndCause.Attempt);
            }

            var options = handle.Options;
            Exception? filterError = null;
            if (attempt < options.MaxAttempts && IsRetryable(options, error, out filterError))
            {
                RunTelemetry.EndAttempt(handle, "retrying", error);
                ScheduleRetry(handle, attempt, error);
                return null;
            }

            RunTelemetry.EndAttempt(handle, "failed", error);
            Exception final = filterError is not null
                ? new RetriesExhaustedException(handle.Name, RunId, attempt, new AggregateException("The task's RetryOn filter threw while deciding whether to retry.", error, filterError))
                : attempt > 1 && attempt >= options.MaxAttempts
                    ? new RetriesExhaustedException(handle.Name, RunId, attempt, error)
                    : error;
            Throughline.Tag(final, handle.ExtrasOrNull?.Frame);
            return Finish(handle, TaskState.Running, TaskState.Failed, final, EndCause.Attempt);
        }
        finally
        {
            serial?.AttemptEnded();
        }
    }

    /// <summary>Asks the task's <see cref="TaskOptions.RetryOn"/> filter; a filter that throws retries nothing (the task fails with both errors).</summary>
    private static bool IsRetryable(TaskOptions options, Exception error, out Exception? filterError)
    {
        filterError = null;
        try
        {
            return options.IsRetryable(error);
        }
        catch (Exception ex)
        {
            filterError = ex;
            return false;
        }
    }

    private void OnTimeout(TaskHandle handle, int attempt, TimeSpan timeout)
    {
        if (!TryClaim(handle, attempt))
        {
            return;
        }

        var abandonment = Abandon(handle);
        var abandoned = abandonment.Mark != 0;

        // A callback registered on the token by the body that throws is logged; the body's outcome no longer counts.
        Logging.CancelSafely(handle.AttemptCancellation, this);

        handle.EndAttempt();
        if (abandoned)
        {
            Logging.Safely(Runner.Logger, static (logger, s) => Log.BodyAbandoned(logger, s.Name, s.RunId, s.Seconds, s.Attempt, s.Thread), (handle.Name, RunId, Seconds: timeout.TotalSeconds, Attempt: attempt, Thread: abandonment.Thread));
        }

        var serial = handle.ExtrasOrNull?.SerialOwner;
        if (serial is not null)
        {
            handle.Extras.SerialOwner = null;
        }

        var timedOut = new TaskTimeoutException(handle.Name, RunId, attempt, timeout, abandoned);
        Exception exception = abandonment.Mark == AbandonedRefused
            ? new AbandonedThreadLimitException(handle.Name, RunId, Runner.MaxAbandonedThreads, timedOut)
            : timedOut;
        Throughline.Tag(exception, handle.ExtrasOrNull?.Frame);
        RunTelemetry.EndAttempt(handle, "timeout", exception);
        var next = Finish(handle, TaskState.Running, TaskState.Failed, exception, EndCause.Attempt);
        serial?.AttemptEnded();
        if (next is not null)
        {
            Enqueue(next);
        }
    }

    /// <summary>
    /// A timed-out attempt whose body is still running synchronously on a thread: decides, with one compare-exchange on
    /// the attempt's thread mark, whether the body is abandoned there (the body's thread reads the mark when it returns)
    /// and whether a replacement thread takes its place: the executor must replace its threads, and the runner's
    /// <see cref="WorkflowRunner.MaxAbandonedThreads"/> must allow one more. Returns the thread and the mark, or
    /// (0, 0) if the body was not on a thread (it awaits, or it returned meanwhile).
    /// </summary>
    private (int Thread, int Mark) Abandon(TaskHandle handle)
    {
        var extras = handle.Extras;
        var thread = Volatile.Read(ref extras.InlineThread);
        if (thread <= 0)
        {
            return (0, 0);
        }

        var executor = Runner.ExecutorOf(handle.Backend);
        var replaces = executor.RetiresAbandonedThreads;
        var reserved = replaces && Runner.TryReserveAbandonedThread();
        var mark = !replaces ? AbandonedKept : reserved ? AbandonedReplaced : AbandonedRefused;
        if (Interlocked.CompareExchange(ref extras.InlineThread, mark, thread) != thread)
        {
            // The body returned in the meantime: nothing is abandoned.
            if (reserved)
            {
                Runner.ReleaseAbandonedThread();
            }

            return (0, 0);
        }

        if (reserved)
        {
            executor.OnAbandoned();
        }

        return (thread, mark);
    }

    // Marks of an attempt's thread once its timeout abandoned the body there (TaskHandleExtras.InlineThread holds the
    // managed thread id while the body runs on it).
    private const int AbandonedReplaced = -1;
    private const int AbandonedKept = -2;
    private const int AbandonedRefused = -3;

    private void ScheduleRetry(TaskHandle handle, int attempt, Exception error)
    {
        // The wait outlives this thread's step: the task holds an in-flight count until its next attempt starts.
        HoldFlight(handle);

        handle.SetException(error);
        var options = handle.Options;
        var delay = options.DelayAfter(attempt);
        if (options.BackoffJitter > 0 && delay > TimeSpan.Zero)
        {
            delay -= TimeSpan.FromTicks((long)(delay.Ticks * options.BackoffJitter * Random.Shared.NextDouble()));
        }

        Logging.Safely(Runner.Logger, static (logger, s) => Log.Retrying(logger, s.Name, s.RunId, s.Attempt, s.Delay, s.Error), (handle.Name, RunId, Attempt: attempt, Delay: delay.TotalMilliseconds, Error: error));
        var token = handle.CreateAttemptToken(_cancellation.Token);
        handle.Extras.NextAttemptAt = Runner.TimeProvider.GetUtcNow() + delay;
        if (delay <= TimeSpan.Zero)
        {
            handle.SetState(TaskState.Retrying);
            Changed(handle, TaskState.Running, TaskState.Retrying);
            AfterBackoff(handle, token.IsCancellationRequested);
            return;
        }

        // The wait is armed before the task is seen Retrying, so an observer that reacts to Retrying (a test
        // advancing a fake clock, say) measures the backoff from the failure.
        var wait = LongWait.Delay(delay, Runner.TimeProvider, token);
        handle.SetState(TaskState.Retrying);
        Changed(handle, TaskState.Running, TaskState.Retrying);
        wait.ContinueWith(
            static (delayTask, state) =>
            {
                var h = (TaskHandle)state!;
                try
                {
                    h.Run.AfterBackoff(h, delayTask.IsCanceled);
                }
                catch (Exception ex)
                {
                    h.Run.AbortOnEngineFailure(ex);
                }
            },
            handle,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void AfterBackoff(TaskHandle handle, bool cancelled)
    {
        handle.EndAttempt();
        if (cancelled || handle.CancelRequested || _cancellation.IsCancellationRequested)
        {
            var next = Finish(handle, TaskState.Retrying, TaskState.Cancelled, new TaskCancelledException(handle.Name, RunId, handle.Exception), EndCause.Attempt);
            if (next is not null)
            {
                Enqueue(next);
            }

            return;
        }

        Enqueue(handle);
    }

    private sealed class TimeoutState(TaskHandle handle, int attempt, TimeSpan timeout)
    {
        public void Fire()
        {
            // A timer callback has no caller to report to: an exception here would end the process.
            try
            {
                handle.Run.OnTimeout(handle, attempt, timeout);
            }
            catch (Exception ex)
            {
                handle.Run.AbortOnEngineFailure(ex);
            }
        }
    }

    private sealed class BodyCall(WorkflowRun run, TaskHandle handle, CancellationToken token)
    {
        public ValueTask Result { get; private set; }

        public void Invoke() => Result = run.InvokeBodyHere(handle, token);
    }
}
