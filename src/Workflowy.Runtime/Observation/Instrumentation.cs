using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading;

namespace Workflowy;

/// <summary>
/// Workflowy's traces and metrics (System.Diagnostics; no OpenTelemetry dependency): an activity per run and per
/// task attempt, counters, histograms and a gauge. Listen with <c>AddSource("Workflowy")</c> / <c>AddMeter("Workflowy")</c>.
/// </summary>
public static class WorkflowyDiagnostics
{
    /// <summary>The name of the <see cref="ActivitySource"/> and of the <see cref="Meter"/>.</summary>
    public const string Name = "Workflowy";

    /// <summary>Tag: the workflow (graph) name.</summary>
    public const string WorkflowTag = "workflowy.workflow";

    /// <summary>Tag: the run id.</summary>
    public const string RunTag = "workflowy.run_id";

    /// <summary>Tag: the task name.</summary>
    public const string TaskTag = "workflowy.task";

    /// <summary>Tag: the attempt number.</summary>
    public const string AttemptTag = "workflowy.attempt";

    /// <summary>Tag: the backend.</summary>
    public const string BackendTag = "workflowy.backend";

    /// <summary>Tag: how an attempt or a run ended (completed, failed, retrying, timeout, cancelled).</summary>
    public const string OutcomeTag = "workflowy.outcome";

    internal static readonly ActivitySource Source = new(Name, "1.0");

    internal static readonly Meter Meter = new(Name, "1.0");

    internal static readonly Counter<long> Started = Meter.CreateCounter<long>("workflowy.tasks.started", "{attempt}", "Task attempts started.");

    internal static readonly Counter<long> Completed = Meter.CreateCounter<long>("workflowy.tasks.completed", "{task}", "Tasks that completed.");

    internal static readonly Counter<long> Failed = Meter.CreateCounter<long>("workflowy.tasks.failed", "{task}", "Tasks that failed (for good).");

    internal static readonly Counter<long> Retried = Meter.CreateCounter<long>("workflowy.tasks.retried", "{attempt}", "Failed attempts that will be retried.");

    internal static readonly Counter<long> Cancelled = Meter.CreateCounter<long>("workflowy.tasks.cancelled", "{task}", "Tasks that were cancelled.");

    /// <summary>Bucket boundaries in seconds, from 100 µs to 5 min (exporters' defaults are made for milliseconds).</summary>
    private static readonly InstrumentAdvice<double> SecondsBuckets = new()
    {
        HistogramBucketBoundaries = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    };

    internal static readonly Histogram<double> Duration = Meter.CreateHistogram("workflowy.task.duration", "s", "Duration of a task attempt.", tags: null, advice: SecondsBuckets);

    internal static readonly Histogram<double> QueueWait = Meter.CreateHistogram("workflowy.task.queue_wait", "s", "Time from ready to running.", tags: null, advice: SecondsBuckets);

    /// <summary>The ready-queue gauge; runs register for it only while it has a listener.</summary>
    internal static readonly ObservableGauge<long> QueueDepth =
        Meter.CreateObservableGauge("workflowy.ready_queue.depth", static () => ReadyDepth(), "{task}", "Tasks ready and waiting for a worker, over the runs started while it was listened to.");

    internal static bool MetricsEnabled => Started.Enabled || QueueWait.Enabled || Duration.Enabled;

    /// <summary>Whether any of the end-of-task counters has a listener.</summary>
    internal static bool AnyCounterEnabled => Completed.Enabled || Failed.Enabled || Cancelled.Enabled;

    private static long ReadyDepth()
    {
        // The queues are the runners' executors, shared by their runs: each counted once.
        long depth = 0;
        var runners = new HashSet<WorkflowRunner>(ReferenceEqualityComparer.Instance);
        foreach (var run in WorkflowRun.ActiveRuns.Keys)
        {
            if (runners.Add(run.Runner))
            {
                foreach (var backend in BackendInfo.Executable)
                {
                    depth += run.Runner.ExecutorOf(backend).QueuedCount;
                }
            }
        }

        return depth;
    }

    internal static TagList Tags(TaskHandle handle) => new()
    {
        { WorkflowTag, handle.Run.Graph.Name },
        { TaskTag, handle.Name },
    };
}

/// <summary>The logger scope a task body runs in: run id, task, attempt and throughline, as structured values.</summary>
internal sealed class TaskLogScope : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly string _runId;
    private readonly string _task;
    private readonly int _attempt;
    private readonly string _throughline;

    public TaskLogScope(string runId, string task, int attempt, string throughline)
    {
        _runId = runId;
        _task = task;
        _attempt = attempt;
        _throughline = throughline;
    }

    public int Count => 4;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("RunId", _runId),
        1 => new("Task", _task),
        2 => new("Attempt", _attempt),
        3 => new("Throughline", _throughline),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"Run {_runId} Task {_task} Attempt {_attempt} Throughline {_throughline}";
}
