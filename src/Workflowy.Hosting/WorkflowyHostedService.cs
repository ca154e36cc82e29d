using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Workflowy.Hosting;

/// <summary>Where the container's runner is in its life (<see cref="WorkflowyHostedService.State"/>).</summary>
internal enum RunnerState
{
    /// <summary>The host has not started it yet (runs can start already).</summary>
    NotStarted = 0,

    /// <summary>Started with the host: runs start and run.</summary>
    Running = 1,

    /// <summary>The host is stopping: in-flight runs drain, new top-level runs are cancelled as they start.</summary>
    Stopping = 2,

    /// <summary>Disposed: no run can start.</summary>
    Stopped = 3,
}

/// <summary>
/// Owns the lifetime of the container's <see cref="WorkflowRunner"/>. On <see cref="StopAsync"/> (the host's
/// shutdown): runs that start from then on are cancelled as they start (runs started inside a task of a running run
/// are not), runs of dynamic tasks take no more submissions from outside, and the runs in flight get until the
/// shutdown token (<c>HostOptions.ShutdownTimeout</c>) to end; what is still going then is cancelled (with a store, its
/// completed tasks are checkpointed and the run is stored as Cancelled, so it can be resumed), and the runner is
/// disposed.
/// </summary>
internal sealed partial class WorkflowyHostedService : IHostedService
{
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Task? _stop;
    private int _state;

    public WorkflowyHostedService(WorkflowRunner runner, ILoggerFactory? loggerFactory)
    {
        Runner = runner;
        _logger = loggerFactory?.CreateLogger("Workflowy.Hosting") ?? NullLogger.Instance;
        runner.RunStarted += OnRunStarted;
    }

    public WorkflowRunner Runner { get; }

    public RunnerState State => (RunnerState)Volatile.Read(ref _state);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Interlocked.CompareExchange(ref _state, (int)RunnerState.Running, (int)RunnerState.NotStarted);
        return Task.CompletedTask;
    }

    /// <summary>Drains and disposes the runner; a second call (the host stopping twice) waits for the first.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _stop ??= StopCoreAsync(cancellationToken);
        }
    }

    private async Task StopCoreAsync(CancellationToken cancellationToken)
    {
        // From here on, OnRunStarted cancels the top-level runs that start.
        Volatile.Write(ref _state, (int)RunnerState.Stopping);
        try
        {
            var active = Runner.ActiveRuns;
            if (active.Count > 0)
            {
                LogDraining(_logger, active.Count);
            }

            if (!await DrainAsync(cancellationToken).ConfigureAwait(false))
            {
                var left = Runner.ActiveRuns;
                LogCancelling(_logger, left.Count, Describe(left));
                Runner.CancelAll();
            }

            // Waits for the cancelled runs to end (their last checkpoint stored) and stops the executors.
            await Runner.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _state, (int)RunnerState.Stopped);
        }
    }

    /// <summary>Waits until no run of the runner is going; false if <paramref name="cancellationToken"/> came first.</summary>
    private async Task<bool> DrainAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var runs = Runner.ActiveRuns;
            if (runs.Count == 0)
            {
                return true;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            var completions = new Task[runs.Count];
            for (var i = 0; i < runs.Count; i++)
            {
                if (runs[i] is DynamicRun { Parent: null } dynamic)
                {
                    // No more submissions from outside its tasks (the runner's own run of runner.Submit included): it
                    // ends when the tasks it has end. Runs started later are cancelled by OnRunStarted.
                    dynamic.Complete();
                }

                completions[i] = runs[i].Completion;
            }

            // A run's Completion ends after its last checkpoint is stored, and after the run left ActiveRuns.
            await Task.WhenAll(completions).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void OnRunStarted(object? sender, WorkflowRunEventArgs e)
    {
        if (State == RunnerState.Stopping && e.Run.Parent is null)
        {
            // The host is stopping: a run started now (not by a task of a draining run) is cancelled before any of its
            // tasks start. With a store it is recorded as Cancelled and can be resumed after the restart.
            LogRefused(_logger, e.Run.WorkflowKey, e.Run.RunId);
            e.Run.Cancel();
        }
    }

    private static string Describe(IReadOnlyList<WorkflowRun> runs)
    {
        var names = new string[Math.Min(runs.Count, 10)];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = runs[i].WorkflowKey + "/" + runs[i].RunId;
        }

        return string.Join(", ", names) + (runs.Count > names.Length ? ", ..." : string.Empty);
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "The host is stopping: waiting for {Count} run(s) to end within the shutdown timeout")]
    private static partial void LogDraining(ILogger logger, int count);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "The shutdown timeout elapsed: cancelling {Count} run(s) still going ({Runs}); with a store they can be resumed")]
    private static partial void LogCancelling(ILogger logger, int count, string runs);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Run {Workflow}/{RunId} started while the host is stopping: cancelled before it runs; with a store it can be resumed")]
    private static partial void LogRefused(ILogger logger, string workflow, string runId);
}
