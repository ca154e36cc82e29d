using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.Dashboard;

/// <summary>
/// What the pages and the JSON API show, read from the runtime's seams: the runner's store
/// (<see cref="IWorkflowStore.QueryRunsAsync"/>, <see cref="IWorkflowStore.LoadAsync"/>), the runs of this process the
/// monitor keeps, <see cref="WorkflowCatalog"/>, and the optional worker and schedule sources.
/// </summary>
internal sealed partial class DashboardData
{
    private const int OverviewScanLimit = 2000;
    private readonly DashboardContext _d;

    public DashboardData(DashboardContext dashboard) => _d = dashboard;

    private IWorkflowStore? Store => _d.Runner.Store;

    public static WorkflowDefinition? Definition(string workflowKey)
    {
        foreach (var definition in WorkflowCatalog.All)
        {
            if (string.Equals(definition.FullName, workflowKey, StringComparison.Ordinal))
            {
                return definition;
            }
        }

        return null;
    }

    /// <summary>A workflow by full name, else by a short name only one workflow has.</summary>
    public static WorkflowDefinition? FindWorkflow(string name)
    {
        if (Definition(name) is { } exact)
        {
            return exact;
        }

        var matches = WorkflowCatalog.All.Where(d => string.Equals(d.Name, name, StringComparison.Ordinal)).ToList();
        return matches.Count == 1 ? matches[0] : null;
    }

    public async Task<OverviewJson> OverviewAsync(CancellationToken cancellationToken)
    {
        int running = 0, completed = 0, failed = 0, cancelled = 0, counted = 0;
        var tasks = new TaskCounts();
        var cut = false;
        var failures = new List<FailureJson>();
        var failedSummaries = new List<RunSummary>();
        if (Store is { } store)
        {
            var query = new RunQuery { Limit = 500 };
            do
            {
                var page = await store.QueryRunsAsync(query, cancellationToken).ConfigureAwait(false);
                foreach (var run in page.Runs)
                {
                    counted++;
                    var status = LiveStatus(run.Workflow, run.RunId) ?? run.Status ?? RunStatus.Running;
                    Count(status);
                    tasks = Add(tasks, run.Tasks);
                    if (status == RunStatus.Failed && failedSummaries.Count < 10)
                    {
                        failedSummaries.Add(run);
                    }
                }

                query = query with { Continuation = page.Continuation };
                if (counted >= OverviewScanLimit && query.Continuation is not null)
                {
                    cut = true;
                    break;
                }
            }
            while (query.Continuation is not null);

            foreach (var summary in failedSummaries)
            {
                var (task, error) = await FirstFailureAsync(summary.Workflow, summary.RunId, cancellationToken).ConfigureAwait(false);
                failures.Add(new FailureJson(summary.Workflow, summary.RunId, summary.EndedAt, task, error));
            }
        }
        else
        {
            foreach (var entry in _d.Monitor.Recent())
            {
                counted++;
                var status = RunStates.Of(entry.Run);
                Count(status);
                tasks = Add(tasks, CountsOf(entry.Run));
                if (status == RunStatus.Failed && failures.Count < 10)
                {
                    var first = entry.Run.Tasks.FirstOrDefault(static t => t.State == TaskState.Failed);
                    failures.Add(new FailureJson(entry.Workflow, entry.RunId, entry.EndedAt, first?.Name, first?.Exception is { } ex ? SafeMessage(ex) : null));
                }
            }
        }

        var queued = 0;
        var executors = new List<ExecutorJson>();
        foreach (var backend in new[] { Backend.Async, Backend.Thread, Backend.Serial, Backend.Process })
        {
            try
            {
                var count = _d.Runner.GetExecutor(backend).QueuedCount;
                queued += count;
                executors.Add(new ExecutorJson(backend.ToString(), count));
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or ArgumentException)
            {
                executors.Add(new ExecutorJson(backend.ToString(), 0));
            }
        }

        return new OverviewJson(
            new RunStateCountsJson(running, completed, failed, cancelled),
            CountsJson(tasks),
            _d.Runner.ActiveRuns.Count,
            queued,
            _d.Monitor.Throughput(30),
            failures,
            await WorkersAsync(executors, cancellationToken).ConfigureAwait(false),
            await SchedulesAsync(null, cancellationToken).ConfigureAwait(false),
            Store is not null,
            counted,
            cut);

        void Count(RunStatus status)
        {
            switch (status)
            {
                case RunStatus.Running: running++; break;
                case RunStatus.Completed: completed++; break;
                case RunStatus.Failed: failed++; break;
                default: cancelled++; break;
            }
        }
    }

