using System;
using Microsoft.Extensions.Logging;

namespace Workflowy;

internal static partial class Log
{
    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "The runner's result cache threw on {Operation} for task '{Task}' in run {RunId}; the task runs (or its result goes uncached)")]
    public static partial void ResultCacheFailed(ILogger logger, string operation, string task, string runId, Exception exception);
}
