using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Workflowy.Scheduling.SourceGeneration;

/// <summary>Checks schedule and trigger attributes (WFY030–WFY039); cron literals are parsed with Cronos, the runtime's parser. Time zones are not checked here (the build machine's zone data is not the server's): the scheduler checks them at start.</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ScheduleAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        Descriptors.InvalidCron, Descriptors.CronFieldCount, Descriptors.CronNeverFires, Descriptors.InvalidDuration, Descriptors.InvalidInstant,
        Descriptors.JoinWithoutWindow, Descriptors.OptionOutOfRange, Descriptors.UnboundInput, Descriptors.StatusCycle, Descriptors.InvalidPath);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            // workflow (full name) -> its short name and the status sources it listens to
            var edges = new ConcurrentBag<(string Workflow, string Name, string Source, Location? Location)>();
            start.RegisterSymbolAction(symbolContext => Analyze(symbolContext, edges), SymbolKind.NamedType, SymbolKind.Method);
            start.RegisterCompilationEndAction(end => ReportCycles(end, edges));
        });
    }

    private static void Analyze(SymbolAnalysisContext context, ConcurrentBag<(string, string, string, Location?)> edges)
    {
        var symbol = context.Symbol;
        if (!symbol.GetAttributes().Any(a => ScheduleReader.TargetAttributes.Contains(a.AttributeClass?.ToDisplayString())))
        {
            return;
        }

        var declarations = ScheduleReader.Read(symbol);
        foreach (var problem in declarations.Problems)
        {
            context.ReportDiagnostic(Diagnostic.Create(problem.Descriptor, problem.Location ?? symbol.Locations.FirstOrDefault(), problem.Args));
        }

        foreach (var (source, location) in declarations.StatusSources)
        {
            edges.Add((declarations.WorkflowFullName, declarations.WorkflowName, source, location));
        }
    }

    /// <summary>A cycle of OnStatus edges (source → triggered workflow): reported once, on each edge of the cycle.</summary>
    private static void ReportCycles(CompilationAnalysisContext context, ConcurrentBag<(string Workflow, string Name, string Source, Location? Location)> edges)
    {
        if (edges.IsEmpty)
        {
            return;
        }

        var all = edges.ToList();
        string Resolve(string name) => all.FirstOrDefault(e => e.Workflow == name || e.Name == name).Workflow ?? name;
        var next = new Dictionary<string, List<(string To, Location? Location)>>();
        foreach (var edge in all)
        {
            var from = Resolve(edge.Source);
            if (!next.TryGetValue(from, out var list))
            {
                next[from] = list = [];
            }

            list.Add((edge.Workflow, edge.Location));
        }

        var reported = new HashSet<string>();
        foreach (var start in next.Keys.OrderBy(k => k, System.StringComparer.Ordinal))
        {
            var path = new List<string> { start };
            var locations = new List<Location?>();
            if (FindCycle(start, start, next, path, locations, new HashSet<string>()) && reported.Add(string.Join(",", path.Distinct().OrderBy(p => p, System.StringComparer.Ordinal))))
            {
                var text = string.Join(" -> ", path);
                foreach (var location in locations)
                {
                    context.ReportDiagnostic(Diagnostic.Create(Descriptors.StatusCycle, location, text));
                }
            }
        }
    }

    private static bool FindCycle(string start, string at, Dictionary<string, List<(string To, Location? Location)>> next, List<string> path, List<Location?> locations, HashSet<string> visited)
    {
        if (!next.TryGetValue(at, out var targets) || !visited.Add(at))
        {
            return false;
        }

        foreach (var (to, location) in targets)
        {
            path.Add(to);
            locations.Add(location);
            if (to == start || FindCycle(start, to, next, path, locations, visited))
            {
                return true;
            }

            path.RemoveAt(path.Count - 1);
            locations.RemoveAt(locations.Count - 1);
        }

        return false;
    }
}
