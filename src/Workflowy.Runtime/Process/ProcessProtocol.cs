using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Workflowy;

/// <summary>
/// One line of the Process backend's protocol: JSON, one message per line, over the child's stdin (parent to child)
/// and stdout (child to parent). The child says <see cref="Hello"/> first; then the parent sends one
/// <see cref="Invoke"/> at a time, and the child answers with any number of <see cref="Progress"/> lines and one
/// <see cref="Result"/> or <see cref="Error"/> line with the same id.
/// </summary>
internal sealed class ProcessMessage
{
    public const string Hello = "hello";
    public const string Invoke = "invoke";
    public const string Result = "result";
    public const string Error = "error";
    public const string Progress = "progress";

    /// <summary>The protocol the hello line names; a child that says anything else is refused.</summary>
    public const string ProtocolName = "workflowy-process-worker/1";

    public string Kind { get; set; } = string.Empty;

    public long Id { get; set; }

    public string? Protocol { get; set; }

    public int Pid { get; set; }

    public string? Workflow { get; set; }

    public string? Task { get; set; }

    public string? Inputs { get; set; }

    public Dictionary<string, string?>? Dependencies { get; set; }

    public string? RunId { get; set; }

    public int Attempt { get; set; }

    /// <summary>The result JSON; null with <see cref="HasResult"/> false for a task without a result.</summary>
    public string? Value { get; set; }

    public bool HasResult { get; set; }

    public double Fraction { get; set; }

    public string? Message { get; set; }

    public string? ErrorType { get; set; }

    public string? StackTrace { get; set; }

    /// <summary>The child cannot go on after this error (it ran out of memory) and exits after reporting it.</summary>
    public bool Fatal { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = false, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(ProcessMessage))]
internal sealed partial class ProcessProtocolJson : JsonSerializerContext
{
}
