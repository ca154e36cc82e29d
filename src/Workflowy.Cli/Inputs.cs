using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace Workflowy.Cli;

/// <summary>
/// The inputs of a run from the command line: <c>--input name=value</c> pairs made into the JSON object
/// <see cref="WorkflowDefinition.StartAsync"/> takes (each value quoted or not by its input's C# type), or a JSON
/// document read from a file or standard input.
/// </summary>
internal static class Inputs
{
    private static readonly HashSet<string> Numbers = new(StringComparer.Ordinal)
    {
        "byte", "sbyte", "short", "ushort", "int", "uint", "long", "ulong", "nint", "nuint", "float", "double", "decimal",
        "Byte", "SByte", "Int16", "UInt16", "Int32", "UInt32", "Int64", "UInt64", "IntPtr", "UIntPtr", "Single", "Double",
        "Decimal", "Half", "Int128", "UInt128", "BigInteger", "Numerics.BigInteger",
    };

    private static readonly HashSet<string> Texts = new(StringComparer.Ordinal)
    {
        "string", "String", "char", "Char", "Guid", "DateTime", "DateTimeOffset", "TimeSpan", "DateOnly", "TimeOnly",
        "Uri", "Version",
    };

    /// <summary>How a value given for an input of this C# type is written in the JSON object.</summary>
    internal enum Kind
    {
        /// <summary>Always a JSON string.</summary>
        Text,

        /// <summary>A JSON number (or null for a nullable type).</summary>
        Number,

        /// <summary>true or false (or null for a nullable type).</summary>
        Boolean,

        /// <summary>Anything else: the value as JSON if it is valid JSON, else as a string.</summary>
        Json,
    }

    /// <summary>The kind of an input's type name (<see cref="WorkflowInputInfo.TypeName"/>), and whether it is nullable.</summary>
    internal static (Kind Kind, bool Nullable) KindOf(string typeName)
    {
        var name = typeName.Trim();
        var nullable = name.EndsWith('?');
        if (nullable)
        {
            name = name[..^1];
        }

        if (name.StartsWith("global::", StringComparison.Ordinal))
        {
            name = name["global::".Length..];
        }

        if (name.StartsWith("System.", StringComparison.Ordinal))
        {
            name = name["System.".Length..];
        }

        if (name.StartsWith("Nullable<", StringComparison.Ordinal) && name.EndsWith('>'))
        {
            return (KindOf(name["Nullable<".Length..^1]).Kind, true);
        }

        if (Texts.Contains(name))
        {
            return (Kind.Text, nullable);
        }

        if (Numbers.Contains(name))
        {
            return (Kind.Number, nullable);
        }

        return name is "bool" or "Boolean" ? (Kind.Boolean, nullable) : (Kind.Json, nullable);
    }

    /// <summary>
    /// The inputs JSON object from <c>name=value</c> pairs (and <c>name:=json</c>, a raw JSON value). Every input of the
    /// workflow must be given once; a usage error names the one that is not, or a value that does not fit its type.
    /// </summary>
    public static string FromPairs(WorkflowDefinition workflow, IReadOnlyList<string> pairs)
    {
        var values = new Dictionary<string, (string Value, bool Raw)>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new UsageException($"--input '{pair}' is not name=value{Expected(workflow)}.");
            }

            var raw = pair[equals - 1] == ':';
            var name = pair[..(raw ? equals - 1 : equals)];
            var value = pair[(equals + 1)..];
            var input = workflow.Inputs.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.Ordinal))
                ?? throw new UsageException($"'{name}' is not an input of workflow {workflow.Name}{Expected(workflow)}.");
            if (!values.TryAdd(input.Name, (value, raw)))
            {
                throw new UsageException($"The input '{name}' is given twice.");
            }
        }

        foreach (var input in workflow.Inputs)
        {
            if (!values.ContainsKey(input.Name))
            {
                throw new UsageException($"The input '{input.Name}' ({input.TypeName}) of workflow {workflow.Name} is missing: pass --input {input.Name}=<value>.");
            }
        }

        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var input in workflow.Inputs)
            {
                var (value, raw) = values[input.Name];
                writer.WritePropertyName(input.Name);
                WriteValue(writer, input, value, raw);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The inputs JSON from a file, or from <paramref name="stdin"/> for <c>-</c>.</summary>
    public static string FromFile(string path, TextReader stdin)
    {
        if (path == "-")
        {
            return stdin.ReadToEnd();
        }

        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new UsageException($"--inputs-json: cannot read '{path}': {ex.Message}", ex);
        }
    }

    private static void WriteValue(Utf8JsonWriter writer, WorkflowInputInfo input, string value, bool raw)
    {
        if (raw)
        {
            if (!IsJson(value))
            {
                throw new UsageException($"The input '{input.Name}' ({input.TypeName}): '{value}' after ':=' is not a JSON value.");
            }

            writer.WriteRawValue(value);
            return;
        }

        var (kind, nullable) = KindOf(input.TypeName);
        switch (kind)
        {
            case Kind.Text:
                writer.WriteStringValue(value);
                return;
            case Kind.Number:
                if (IsJsonNumber(value) || (nullable && value == "null"))
                {
                    writer.WriteRawValue(value);
                    return;
                }

                throw new UsageException($"The input '{input.Name}' ({input.TypeName}): '{value}' is not a number.");
            case Kind.Boolean:
                if (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value.Equals("false", StringComparison.OrdinalIgnoreCase))
                {
                    writer.WriteBooleanValue(value.Equals("true", StringComparison.OrdinalIgnoreCase));
                    return;
                }

                if (nullable && value == "null")
                {
                    writer.WriteNullValue();
                    return;
                }

                throw new UsageException($"The input '{input.Name}' ({input.TypeName}): '{value}' is not true or false.");
            default:
                if (IsJson(value))
                {
                    writer.WriteRawValue(value);
                }
                else
                {
                    writer.WriteStringValue(value);
                }

                return;
        }
    }

    private static bool IsJsonNumber(string value)
    {
        if (value.Length == 0 || !(char.IsAsciiDigit(value[0]) || value[0] == '-'))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(value);
            return document.RootElement.ValueKind == JsonValueKind.Number;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsJson(string value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(value);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Expected(WorkflowDefinition workflow) =>
        workflow.Inputs.Count == 0
            ? "; it has no inputs"
            : $"; its inputs are {string.Join(", ", workflow.Inputs.Select(static i => $"{i.Name} ({i.TypeName})"))}";
}
