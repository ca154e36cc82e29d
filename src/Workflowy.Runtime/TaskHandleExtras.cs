using System;
using System.Collections.Generic;
using System.Threading;

namespace Workflowy;

/// <summary>The cold part of a <see cref="TaskHandle"/>: fields few tasks use, allocated on first use.</summary>
internal sealed class TaskHandleExtras
{
    public Exception? Exception;
    public object? CompletionSource;
    public CancellationTokenSource? AttemptCancellation;
    public string? Name;
    public TaskOptions? Options;
    public TaskHandle? Parent;
    public string? Key;
    public TaskHandle? KeyParent;
    public int? KeyOrdinal;
    public ExecutionContext? CapturedContext;
    public ThroughlineFrame? Frame;
    public int AttemptClaim;
    /// <summary>While a timed attempt's body runs on a thread: its managed id; negative once its timeout abandoned it there.</summary>
    public int InlineThread;
    public ITimer? TimeoutTimer;
    public SerialExecutor? SerialOwner;
    public DateTimeOffset? NextAttemptAt;
    public volatile bool SerialPending;
    public System.Diagnostics.Activity? AttemptActivity;
    public System.Diagnostics.ActivityContext? ParentActivity;
    public long ReadyTimestamp;
    public long StartTimestamp;
    public DateTimeOffset? StartedAt;
    public int ChildOrdinal;
    public List<object>? Children;
    public double Progress;
    public string? ProgressMessage;
    /// <summary>A gated task's admission (concurrency key, cache flight, where its result came from); see Admission/.</summary>
    public AdmissionTicket? Ticket;
}
