using System.Text.Json.Serialization;

namespace Workflowy.Dashboard;

/// <summary>The source-generated JSON of every API shape (no reflection).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    WriteIndented = false,
    PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(OverviewJson))]
[JsonSerializable(typeof(RunListJson))]
[JsonSerializable(typeof(RunDetailJson))]
[JsonSerializable(typeof(TaskDetailJson))]
[JsonSerializable(typeof(WorkflowListJson))]
[JsonSerializable(typeof(WorkflowJson))]
[JsonSerializable(typeof(ActionRequestJson))]
[JsonSerializable(typeof(TriggerRequestJson))]
[JsonSerializable(typeof(BulkRequestJson))]
[JsonSerializable(typeof(ActionResultJson))]
[JsonSerializable(typeof(BulkResultJson))]
[JsonSerializable(typeof(ErrorJson))]
[JsonSerializable(typeof(SessionJson))]
[JsonSerializable(typeof(LiveEventJson))]
internal sealed partial class DashboardJson : JsonSerializerContext
{
}
