using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace Workflowy;

/// <summary>
/// The state of a run as its store records it: <see cref="Running"/> from the moment a run with a store starts (or
/// resumes), then how it ended. See docs/durability.md, "Listing runs".
/// </summary>
public enum RunStatus
{
    /// <summary>The run started (or resumed) and has not ended, or its process stopped before it could record its end.</summary>
    Running = 0,

    /// <summary>The run ended, its <see cref="WorkflowRun.Completion"/> succeeded and no task of it failed.</summary>
    Completed = 1,

    /// <summary>
    /// The run ended with a failure: its <see cref="WorkflowRun.Completion"/> faulted (<see cref="ErrorPolicy.Raise"/>,
    /// or a checkpoint that could not be loaded), or it succeeded with a task <see cref="TaskState.Failed"/>
    /// (<see cref="ErrorPolicy.Log"/>, <see cref="ErrorPolicy.Continue"/>).
    /// </summary>
    Failed = 2,

    /// <summary>The run was cancelled: its <see cref="WorkflowRun.Completion"/> is cancelled.</summary>
    Cancelled = 3,
}

/// <summary>
/// What <see cref="IWorkflowStore.QueryRunsAsync"/> lists: runs matching every filter given (null: no filter), newest
/// first, at most <see cref="Limit"/> per page.
/// </summary>
public sealed record RunQuery
{
    private readonly int _limit = 50;

    /// <summary>Only runs of this workflow (its <see cref="WorkflowRun.WorkflowKey"/>).</summary>
    public string? Workflow { get; init; }

    /// <summary>Only runs whose recorded status is this one (runs with no recorded status never match).</summary>
    public RunStatus? Status { get; init; }

    /// <summary>Only runs that started strictly after this time (runs with no recorded start never match).</summary>
    public DateTimeOffset? StartedAfter { get; init; }

    /// <summary>Only runs that started strictly before this time (runs with no recorded start never match).</summary>
    public DateTimeOffset? StartedBefore { get; init; }

    /// <summary>The most runs a page holds (default 50; at least 1).</summary>
    public int Limit
    {
        get => _limit;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _limit = value;
        }
    }

    /// <summary>
    /// Where to continue: the <see cref="RunQueryResult.Continuation"/> of the previous page (null: the first page). It
    /// names the last run of that page, so the next page starts right after it whatever was added meanwhile.
    /// </summary>
    public string? Continuation { get; init; }
}

/// <summary>A page of runs (<see cref="IWorkflowStore.QueryRunsAsync"/>).</summary>
/// <param name="Runs">The runs, newest first.</param>
/// <param name="Continuation">
/// Null if the listing ends here; otherwise pass it as <see cref="RunQuery.Continuation"/> (with the same filters) for
/// the next page.
/// </param>
public sealed record RunQueryResult(IReadOnlyList<RunSummary> Runs, string? Continuation)
{
    /// <summary>
    /// Runs that matched the query as far as the store could tell but could not be read (a corrupt file or row), left
    /// out of <see cref="Runs"/> and left untouched; each exception's <see cref="CheckpointException.Location"/> says
    /// where. Each is reported on one page of a listing. Empty when everything could be read.
    /// </summary>
    public IReadOnlyList<CheckpointException> Unreadable { get; init; } = Array.Empty<CheckpointException>();
}

/// <summary>One run in a listing: its identity, recorded status and times, and its stored task records counted by state.</summary>
/// <param name="Workflow">The workflow (<see cref="WorkflowRun.WorkflowKey"/>).</param>
/// <param name="RunId">The run id.</param>
/// <param name="Status">Its recorded status; null if none was recorded (a run stored by an earlier version, or through <see cref="IWorkflowStore.SaveAsync"/> without one).</param>
/// <param name="StartedAt">When it first started; null if not recorded.</param>
/// <param name="EndedAt">When it last ended; null while it runs (or if not recorded).</param>
/// <param name="Tasks">Its stored task records, counted by state.</param>
public sealed record RunSummary(
    string Workflow,
    string RunId,
    RunStatus? Status,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    TaskCounts Tasks);