    public async Task<RunListJson> RunsAsync(RunFilterJson filter, string? continuation, CancellationToken cancellationToken)
    {
        var status = DashboardText.ParseStatus(filter.State);
        var rows = new List<RunRowJson>();
        var unreadable = new List<string>();
        string? next = null;
        if (Store is { } store)
        {
            var query = new RunQuery
            {
                Workflow = filter.Workflow,
                Status = status,
                StartedAfter = filter.From,
                StartedBefore = filter.To,
                Limit = filter.Id is null ? filter.Limit : 500,
                Continuation = filter.Id is null ? continuation : null,
            };
            var scanned = 0;
            do
            {
                var page = await store.QueryRunsAsync(query, cancellationToken).ConfigureAwait(false);
                unreadable.AddRange(page.Unreadable.Select(static u => u.Message));
                foreach (var run in page.Runs)
                {
                    scanned++;
                    if (filter.Id is null || run.RunId.Contains(filter.Id, StringComparison.OrdinalIgnoreCase))
                    {
                        rows.Add(Row(run));
                    }
                }

                query = query with { Continuation = page.Continuation };
                if (filter.Id is null)
                {
                    next = page.Continuation;
                    break;
                }
            }
            while (query.Continuation is not null && scanned < 20_000 && rows.Count < filter.Limit);
        }
        else
        {
            var cursor = ParseCursor(continuation);
            foreach (var entry in _d.Monitor.Recent())
            {
                if (cursor is { } c && Compare(entry.StartedAt, entry.RunId, c.At, c.RunId) >= 0)
                {
                    continue;
                }

                var runStatus = RunStates.Of(entry.Run);
                if ((filter.Workflow is not null && entry.Workflow != filter.Workflow)
                    || (status is not null && runStatus != status)
                    || (filter.From is { } from && entry.StartedAt < from)
                    || (filter.To is { } to && entry.StartedAt >= to)
                    || (filter.Id is not null && !entry.RunId.Contains(filter.Id, StringComparison.OrdinalIgnoreCase)))
                {
                    continue;
                }

                if (rows.Count == filter.Limit)
                {
                    var last = rows[^1];
                    next = last.StartedAt!.Value.UtcTicks.ToString(CultureInfo.InvariantCulture) + "|" + last.RunId;
                    break;
                }

                rows.Add(Row(entry));
            }
        }

        return new RunListJson(rows, next, unreadable, filter, Store is not null);
    }

    private static int Compare(DateTimeOffset at, string runId, DateTimeOffset cursorAt, string cursorRunId)
    {
        var byTime = at.CompareTo(cursorAt);
        return byTime != 0 ? byTime : string.CompareOrdinal(runId, cursorRunId);
    }

