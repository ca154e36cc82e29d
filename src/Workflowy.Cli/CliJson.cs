using System.Collections.Generic;
using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflowy.Cli;

// The shapes of --json output (docs/cli.md). Property names are camelCase; states and statuses are the enum names;
// times are ISO 8601; durations are milliseconds. Written through the source-generated CliJsonContext (no reflection).

/// <summary><c>list --json</c>.</summary>
internal sealed record WorkflowListJson(IReadOnlyList<WorkflowJson> Workflows);

/// <summary>One workflow of <c>list --json</c>.</summary>
internal sealed record WorkflowJson(string Name, string FullName, bool Startable, IReadOnlyList<InputJson> Inputs, IReadOnlyList<string> Tasks);

/// <summary>One input of a workflow.</summary>
internal sealed record InputJson(string Name, string Type);

/// <summary><c>run</c>, <c>resume</c>, <c>rerun</c> and <c>show</c> with <c>--json</c>: a run and its tasks.</summary>
internal sealed record RunReportJson(
    string Workflow,
    string RunId,
    string? Status,
    int? ExitCode,
    string Source,
    string? RerunOf,
    string? StartedAt,
    string? EndedAt,
    double? DurationMs,
    IReadOnlyDictionary<string, int> Counts,
    IReadOnlyList<TaskJson> Tasks,
    IReadOnlyList<FailureJson> Failures,
    IReadOnlyDictionary<string, JsonElement> Results,
    string? Error);

/// <summary>One task of a run report.</summary>
internal sealed record TaskJson(
    string Name,
    string Key,
    string State,
    int Attempts,
    string? StartedAt,
    string? EndedAt,
    double? DurationMs,
    string? Error,
    IReadOnlyList<string>? Throughline,
    IReadOnlyList<string>? Causes,
    bool Restored);

/// <summary>A task that did not complete, with the chain of tasks that led to it: itself first, the root cause last.</summary>
internal sealed record FailureJson(string Task, string State, string? Error, IReadOnlyList<string> Chain, string? RootError);

/// <summary><c>runs --json</c>.</summary>
internal sealed record RunListJson(IReadOnlyList<RunSummaryJson> Runs, bool More, IReadOnlyList<UnreadableJson> Unreadable);

/// <summary>One run of <c>runs --json</c>.</summary>
internal sealed record RunSummaryJson(string Workflow, string RunId, string? Status, string? StartedAt, string? EndedAt, double? DurationMs, TaskCountsJson Tasks);

/// <summary>Stored task records counted by state.</summary>
internal sealed record TaskCountsJson(int Completed, int Failed, int Cancelled, int Skipped, int NotTerminal, int Total);

/// <summary>A run the store could not read.</summary>
internal sealed record UnreadableJson(string Location, string Message);

/// <summary><c>cancel --json</c>.</summary>
internal sealed record CancelJson(string Workflow, string RunId, string Outcome, string? Status, string Message);

/// <summary><c>event --json</c>.</summary>
internal sealed record EventJson(string Name, JsonElement Payload, bool Stored);

/// <summary><c>--json</c> output of a command that could not be carried out (exit code 2).</summary>
internal sealed record ErrorJson(string Error, int ExitCode);

/// <summary>How --json output and results shown to people are written.</summary>
internal static class CliJson
{
    /// <summary>The output context: camelCase, indented, and only the escaping JSON needs (no <c>\u0027</c> for a quote).</summary>
    public static CliJsonContext Context { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>A JSON value written again with only the escaping JSON needs (a result as a workflow's context wrote it).</summary>
    public static string Relaxed(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                document.RootElement.WriteTo(writer);
            }

            return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }
        catch (JsonException)
        {
            return json;
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(WorkflowListJson))]
[JsonSerializable(typeof(RunReportJson))]
[JsonSerializable(typeof(RunListJson))]
[JsonSerializable(typeof(CancelJson))]
[JsonSerializable(typeof(EventJson))]
[JsonSerializable(typeof(ErrorJson))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
}
