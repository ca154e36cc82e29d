using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;

namespace Workflowy.Scheduling.SourceGeneration;

/// <summary>A problem found on a schedule or trigger declaration.</summary>
internal readonly record struct Problem(DiagnosticDescriptor Descriptor, Location? Location, object[] Args);

/// <summary>What one target (a workflow class or a [Workflow] entry point) declares: its problems and, when it has none, its registration code.</summary>
internal sealed class TargetDeclarations
{
    public List<Problem> Problems { get; } = [];

    public StringBuilder Code { get; } = new();

    public string WorkflowFullName { get; set; } = "";

    public string WorkflowName { get; set; } = "";

    /// <summary>The source workflows of its status triggers, with where they are named.</summary>
    public List<(string Source, Location? Location)> StatusSources { get; } = [];

    public bool HasErrors => Problems.Exists(p => p.Descriptor.DefaultSeverity == DiagnosticSeverity.Error);
}

/// <summary>Reads the scheduling attributes of a target; shared by the analyzer (problems) and the generator (code).</summary>
internal static class ScheduleReader
{
    public const string Ns = "Workflowy.Scheduling.";
    private const string G = "global::Workflowy.Scheduling.";

    /// <summary>The attributes that make a target a schedule or trigger declaration.</summary>
    public static readonly string[] TargetAttributes = [Ns + "EveryAttribute", Ns + "CronAttribute", Ns + "AtAttribute", Ns + "OnEventAttribute", Ns + "OnStatusAttribute"];

    public static TargetDeclarations Read(ISymbol target)
    {
        var result = new TargetDeclarations();
        var type = target as INamedTypeSymbol ?? target.ContainingType;
        result.WorkflowFullName = type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat.WithGenericsOptions(SymbolDisplayGenericsOptions.None));
        result.WorkflowName = type.Name;
        var attributes = target.GetAttributes();
        var prefix = target is IMethodSymbol m ? $"{result.WorkflowFullName}.{m.Name}" : result.WorkflowFullName;
        var method = target as IMethodSymbol;

        var scheduleIndex = 0;
        var anyTime = false;
        var anyEvent = false;
        var anyStatus = false;
        string? staticInputs = null;
        foreach (var attribute in attributes)
        {
            switch (attribute.AttributeClass?.ToDisplayString())
            {
                case Ns + "EveryAttribute":
                case Ns + "CronAttribute":
                case Ns + "AtAttribute":
                    anyTime = true;
                    staticInputs = Named<string>(attribute, "Inputs") ?? staticInputs;
                    break;
                case Ns + "OnEventAttribute":
                    anyEvent = true;
                    break;
                case Ns + "OnStatusAttribute":
                    anyStatus = true;
                    break;
                case Ns + "TriggerJoinAttribute":
                    staticInputs = Named<string>(attribute, "Inputs") ?? staticInputs;
                    break;
            }
        }

        var bindings = ReadBindings(method, result, anyTime, anyEvent, anyStatus, attributes);
        foreach (var attribute in attributes)
        {
            var name = attribute.AttributeClass?.ToDisplayString();
            if (name is not (Ns + "EveryAttribute" or Ns + "CronAttribute" or Ns + "AtAttribute"))
            {
                continue;
            }

            var id = Named<string>(attribute, "Id") ?? $"{prefix}#{scheduleIndex}";
            scheduleIndex++;
            var spec = ReadSpec(attribute, name, result, out var gap);
            var options = ReadOptions(attribute, result, gap);
            if (spec is null || options is null)
            {
                continue;
            }

            result.Code.Append("        ").Append(G).Append("DeclaredSchedules.Register(new ").Append(G).Append("DeclaredSchedule(")
                .Append(Literal(id)).Append(", ").Append(Literal(result.WorkflowFullName)).Append(", static () => ").Append(spec).Append(", ")
                .Append(options).Append(", ").Append(Literal(Named<string>(attribute, "Inputs") ?? "{}")).Append(", ").Append(bindings).AppendLine("));");
        }