/// <summary>
/// Task records of a run counted by state. A run records tasks only when they end, so a running run's tasks that have
/// not ended are not counted (see <see cref="Total"/>).
/// </summary>
public readonly record struct TaskCounts
{
    /// <summary>Records in <see cref="TaskState.Completed"/>.</summary>
    public int Completed { get; init; }

    /// <summary>Records in <see cref="TaskState.Failed"/>.</summary>
    public int Failed { get; init; }

    /// <summary>Records in <see cref="TaskState.Cancelled"/>.</summary>
    public int Cancelled { get; init; }

    /// <summary>Records in <see cref="TaskState.Skipped"/>.</summary>
    public int Skipped { get; init; }

    /// <summary>Records in a state that is not terminal (<see cref="TaskState.Pending"/>, <see cref="TaskState.Ready"/>, <see cref="TaskState.Running"/>, <see cref="TaskState.Retrying"/>); the runtime writes none, other writers may.</summary>
    public int NotTerminal { get; init; }

    /// <summary>All the run's task records.</summary>
    public int Total => Completed + Failed + Cancelled + Skipped + NotTerminal;

    /// <summary>The records in <paramref name="state"/> (for a state that is not terminal: <see cref="NotTerminal"/>).</summary>
    public int this[TaskState state] => state switch
    {
        TaskState.Completed => Completed,
        TaskState.Failed => Failed,
        TaskState.Cancelled => Cancelled,
        TaskState.Skipped => Skipped,
        _ => NotTerminal,
    };

    /// <summary>These counts with <paramref name="count"/> more records in <paramref name="state"/>.</summary>
    public TaskCounts Add(TaskState state, int count = 1) => state switch
    {
        TaskState.Completed => this with { Completed = Completed + count },
        TaskState.Failed => this with { Failed = Failed + count },
        TaskState.Cancelled => this with { Cancelled = Cancelled + count },
        TaskState.Skipped => this with { Skipped = Skipped + count },
        _ => this with { NotTerminal = NotTerminal + count },
    };

    /// <inheritdoc />
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Completed} completed, {Failed} failed, {Cancelled} cancelled, {Skipped} skipped, {NotTerminal} not terminal");
}

/// <summary>
/// The listing order (newest first: start time descending, runs with no recorded start last; then run id, then
/// workflow, descending, ordinal) and the continuation token, for the stores of this assembly.
/// </summary>
internal static class RunListing
{
    /// <summary>Negative if run a comes before run b in a listing.</summary>
    public static int Compare(DateTimeOffset? aStarted, string aWorkflow, string aRunId, DateTimeOffset? bStarted, string bWorkflow, string bRunId)
    {
        if (aStarted is { } a && bStarted is { } b)
        {
            var byTime = b.UtcTicks.CompareTo(a.UtcTicks);
            if (byTime != 0)
            {
                return byTime;
            }
        }
        else if (aStarted.HasValue != bStarted.HasValue)
        {
            return aStarted.HasValue ? -1 : 1;
        }

        var byRun = string.CompareOrdinal(bRunId, aRunId);
        return byRun != 0 ? byRun : string.CompareOrdinal(bWorkflow, aWorkflow);
    }

    /// <summary>Whether a run of <paramref name="workflow"/> with <paramref name="status"/> and <paramref name="started"/> matches the query's filters.</summary>
    public static bool Matches(RunQuery query, string workflow, RunStatus? status, DateTimeOffset? started) =>
        (query.Workflow is null || query.Workflow == workflow)
        && (query.Status is null || query.Status == status)
        && (query.StartedAfter is not { } after || (started is { } s1 && s1.UtcTicks > after.UtcTicks))
        && (query.StartedBefore is not { } before || (started is { } s2 && s2.UtcTicks < before.UtcTicks));

    /// <summary>Sorts the matching runs, and returns the page after the query's continuation.</summary>
    public static RunQueryResult Page(RunQuery query, List<RunSummary> matching, IReadOnlyList<CheckpointException> unreadable)
    {
        matching.Sort(static (a, b) => Compare(a.StartedAt, a.Workflow, a.RunId, b.StartedAt, b.Workflow, b.RunId));
        var start = 0;
        if (query.Continuation is { } continuation)
        {
            var (started, workflow, runId) = Decode(continuation);
            while (start < matching.Count && Compare(matching[start].StartedAt, matching[start].Workflow, matching[start].RunId, started, workflow, runId) <= 0)
            {
                start++;
            }
        }

        var count = Math.Min(query.Limit, matching.Count - start);
        var page = matching.GetRange(start, count);
        var more = start + count < matching.Count;
        return new RunQueryResult(page, more ? Encode(page[^1].StartedAt, page[^1].Workflow, page[^1].RunId) : null) { Unreadable = unreadable };
    }

    /// <summary>The token that continues a listing after this run: base64url of <c>1|ticks|length of workflow|workflow run id</c>.</summary>
    public static string Encode(DateTimeOffset? started, string workflow, string runId)
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"1|{started?.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{workflow.Length}|{workflow}{runId}");
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Reads a token made by <see cref="Encode"/>; <see cref="ArgumentException"/> if it is not one.</summary>
    public static (DateTimeOffset? Started, string Workflow, string RunId) Decode(string continuation)
    {
        try
        {
            var base64 = continuation.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(base64));
            var parts = text.Split('|', 4);
            if (parts.Length == 4 && parts[0] == "1"
                && (parts[1].Length == 0 || long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _))
                && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                && length <= parts[3].Length)
            {
                DateTimeOffset? started = parts[1].Length == 0 ? null : new DateTimeOffset(long.Parse(parts[1], CultureInfo.InvariantCulture), TimeSpan.Zero);
                return (started, parts[3][..length], parts[3][length..]);
            }
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new ArgumentException($"'{continuation}' is not a continuation of a run listing.", "query", ex);
        }

        throw new ArgumentException($"'{continuation}' is not a continuation of a run listing.", "query");
    }
}
