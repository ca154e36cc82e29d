using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Workflowy.Dashboard;

/// <summary>
/// One mapped dashboard: its options, runner, monitor, live stream, log sink, per-process CSRF token, audit trail and
/// the answers of actions already done (so a repeated request gets the same answer).
/// </summary>
internal sealed class DashboardContext : IDisposable
{
    private const int MaxAudit = 2000;
    private const int MaxRemembered = 2000;
    private readonly LinkedList<AuditJson> _audit = new();
    private readonly ConcurrentDictionary<string, (int Status, string Json)> _answers = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _answerOrder = new();

    public DashboardContext(
        WorkflowyDashboardOptions options,
        WorkflowRunner runner,
        DashboardLogSink? logs,
        IDashboardWorkerSource? workers,
        IDashboardScheduleSource? schedules,
        ILogger? logger,
        string prefix)
    {
        Options = options;
        Runner = runner;
        Logs = logs;
        Workers = workers;
        Schedules = schedules;
        Logger = logger ?? NullLogger.Instance;
        Prefix = prefix;
        Feed = new LiveFeed();
        Monitor = new DashboardMonitor(runner, Feed, options.MaxRecentRuns);
        CsrfToken = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        if (logs is not null)
        {
            logs.MaxLines = options.MaxLogLinesPerTask;
            logs.MaxChars = options.MaxOutputChars;
            logs.Time = runner.TimeProvider;
            logs.OnLine = (runId, task, line) => Feed.Publish(new LiveEventJson("log", null, runId, task, null, null, line.At, line.Message));
        }
    }

    /// <summary>The header that carries the CSRF token on every POST.</summary>
    public const string CsrfHeader = "X-Workflowy-Csrf";

    public WorkflowyDashboardOptions Options { get; }

    public WorkflowRunner Runner { get; }

    public DashboardLogSink? Logs { get; }

    public IDashboardWorkerSource? Workers { get; }

    public IDashboardScheduleSource? Schedules { get; }

    public ILogger Logger { get; }

    /// <summary>The path the dashboard is mapped at, without a trailing slash (empty for the root).</summary>
    public string Prefix { get; }

    public LiveFeed Feed { get; }

    public DashboardMonitor Monitor { get; }

    /// <summary>A random token made when the dashboard is mapped; pages carry it and every POST must send it back.</summary>
    public string CsrfToken { get; }

    /// <summary>Set when the app listens beyond loopback without an authorization hook: every request is refused.</summary>
    public string? Refusal { get; set; }

    public void Audit(AuditJson entry)
    {
        lock (_audit)
        {
            _audit.AddFirst(entry);
            while (_audit.Count > MaxAudit)
            {
                _audit.RemoveLast();
            }
        }

        Logger.LogInformation(
            "Dashboard action {Action} on run {RunId} of {Workflow}{Task} by {Who}: {Outcome} ({Status})",
            entry.Action,
            entry.RunId,
            entry.Workflow,
            entry.Task is null ? string.Empty : " task " + entry.Task,
            entry.Who,
            entry.Outcome,
            entry.Status);
    }

    public IReadOnlyList<AuditJson> AuditOf(string? workflow, string? runId)
    {
        var list = new List<AuditJson>();
        lock (_audit)
        {
            foreach (var entry in _audit)
            {
                if ((workflow is null || entry.Workflow == workflow) && (runId is null || entry.RunId == runId))
                {
                    list.Add(entry);
                }
            }
        }

        return list;
    }

    public bool TryGetAnswer(string? requestId, out (int Status, string Json) answer)
    {
        answer = default;
        return requestId is not null && _answers.TryGetValue(requestId, out answer);
    }

    public void Remember(string? requestId, int status, string json)
    {
        if (requestId is null || !_answers.TryAdd(requestId, (status, json)))
        {
            return;
        }

        _answerOrder.Enqueue(requestId);
        while (_answerOrder.Count > MaxRemembered && _answerOrder.TryDequeue(out var oldest))
        {
            _answers.TryRemove(oldest, out _);
        }
    }

    public void Dispose() => Monitor.Dispose();
}
