using System;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Workflowy.Scheduling;

/// <summary>Dotted paths into JSON payloads (<c>order.id</c>): segments are property names, compared ordinally.</summary>
internal static class JsonPath
{
    public static bool IsValid(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return false;
        }

        foreach (var segment in path.Split('.'))
        {
            if (segment.Length == 0)
            {
                return false;
            }

            foreach (var c in segment)
            {
                if (!(char.IsLetterOrDigit(c) || c is '_' or '-' or '$'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    public static bool TryGet(JsonElement root, string path, out JsonElement value)
    {
        value = root;
        foreach (var segment in path.Split('.'))
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(segment, out value))
            {
                value = default;
                return false;
            }
        }

        return true;
    }

    /// <summary>Equality by JSON type and value: numbers by value, strings ordinally, objects and arrays by their raw text.</summary>
    public static bool JsonEquals(JsonElement a, JsonElement b)
    {
        if (a.ValueKind != b.ValueKind)
        {
            return false;
        }

        return a.ValueKind switch
        {
            JsonValueKind.String => string.Equals(a.GetString(), b.GetString(), StringComparison.Ordinal),
            JsonValueKind.Number => a.TryGetDecimal(out var x) && b.TryGetDecimal(out var y) ? x == y : a.GetDouble().Equals(b.GetDouble()),
            JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => true,
            _ => string.Equals(a.GetRawText(), b.GetRawText(), StringComparison.Ordinal),
        };
    }
}

[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(System.Collections.Generic.Dictionary<string, JsonElement>))]
internal sealed partial class SchedulingJson : JsonSerializerContext
{
}
