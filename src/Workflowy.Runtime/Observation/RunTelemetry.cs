using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Workflowy;

/// <summary>
/// Traces and metrics of runs and attempts (see <see cref="WorkflowyDiagnostics"/>): an activity per run and per
/// attempt, attempt counters and durations, end-of-task counters. Every entry point is cheap when nothing listens.
/// </summary>
internal static class RunTelemetry
{
    /// <summary>One activity per run (per pass, for reruns); the caller's current activity is left as it was.</summary>
    public static Activity? StartRun(WorkflowRun run)
    {
        if (!WorkflowyDiagnostics.Source.HasListeners())
        {
            return null;
        }

        var previous = Activity.Current;
        try
        {
            var activity = WorkflowyDiagnostics.Source.StartActivity("run " + run.Graph.Name, ActivityKind.Internal);
            activity?.SetTag(WorkflowyDiagnostics.WorkflowTag, run.Graph.Name);
            activity?.SetTag(WorkflowyDiagnostics.RunTag, run.RunId);
            return activity;
        }
        catch (Exception)
        {
            // An activity listener is the user's code: a listener that throws costs the run its trace, nothing more.
            return null;
        }
        finally
        {
            Activity.Current = previous;
        }
    }

    public static void EndRun(Activity? activity, Exception? failure, bool cancelled)
    {
        if (activity is null)
        {
            return;
        }

        try
        {
            var outcome = failure is not null ? "failed" : cancelled ? "cancelled" : "completed";
            activity.SetTag(WorkflowyDiagnostics.OutcomeTag, outcome);
            if (failure is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error, SafeMessage(failure));
            }

            activity.Stop();
        }
        catch (Exception)
        {
            // A listener's ActivityStopped callback threw: the run's end does not depend on it.
        }
    }

    public static Activity? StartAttempt(TaskHandle handle, Activity? runActivity)
    {
        var parent = handle.ExtrasOrNull?.ParentActivity ?? runActivity?.Context ?? default;
        try
        {
            var activity = WorkflowyDiagnostics.Source.StartActivity(handle.Name, ActivityKind.Internal, parent);
            if (activity is not null)
            {
                activity.SetTag(WorkflowyDiagnostics.WorkflowTag, handle.Run.Graph.Name);
                activity.SetTag(WorkflowyDiagnostics.RunTag, handle.Run.RunId);
                activity.SetTag(WorkflowyDiagnostics.TaskTag, handle.Name);
                activity.SetTag(WorkflowyDiagnostics.AttemptTag, handle.Attempts);
                activity.SetTag(WorkflowyDiagnostics.BackendTag, BackendName(handle.Backend));
            }

            return activity;
        }
        catch (Exception)
        {
            // A listener's ActivityStarted callback threw: the attempt runs without its span.
            return null;
        }
    }

    public static void RecordStart(TaskHandle handle)
    {
        try
        {
            RecordStartCore(handle);
        }
        catch (Exception)
        {
            // A MeterListener's measurement callback is the user's code: a failure there changes nothing.
        }
    }

    private static void RecordStartCore(TaskHandle handle)
    {
        var now = Stopwatch.GetTimestamp();
        var tags = WorkflowyDiagnostics.Tags(handle);
        WorkflowyDiagnostics.Started.Add(1, tags);
        var extras = handle.Extras;
        if (extras.ReadyTimestamp != 0)
        {
            WorkflowyDiagnostics.QueueWait.Record(Stopwatch.GetElapsedTime(extras.ReadyTimestamp, now).TotalSeconds, tags);
            extras.ReadyTimestamp = 0;
        }

        extras.StartTimestamp = now;
    }

    /// <summary>Closes the attempt's activity, records its duration, and counts a retry.</summary>
    // The checks are apart from the try blocks, so that the hot path inlines them without the exception handling.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void EndAttempt(TaskHandle handle, string outcome, Exception? error)
    {
        if (handle.ExtrasOrNull is not null || WorkflowyDiagnostics.Duration.Enabled || WorkflowyDiagnostics.Retried.Enabled)
        {
            EndAttemptSafely(handle, outcome, error);
        }
    }

    private static void EndAttemptSafely(TaskHandle handle, string outcome, Exception? error)
    {
        try
        {
            EndAttemptSlow(handle, outcome, error);
        }
        catch (Exception)
        {
            // A listener (activity or meter) threw, or the exception's message did while it was recorded.
        }
    }

    private static void EndAttemptSlow(TaskHandle handle, string outcome, Exception? error)
    {
        var extras = handle.ExtrasOrNull;
        if (extras is not null && Interlocked.Exchange(ref extras.AttemptActivity, null) is { } activity)
        {
            activity.SetTag(WorkflowyDiagnostics.OutcomeTag, outcome);
            try
            {
                if (error is not null && outcome != "completed")
                {
                    activity.SetStatus(ActivityStatusCode.Error, SafeMessage(error));
                    activity.AddException(error);
                }
            }
            catch (Exception)
            {
                // AddException reads the exception's message and stack trace: user exceptions can throw there.
            }
            finally
            {
                activity.Stop();
            }
        }

        if (WorkflowyDiagnostics.Duration.Enabled && extras is { StartTimestamp: not 0 })
        {
            var tags = WorkflowyDiagnostics.Tags(handle);
            tags.Add(WorkflowyDiagnostics.OutcomeTag, outcome);
            WorkflowyDiagnostics.Duration.Record(Stopwatch.GetElapsedTime(extras.StartTimestamp).TotalSeconds, tags);
        }

        if (outcome == "retrying" && WorkflowyDiagnostics.Retried.Enabled)
        {
            WorkflowyDiagnostics.Retried.Add(1, WorkflowyDiagnostics.Tags(handle));
        }
    }

    /// <summary>Counts a task that ended, by state.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CountEnd(TaskHandle handle, TaskState state)
    {
        if (WorkflowyDiagnostics.AnyCounterEnabled)
        {
            CountEndSafely(handle, state);
        }
    }

    private static void CountEndSafely(TaskHandle handle, TaskState state)
    {
        try
        {
            CountEndSlow(handle, state);
        }
        catch (Exception)
        {
            // A MeterListener's measurement callback threw: the count is lost, the run is not.
        }
    }

    private static void CountEndSlow(TaskHandle handle, TaskState state)
    {
        var counter = state switch
        {
            TaskState.Completed => WorkflowyDiagnostics.Completed,
            TaskState.Failed => WorkflowyDiagnostics.Failed,
            TaskState.Cancelled => WorkflowyDiagnostics.Cancelled,
            _ => null,
        };
        if (counter is { Enabled: true })
        {
            counter.Add(1, WorkflowyDiagnostics.Tags(handle));
        }
    }

    public static string BackendName(Backend backend) => backend switch
    {
        Backend.Async => "async",
        Backend.Thread => "thread",
        Backend.Serial => "serial",
        Backend.Process => "process",
        Backend.Default => "default",
        _ => ((int)backend).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// An exception's message, or its type when reading the message throws (user exceptions can): every message the
    /// runtime reads from an exception it did not make goes through here.
    /// </summary>
    public static string SafeMessage(Exception exception)
    {
        try
        {
            return exception.Message;
        }
        catch (Exception)
        {
            return exception.GetType().FullName ?? "exception";
        }
    }
}
