using System;
using Microsoft.Extensions.Logging;

namespace Workflowy;

/// <summary>The runtime's log messages (source-generated, no boxing, AOT safe).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Task '{Task}' in run {RunId} failed after {Attempts} attempt(s)")]
    public static partial void TaskFailed(ILogger logger, string task, string runId, int attempts, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Task '{Task}' in run {RunId} {Outcome}: its dependencies '{Dependencies}' did not complete")]
    public static partial void DependencyFailed(ILogger logger, string task, string runId, string outcome, string dependencies);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Task '{Task}' in run {RunId} timed out after {TimeoutSeconds} s on attempt {Attempt}; its synchronous body could not be interrupted and was abandoned on managed thread {ThreadId}")]
    public static partial void BodyAbandoned(ILogger logger, string task, string runId, double timeoutSeconds, int attempt, int threadId);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Task '{Task}' in run {RunId} failed on attempt {Attempt}; retrying in {DelayMilliseconds} ms")]
    public static partial void Retrying(ILogger logger, string task, string runId, int attempt, double delayMilliseconds, Exception exception);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "The checkpoint of run {RunId} could not be stored; the run goes on")]
    public static partial void StoreFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Task '{Task}' in run {RunId} completed, but its result could not be serialised for the checkpoint; a resumed run runs it again")]
    public static partial void ResultNotStored(ILogger logger, string task, string runId, Exception exception);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Task '{Task}' (key '{Key}') in run {RunId} has a stored result that does not read back as {ResultType} (its type changed, or the record was edited); the task runs again")]
    public static partial void ResultNotRestored(ILogger logger, string task, string key, string runId, string resultType, Exception exception);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "A handler of {Event} on run {RunId} threw; the run goes on")]
    public static partial void HandlerFailed(ILogger logger, string @event, string runId, Exception exception);
}
