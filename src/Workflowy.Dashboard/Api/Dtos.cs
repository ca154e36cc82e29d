using System;
using System.Collections.Generic;
using System.Text.Json;

namespace Workflowy.Dashboard;

// The JSON shapes of the dashboard's API (docs/dashboard.md). States and statuses are lower-case words; times ISO 8601.

internal sealed record RunStateCountsJson(int Running, int Completed, int Failed, int Cancelled);

internal sealed record TaskCountsJson(int Completed, int Failed, int Cancelled, int Skipped, int NotTerminal, int Total);

internal sealed record ThroughputPointJson(DateTimeOffset Minute, int Completed, int Failed);

internal sealed record FailureJson(string Workflow, string RunId, DateTimeOffset? EndedAt, string? Task, string? Error);

internal sealed record ExecutorJson(string Backend, int Queued);

internal sealed record WorkersJson(bool Configured, IReadOnlyList<DashboardWorker> Workers, IReadOnlyList<ExecutorJson> Executors, string? Error);

internal sealed record SchedulesJson(bool Configured, IReadOnlyList<DashboardSchedule> Schedules, string? Error);

internal sealed record OverviewJson(
    RunStateCountsJson Runs,
    TaskCountsJson Tasks,
    int ActiveRuns,
    int QueuedTasks,
    IReadOnlyList<ThroughputPointJson> Throughput,
    IReadOnlyList<FailureJson> RecentFailures,
    WorkersJson Workers,
    SchedulesJson Schedules,
    bool HasStore,
    int RunsCounted,
    bool CountCut);

internal sealed record RunRowJson(
    string Workflow,
    string RunId,
    string Status,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    double? DurationMs,
    TaskCountsJson Tasks,
    bool InThisProcess);

internal sealed record RunFilterJson(string? Workflow, string? State, DateTimeOffset? From, DateTimeOffset? To, string? Id, int Limit);

internal sealed record RunListJson(IReadOnlyList<RunRowJson> Runs, string? Continuation, IReadOnlyList<string> Unreadable, RunFilterJson Filter, bool HasStore);

internal sealed record InputValueJson(string Name, string? Type, string? ValueJson, bool Redacted);

internal sealed record TaskRowJson(
    string Name,
    string State,
    int Attempts,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    double? DurationMs,
    string? Error,
    DateTimeOffset? NextAttemptAt,
    IReadOnlyList<string> DependsOn);

internal sealed record TimelineBarJson(string Task, int Attempt, DateTimeOffset Start, DateTimeOffset? End, string Outcome, bool Critical, string? Error);

internal sealed record TransitionJson(DateTimeOffset At, string Task, string From, string To, int Attempt, string? Error);

internal sealed record AuditJson(DateTimeOffset At, string Who, string Action, string Workflow, string RunId, string? Task, string? Expected, string Outcome, int Status);

internal sealed record AvailableActionsJson(bool Cancel, bool RetryFailed, bool RetryFrom, bool Rerun, string? Note);

internal sealed record RunDetailJson(
    string Workflow,
    string WorkflowName,
    string RunId,
    string Status,
    string Source,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    double? DurationMs,
    IReadOnlyList<InputValueJson> Inputs,
    IReadOnlyList<TaskRowJson> Tasks,
    IReadOnlyList<TimelineBarJson> Timeline,
    IReadOnlyList<string> CriticalPath,
    IReadOnlyList<TransitionJson> History,
    IReadOnlyList<AuditJson> Audit,
    AvailableActionsJson Actions,
    string? RerunOf,
    string? Error);

internal sealed record AttemptJson(int Number, DateTimeOffset? StartedAt, DateTimeOffset? EndedAt, string Outcome, string? Error);

internal sealed record ExceptionJson(string Type, string Message, IReadOnlyList<string> Throughline, string Detail, bool DetailCut);

internal sealed record PolicyJson(
    int MaxAttempts,
    int Retries,
    string Backoff,
    double BackoffBaseMs,
    double BackoffCapMs,
    double Jitter,
    double? TimeoutMs,
    string OnDependencyFailure,
    string Backend);

internal sealed record LogLineJson(DateTimeOffset At, string Level, string Category, string Message);

internal sealed record TaskDetailJson(
    string Workflow,
    string RunId,
    string Task,
    string State,
    IReadOnlyList<AttemptJson> Attempts,
    ExceptionJson? Exception,
    string? StoredError,
    PolicyJson? Policy,
    DateTimeOffset? NextAttemptAt,
    string? Output,
    bool OutputCut,
    IReadOnlyList<LogLineJson> Logs,
    bool LogsCaptured,
    IReadOnlyList<string> Downstream,
    bool CanRetryFrom);

internal sealed record InputJson(string Name, string Type, string Kind, bool Nullable, bool Redacted);

internal sealed record WorkflowTaskJson(string Name, IReadOnlyList<string> DependsOn, PolicyJson Policy);

internal sealed record WorkflowJson(
    string Name,
    string FullName,
    bool Startable,
    IReadOnlyList<InputJson> Inputs,
    IReadOnlyList<WorkflowTaskJson> Tasks,
    SchedulesJson Schedules);

internal sealed record WorkflowListJson(IReadOnlyList<WorkflowJson> Workflows);

internal sealed record ActionRequestJson(string? Expected, string? RequestId);

internal sealed record TriggerRequestJson(JsonElement? Inputs, string? RunId, string? RequestId);

internal sealed record BulkItemJson(string Workflow, string RunId, string? Expected);

internal sealed record BulkRequestJson(string Action, IReadOnlyList<BulkItemJson> Runs, string? RequestId);

internal sealed record ActionResultJson(string Outcome, string Message, string? Workflow, string? RunId, string? Url, string? Status);

internal sealed record BulkItemResultJson(string Workflow, string RunId, int Status, string Outcome, string Message);

internal sealed record BulkResultJson(IReadOnlyList<BulkItemResultJson> Results);

internal sealed record ErrorJson(string Error, string? Actual);

internal sealed record SessionJson(string CsrfToken, string Access, bool ReadOnly, string CsrfHeader);

internal sealed record LiveEventJson(string Kind, string? Workflow, string? RunId, string? Task, string? State, int? Attempt, DateTimeOffset At, string? Text);