    private static (DateTimeOffset At, string RunId)? ParseCursor(string? continuation)
    {
        if (continuation is null)
        {
            return null;
        }

        var bar = continuation.IndexOf('|', StringComparison.Ordinal);
        return bar > 0 && long.TryParse(continuation.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks <= DateTimeOffset.MaxValue.UtcTicks
            ? (new DateTimeOffset(ticks, TimeSpan.Zero), continuation[(bar + 1)..])
            : null;
    }

    private RunRowJson Row(RunSummary run)
    {
        var entry = _d.Monitor.Find(run.Workflow, run.RunId);
        if (entry is not null && !entry.Run.HasEnded)
        {
            return Row(entry) with { StartedAt = run.StartedAt ?? entry.StartedAt };
        }

        return new RunRowJson(
            run.Workflow,
            run.RunId,
            DashboardText.Status(run.Status ?? RunStatus.Running),
            run.StartedAt,
            run.EndedAt,
            run is { StartedAt: { } s, EndedAt: { } e } ? (e - s).TotalMilliseconds : null,
            CountsJson(run.Tasks),
            entry is not null);
    }

    private RunRowJson Row(RunEntry entry)
    {
        var ended = entry.Run.HasEnded ? entry.EndedAt : null;
        return new RunRowJson(
            entry.Workflow,
            entry.RunId,
            DashboardText.Status(RunStates.Of(entry.Run)),
            entry.StartedAt,
            ended,
            ended is { } e ? (e - entry.StartedAt).TotalMilliseconds : null,
            CountsJson(CountsOf(entry.Run)),
            true);
    }

    private RunStatus? LiveStatus(string workflow, string runId) =>
        _d.Monitor.Find(workflow, runId) is { } entry ? RunStates.Of(entry.Run) : null;

    private async Task<(string? Task, string? Error)> FirstFailureAsync(string workflow, string runId, CancellationToken cancellationToken)
    {
        if (_d.Monitor.Find(workflow, runId) is { } entry && entry.Run.Tasks.FirstOrDefault(static t => t.State == TaskState.Failed) is { } handle)
        {
            return (handle.Name, handle.Exception is { } ex ? SafeMessage(ex) : null);
        }

        try
        {
            var checkpoint = Store is null ? null : await Store.LoadAsync(workflow, runId, cancellationToken).ConfigureAwait(false);
            var record = checkpoint?.Tasks.FirstOrDefault(static r => r.State == TaskState.Failed);
            return (record?.Key, DashboardText.FirstLine(record?.Error));
        }
        catch (CheckpointException ex)
        {
            return (null, "unreadable: " + ex.Message);
        }
    }

    private async Task<WorkersJson> WorkersAsync(List<ExecutorJson> executors, CancellationToken cancellationToken)
    {
        if (_d.Workers is not { } source)
        {
            return new WorkersJson(false, Array.Empty<DashboardWorker>(), executors, null);
        }

        try
        {
            return new WorkersJson(true, await source.GetWorkersAsync(cancellationToken).ConfigureAwait(false), executors, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new WorkersJson(true, Array.Empty<DashboardWorker>(), executors, SafeMessage(ex));
        }
    }

    public async Task<SchedulesJson> SchedulesAsync(string? workflow, CancellationToken cancellationToken)
    {
        if (_d.Schedules is not { } source)
        {
            return new SchedulesJson(false, Array.Empty<DashboardSchedule>(), null);
        }

        try
        {
            var all = await source.GetSchedulesAsync(cancellationToken).ConfigureAwait(false);
            return new SchedulesJson(
                true,
                all.Where(s => workflow is null || s.Workflow == workflow).OrderBy(static s => s.NextOccurrence ?? DateTimeOffset.MaxValue).ToList(),
                null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new SchedulesJson(true, Array.Empty<DashboardSchedule>(), SafeMessage(ex));
        }
    }

    public static TaskCounts CountsOf(WorkflowRun run)
    {
        var counts = new TaskCounts();
        foreach (var task in run.Tasks)
        {
            counts = counts.Add(task.State);
        }

        return counts;
    }

    private static TaskCounts Add(TaskCounts a, TaskCounts b) => new()
    {
        Completed = a.Completed + b.Completed,
        Failed = a.Failed + b.Failed,
        Cancelled = a.Cancelled + b.Cancelled,
        Skipped = a.Skipped + b.Skipped,
        NotTerminal = a.NotTerminal + b.NotTerminal,
    };

    public static TaskCountsJson CountsJson(TaskCounts c) => new(c.Completed, c.Failed, c.Cancelled, c.Skipped, c.NotTerminal, c.Total);

    /// <summary>An exception's type and message; a message that throws gives the type alone.</summary>
    public static string SafeMessage(Exception exception)
    {
        try
        {
            return exception.GetType().Name + ": " + exception.Message;
        }
        catch (Exception)
        {
            return exception.GetType().Name;
        }
    }
}