        if (anyEvent || anyStatus)
        {
            ReadTrigger(attributes, prefix, result, bindings, staticInputs);
        }

        CheckParameters(method, result, anyTime, anyEvent, anyStatus, staticInputs, attributes);
        return result;
    }

    private static string? ReadSpec(AttributeData attribute, string name, TargetDeclarations result, out TimeSpan? gap)
    {
        gap = null;
        var value = attribute.ConstructorArguments.Length > 0 ? attribute.ConstructorArguments[0].Value as string : null;
        var location = LocationOf(attribute);
        switch (name)
        {
            case Ns + "EveryAttribute":
                if (!Checks.TryDuration(value, out var interval))
                {
                    result.Problems.Add(new Problem(Descriptors.InvalidDuration, location, ["Every interval", value ?? ""]));
                    return null;
                }

                gap = interval;
                return $"{G}ScheduleSpec.Every(global::System.TimeSpan.FromTicks({interval.Ticks}), {Bool(Named<bool>(attribute, "StartImmediately"))}, ({G}IntervalMeasure){Named<int>(attribute, "Measure")})";
            case Ns + "CronAttribute":
                var cron = Checks.ParseCron(value ?? "", out var fields, out var error);
                if (cron is null)
                {
                    result.Problems.Add(error is null
                        ? new Problem(Descriptors.CronFieldCount, location, [value ?? "", fields])
                        : new Problem(Descriptors.InvalidCron, location, [value ?? "", error]));
                    return null;
                }

                if (Checks.NeverFires(cron))
                {
                    result.Problems.Add(new Problem(Descriptors.CronNeverFires, location, [value!]));
                }

                gap = Checks.ShortestGap(cron);
                var zone = Named<string>(attribute, "TimeZone");
                return zone is null ? $"{G}ScheduleSpec.Cron({Literal(value!)})" : $"{G}ScheduleSpec.Cron({Literal(value!)}, {Literal(zone)})";
            default:
                if (!Checks.TryInstant(value, out var instant))
                {
                    result.Problems.Add(new Problem(Descriptors.InvalidInstant, location, [value ?? ""]));
                    return null;
                }

                return $"{G}ScheduleSpec.At(new global::System.DateTimeOffset({instant.Ticks}L, global::System.TimeSpan.FromTicks({instant.Offset.Ticks}L)))";
        }
    }

    private static string? ReadOptions(AttributeData attribute, TargetDeclarations result, TimeSpan? gap)
    {
        var location = LocationOf(attribute);
        var ok = true;
        var text = new StringBuilder("new ").Append(G).Append("ScheduleOptions { Misfire = (").Append(G).Append("MisfirePolicy)").Append(Named<int>(attribute, "Misfire"))
            .Append(", Overlap = (").Append(G).Append("OverlapPolicy)").Append(Named<int>(attribute, "Overlap"));
        if (Named<string>(attribute, "Threshold") is { } threshold)
        {
            if (Checks.TryDuration(threshold, out var t))
            {
                text.Append(", MisfireThreshold = global::System.TimeSpan.FromTicks(").Append(t.Ticks).Append(')');
            }
            else
            {
                result.Problems.Add(new Problem(Descriptors.InvalidDuration, location, ["Threshold", threshold]));
                ok = false;
            }
        }

        if (Named<string>(attribute, "Jitter") is { } jitterText)
        {
            if (!Checks.TryDuration(jitterText, out var jitter))
            {
                result.Problems.Add(new Problem(Descriptors.InvalidDuration, location, ["Jitter", jitterText]));
                ok = false;
            }
            else if (gap is { } g && jitter >= g)
            {
                result.Problems.Add(new Problem(Descriptors.OptionOutOfRange, location, [$"Jitter {jitterText} must be smaller than the schedule's shortest gap {g.ToString("c", CultureInfo.InvariantCulture)}"]));
                ok = false;
            }
            else
            {
                text.Append(", Jitter = global::System.TimeSpan.FromTicks(").Append(jitter.Ticks).Append(')');
            }
        }

        var hasCatchUp = attribute.NamedArguments.Any(a => a.Key == "MaxCatchUp");
        var maxCatchUp = hasCatchUp ? Named<int>(attribute, "MaxCatchUp") : 10;
        if (maxCatchUp is < 1 or > 1000)
        {
            result.Problems.Add(new Problem(Descriptors.OptionOutOfRange, location, [$"MaxCatchUp must be between 1 and 1000, not {maxCatchUp}"]));
            ok = false;
        }

        text.Append(", MaxCatchUp = ").Append(maxCatchUp).Append(" }");
        return ok ? text.ToString() : null;
    }

    private static void ReadTrigger(IEnumerable<AttributeData> attributes, string prefix, TargetDeclarations result, string bindings, string? staticInputs)
    {
        var eventFilters = new List<string>();
        var inputFilters = new List<string>();
        AttributeData? join = null;
        foreach (var attribute in attributes)
        {
            switch (attribute.AttributeClass?.ToDisplayString())
            {
                case Ns + "EventFilterAttribute":
                    var path = attribute.ConstructorArguments[0].Value as string;
                    if (!Checks.IsPath(path))
                    {
                        result.Problems.Add(new Problem(Descriptors.InvalidPath, LocationOf(attribute), [$"\"{path}\" is not a valid payload path (dotted identifiers, e.g. \"order.region\")"]));
                        continue;
                    }

                    var raw = attribute.ConstructorArguments[1].Value;
                    var json = raw switch
                    {
                        string s => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"",
                        bool b => b ? "true" : "false",
                        _ => Convert.ToString(raw, CultureInfo.InvariantCulture) ?? "null",
                    };
                    eventFilters.Add($"new {G}PayloadFilter({Literal(path!)}, {Literal(json)})");
                    break;
                case Ns + "SourceInputFilterAttribute":
                    var inputPath = attribute.ConstructorArguments[0].Value as string;
                    if (!Checks.IsPath(inputPath))
                    {
                        result.Problems.Add(new Problem(Descriptors.InvalidPath, LocationOf(attribute), [$"\"{inputPath}\" is not a valid path (dotted identifiers, e.g. \"tenant\")"]));
                        continue;
                    }

                    inputFilters.Add($"{G}PayloadFilter.Equal({Literal(inputPath!)}, {Literal(attribute.ConstructorArguments[1].Value as string ?? "")})");
                    break;
                case Ns + "TriggerJoinAttribute":
                    join = attribute;
                    break;
            }
        }

        var conditions = new List<string>();
        foreach (var attribute in attributes)
        {
            switch (attribute.AttributeClass?.ToDisplayString())
            {
                case Ns + "OnEventAttribute":
                    var name = attribute.ConstructorArguments[0].Value as string;
                    if (string.IsNullOrEmpty(name))
                    {
                        result.Problems.Add(new Problem(Descriptors.InvalidPath, LocationOf(attribute), ["Event name must not be empty"]));
                        continue;
                    }

                    conditions.Add($"{G}TriggerCondition.OnEvent({Literal(name!)}{string.Concat(eventFilters.Select(f => ", " + f))})");
                    break;
                case Ns + "OnStatusAttribute":
                    var source = attribute.ConstructorArguments[0].Value as string ?? "";
                    result.StatusSources.Add((source, LocationOf(attribute)));
                    var status = attribute.NamedArguments.Any(a => a.Key == "Status") ? Named<int>(attribute, "Status") : 1;
                    var task = Named<string>(attribute, "Task");
                    var exception = attribute.NamedArguments.FirstOrDefault(a => a.Key == "ExceptionType").Value.Value as ITypeSymbol;
                    conditions.Add($"{G}TriggerCondition.OnStatus({Literal(source)}, ({G}TriggerStatus){status}, {(task is null ? "null" : Literal(task))}, "
                        + $"new {G}PayloadFilter[] {{ {string.Join(", ", inputFilters)} }}, null, {(exception is null ? "null" : $"typeof({exception.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)})")})");
                    break;
            }
        }

        var options = $"new {G}TriggerOptions()";
        var id = $"{prefix}#trigger";
        if (join is not null)
        {
            var kind = join.ConstructorArguments[0].Value is int k ? k : 0;
            var correlate = Named<string>(join, "CorrelateBy");
            var within = Named<string>(join, "Within");
            id = Named<string>(join, "Id") ?? id;
            if (correlate is not null && !Checks.IsPath(correlate))
            {
                result.Problems.Add(new Problem(Descriptors.InvalidPath, LocationOf(join), [$"CorrelateBy \"{correlate}\" is not a valid payload path (dotted identifiers, e.g. \"order.id\")"]));
            }

            TimeSpan window = default;
            if (within is not null && !Checks.TryDuration(within, out window))
            {
                result.Problems.Add(new Problem(Descriptors.InvalidDuration, LocationOf(join), ["Within", within]));
            }
            else if (within is null && kind == 1)
            {
                result.Problems.Add(new Problem(Descriptors.JoinWithoutWindow, LocationOf(join), [result.WorkflowName]));
            }

            options = $"new {G}TriggerOptions {{ Join = ({G}JoinKind){kind}, CorrelateBy = {(correlate is null ? "null" : Literal(correlate))}"
                + (within is null ? "" : $", Within = global::System.TimeSpan.FromTicks({window.Ticks})") + " }";
        }

        result.Code.Append("        ").Append(G).Append("DeclaredSchedules.Register(new ").Append(G).Append("DeclaredTrigger(")
            .Append(Literal(id)).Append(", ").Append(Literal(result.WorkflowFullName)).Append(", static () => new ").Append(G).Append("TriggerCondition[] { ")
            .Append(string.Join(", ", conditions)).Append(" }, ").Append(options).Append(", ").Append(Literal(staticInputs ?? "{}")).Append(", ").Append(bindings).AppendLine("));");
    }

    private static string ReadBindings(IMethodSymbol? method, TargetDeclarations result, bool anyTime, bool anyEvent, bool anyStatus, IEnumerable<AttributeData> targetAttributes)
    {
        var items = new List<string>();
        if (method is null)
        {
            return $"global::System.Array.Empty<{G}InputBinding>()";
        }

        foreach (var parameter in method.Parameters)
        {
            foreach (var attribute in parameter.GetAttributes())
            {
                var location = LocationOf(attribute);
                switch (attribute.AttributeClass?.ToDisplayString())
                {
                    case Ns + "FromEventAttribute":
                        var path = attribute.ConstructorArguments[0].Value as string;
                        if (!Checks.IsPath(path))
                        {
                            result.Problems.Add(new Problem(Descriptors.InvalidPath, location, [$"\"{path}\" is not a valid payload path (dotted identifiers, e.g. \"order.id\")"]));
                        }
                        else
                        {
                            items.Add($"{G}InputBinding.FromEvent({Literal(parameter.Name)}, {Literal(path!)})");
                        }

                        break;
                    case Ns + "FromSourceInputAttribute":
                        var inputPath = attribute.ConstructorArguments[0].Value as string;
                        if (!Checks.IsPath(inputPath))
                        {
                            result.Problems.Add(new Problem(Descriptors.InvalidPath, location, [$"\"{inputPath}\" is not a valid path (dotted identifiers, e.g. \"tenant\")"]));
                        }
                        else
                        {
                            items.Add($"{G}InputBinding.FromSourceInput({Literal(parameter.Name)}, {Literal(inputPath!)})");
                        }

                        break;
                    case Ns + "FromResultAttribute":
                        items.Add($"{G}InputBinding.FromResult({Literal(parameter.Name)})");
                        break;
                    case Ns + "FromTriggerAttribute":
                        items.Add($"{G}InputBinding.FromTrigger({Literal(parameter.Name)}, ({G}TriggerValue){attribute.ConstructorArguments[0].Value})");
                        break;
                }
            }
        }

        return items.Count == 0 ? $"global::System.Array.Empty<{G}InputBinding>()" : $"new {G}InputBinding[] {{ {string.Join(", ", items)} }}";
    }

    /// <summary>R12 at compile time: every input of a scheduled or triggered entry point has a value, from a source that the trigger has, and one explicit source at most.</summary>
    private static void CheckParameters(IMethodSymbol? method, TargetDeclarations result, bool anyTime, bool anyEvent, bool anyStatus, string? staticInputs, IEnumerable<AttributeData> attributes)
    {
        if (method is null || !(anyTime || anyEvent || anyStatus))
        {
            return;
        }

        foreach (var parameter in method.Parameters)
        {
            var typeName = parameter.Type.ToDisplayString();
            if (typeName is "System.Threading.CancellationToken" or "Workflowy.WorkflowRunner")
            {
                continue;
            }

            var explicitSources = parameter.GetAttributes()
                .Select(a => a.AttributeClass?.ToDisplayString())
                .Where(n => n is Ns + "FromEventAttribute" or Ns + "FromTriggerAttribute" or Ns + "FromResultAttribute" or Ns + "FromSourceInputAttribute")
                .ToList();
            var location = parameter.Locations.FirstOrDefault();
            if (explicitSources.Count > 1)
            {
                result.Problems.Add(new Problem(Descriptors.UnboundInput, location, [$"Parameter '{parameter.Name}' of '{method.Name}' is bound by both {Short(explicitSources[0])} and {Short(explicitSources[1])}; keep one"]));
                continue;
            }

            var source = explicitSources.FirstOrDefault();
            if (source == Ns + "FromEventAttribute" && !anyEvent)
            {
                result.Problems.Add(new Problem(Descriptors.UnboundInput, location, [$"Parameter '{parameter.Name}' of '{method.Name}' is bound [FromEvent], but '{method.Name}' has no [OnEvent] trigger"]));
            }
            else if (source is Ns + "FromResultAttribute" or Ns + "FromSourceInputAttribute" && !anyStatus)
            {
                result.Problems.Add(new Problem(Descriptors.UnboundInput, location, [$"Parameter '{parameter.Name}' of '{method.Name}' is bound [{Short(source)}], but '{method.Name}' has no [OnStatus] trigger"]));
            }
            else if (source is null && !parameter.HasExplicitDefaultValue && !InStaticInputs(staticInputs, parameter.Name) && (anyTime || (anyStatus && !anyEvent)))
            {
                var trigger = anyTime ? "its schedule" : "its status trigger";
                result.Problems.Add(new Problem(Descriptors.UnboundInput, location,
                    [$"Parameter '{parameter.Name}' of '{method.Name}' has no value for {trigger}; bind it with [FromTrigger]{(anyStatus ? ", [FromResult] or [FromSourceInput]" : "")}, give it in the attribute's Inputs JSON, or give it a default value"]));
            }
        }
    }

    private static bool InStaticInputs(string? json, string name) => json is not null && json.IndexOf("\"" + name + "\"", StringComparison.Ordinal) >= 0;

    private static string Short(string? attribute) => attribute is null ? "" : attribute.Substring(Ns.Length, attribute.Length - Ns.Length - "Attribute".Length);

    public static Location? LocationOf(AttributeData attribute) => attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation();

    private static T? Named<T>(AttributeData attribute, string name)
    {
        foreach (var pair in attribute.NamedArguments)
        {
            if (pair.Key == name && pair.Value.Value is T value)
            {
                return value;
            }
        }

        return default;
    }

    private static string Bool(bool value) => value ? "true" : "false";

    public static string Literal(string value)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in value)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => c < ' ' ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c.ToString(),
            });
        }

        return builder.Append('"').ToString();
    }
}
