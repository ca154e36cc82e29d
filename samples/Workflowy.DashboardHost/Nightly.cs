using System;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using Workflowy;

namespace Workflowy.DashboardHost;

/// <summary>A nightly report: extract, clean, then build the report and notify (whose mail server is down, by design).</summary>
[WorkflowSerialization(typeof(NightlyJson))]
public sealed partial class Nightly(ILogger<Nightly> logger)
{
    [Task(Backend = Backend.Async)]
    public async Task<int> Extract(string source, int rows, TaskContext context, CancellationToken cancellationToken)
    {
        for (var i = 1; i <= 4; i++)
        {
            await Task.Delay(150, cancellationToken);
            context.ReportProgress(i / 4.0, $"{i * rows / 4} of {rows} rows");
        }

        logger.LogInformation("extracted {Rows} rows from {Source}", rows, source);
        return rows;
    }

    [Task]
    [DependsOn(nameof(Extract))]
    public int Clean(int extract)
    {
        logger.LogInformation("dropped {Dropped} duplicate rows", extract / 10);
        return extract - (extract / 10);
    }

    [Task]
    [DependsOn(nameof(Clean))]
    public string Report(int clean) => $"{clean} rows reported";

    [Task(Retries = 2, BackoffBaseSeconds = 0.2)]
    [DependsOn(nameof(Report))]
    public bool Notify(string report, string recipient, string apiToken)
    {
        logger.LogWarning("sending '{Report}' to {Recipient}", report, recipient);
        throw new InvalidOperationException($"mail server unreachable (token {apiToken.Length} chars)");
    }
}

[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(bool))]
internal sealed partial class NightlyJson : JsonSerializerContext
{
}
