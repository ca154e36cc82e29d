using System;
using System.Buffers;
using System.Collections.Generic;
using System.Text;
using System.Text.Json;

namespace Workflowy.Scheduling;

/// <summary>What a fire knows: the trigger's context values and, for events and status triggers, their data.</summary>
internal sealed class FireContext
{
    public DateTimeOffset Scheduled { get; init; }

    public DateTimeOffset FireTime { get; init; }

    public int MissedCount { get; init; }

    public string? EventId { get; init; }

    public string? Condition { get; init; }

    /// <summary>The event payload (for an All-join: an object with one property per condition).</summary>
    public JsonElement? Payload { get; init; }

    /// <summary>Extra payloads searched by input name (the payloads of an All-join's conditions).</summary>
    public IReadOnlyList<JsonElement>? MorePayloads { get; init; }

    /// <summary>The source's result as JSON (status triggers), or null with <see cref="ResultError"/> saying why.</summary>
    public string? ResultJson { get; init; }

    public string? ResultError { get; init; }

    public JsonElement? SourceInputs { get; init; }

    public int ChainDepth { get; init; }
}

/// <summary>Builds the inputs object of a started workflow (R12), or says which input failed and why.</summary>
internal static class InputBinder
{
    public static bool TryBind(WorkflowDefinition definition, JsonElement staticInputs, IReadOnlyList<InputBinding> bindings, FireContext context, out string inputsJson, out string failure)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var input in definition.Inputs)
            {
                InputBinding? binding = null;
                foreach (var candidate in bindings)
                {
                    if (string.Equals(candidate.Input, input.Name, StringComparison.Ordinal))
                    {
                        binding = candidate;
                        break;
                    }
                }

                writer.WritePropertyName(input.Name);
                if (binding is not null)
                {
                    if (!TryWriteBound(writer, binding, context, out var reason))
                    {
                        inputsJson = "";
                        failure = $"TriggerBindingFailed(\"{input.Name}\", {reason})";
                        return false;
                    }

                    continue;
                }

                if (staticInputs.ValueKind == JsonValueKind.Object && staticInputs.TryGetProperty(input.Name, out var fixedValue))
                {
                    fixedValue.WriteTo(writer);
                    continue;
                }

                if (FindByName(context, input.Name) is { } byName)
                {
                    byName.WriteTo(writer);
                    continue;
                }

                if (input.TypeName.EndsWith('?'))
                {
                    writer.WriteNullValue();
                    continue;
                }

                inputsJson = "";
                failure = $"TriggerBindingFailed(\"{input.Name}\", missing: no binding, static value or payload property gives it)";
                return false;
            }

            writer.WriteEndObject();
        }

        inputsJson = Encoding.UTF8.GetString(buffer.WrittenSpan);
        failure = "";
        return true;
    }

    private static bool TryWriteBound(Utf8JsonWriter writer, InputBinding binding, FireContext context, out string reason)
    {
        reason = "";
        switch (binding.Source)
        {
            case BindingSource.Event:
                if (context.Payload is { } payload && JsonPath.TryGet(payload, binding.Path!, out var value))
                {
                    value.WriteTo(writer);
                    return true;
                }

                reason = $"missing: the payload has no '{binding.Path}'";
                return false;
            case BindingSource.SourceInput:
                if (context.SourceInputs is { } inputs && JsonPath.TryGet(inputs, binding.Path!, out var input))
                {
                    input.WriteTo(writer);
                    return true;
                }

                reason = $"missing: the source run's inputs have no '{binding.Path}'";
                return false;
            case BindingSource.Result:
                if (context.ResultJson is { } result)
                {
                    using var document = JsonDocument.Parse(result);
                    document.RootElement.WriteTo(writer);
                    return true;
                }

                reason = $"missing: {context.ResultError ?? "the source has no result"}";
                return false;
            default:
                switch (binding.Value)
                {
                    case TriggerValue.ScheduledTime:
                        writer.WriteStringValue(context.Scheduled);
                        return true;
                    case TriggerValue.FireTime:
                        writer.WriteStringValue(context.FireTime);
                        return true;
                    case TriggerValue.MissedCount:
                        writer.WriteNumberValue(context.MissedCount);
                        return true;
                    case TriggerValue.EventId when context.EventId is { } id:
                        writer.WriteStringValue(id);
                        return true;
                    case TriggerValue.Condition when context.Condition is { } condition:
                        writer.WriteStringValue(condition);
                        return true;
                    default:
                        reason = $"missing: the trigger has no {binding.Value}";
                        return false;
                }
        }
    }

    private static JsonElement? FindByName(FireContext context, string name)
    {
        if (context.Payload is { ValueKind: JsonValueKind.Object } payload && Property(payload, name) is { } found)
        {
            return found;
        }

        if (context.MorePayloads is { } more)
        {
            foreach (var extra in more)
            {
                if (extra.ValueKind == JsonValueKind.Object && Property(extra, name) is { } inExtra)
                {
                    return inExtra;
                }
            }
        }

        return null;
    }

    private static JsonElement? Property(JsonElement obj, string name)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }
}
