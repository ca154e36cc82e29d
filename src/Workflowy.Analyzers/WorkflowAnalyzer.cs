using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Workflowy.SourceGeneration;

namespace Workflowy.Analyzers;

/// <summary>
/// Reports every WFY problem of a workflow class. It runs the same extraction and graph builder as the generator,
/// so what it reports is exactly what the generator would refuse to wire.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class WorkflowAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableDictionary<string, DiagnosticDescriptor> ById = new[]
    {
        DiagnosticDescriptors.Cycle,
        DiagnosticDescriptors.AsyncOnThread,
        DiagnosticDescriptors.UnknownDependency,
        DiagnosticDescriptors.NotPartial,
        DiagnosticDescriptors.AmbiguousBinding,
        DiagnosticDescriptors.DependencyTypeMismatch,
        DiagnosticDescriptors.InputTypeConflict,
        DiagnosticDescriptors.DuplicateTaskName,
        DiagnosticDescriptors.UnsupportedSignature,
        DiagnosticDescriptors.SelfDependency,
        DiagnosticDescriptors.DependsOnWithoutTask,
        DiagnosticDescriptors.ReservedInputName,
        DiagnosticDescriptors.BothRetriesAndMaxAttempts,
        DiagnosticDescriptors.InvalidOptionValue,
        DiagnosticDescriptors.RunAnywayBinding,
        DiagnosticDescriptors.RetryOnNotException,
        DiagnosticDescriptors.EntryPointMismatch,
        DiagnosticDescriptors.EntryPointNotPartial,
        DiagnosticDescriptors.NotSerializable,
        DiagnosticDescriptors.SerializerNotContext,
        DiagnosticDescriptors.AdmissionNotAParameter,
        DiagnosticDescriptors.InvalidConcurrencyLimit,
        DiagnosticDescriptors.InvalidCacheTimeToLive,
        DiagnosticDescriptors.KeyWithoutValueEquality,
        DiagnosticDescriptors.FanOutSourceNotCollection,
        DiagnosticDescriptors.FanOutParameterMismatch,
        DiagnosticDescriptors.InvalidFanOut,
        DiagnosticDescriptors.FanOutWithoutAggregate,
        DiagnosticDescriptors.ProcessWithoutSerializer,
        DiagnosticDescriptors.ProcessNotInCatalog,
    }.ToImmutableDictionary(d => d.Id);

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ById.Values.OrderBy(d => d.Id).ToImmutableArray();

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var taskAttribute = start.Compilation.GetTypeByMetadataName(WellKnownNames.TaskAttribute);
            if (taskAttribute is null)
            {
                return;
            }

            start.RegisterSymbolAction(AnalyzeType, SymbolKind.NamedType);
            start.RegisterSymbolAction(AnalyzeMethod, SymbolKind.Method);
        });
    }

    private static void AnalyzeMethod(SymbolAnalysisContext context)
    {
        var method = (IMethodSymbol)context.Symbol;
        var attributes = method.GetAttributes();
        if (attributes.Any(Extractor.IsTaskAttribute))
        {
            return;
        }

        foreach (var attribute in attributes.Where(Extractor.IsDependsOnAttribute))
        {
            var location = attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken).GetLocation() ?? method.Locations.FirstOrDefault();
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DependsOnWithoutTask, location, method.Name));
        }
    }

    private static void AnalyzeType(SymbolAnalysisContext context)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        var ct = context.CancellationToken;
        var entries = new List<(TaskModel Model, IMethodSymbol Method)>();
        var entryPoints = new List<(EntryPointModel Model, IMethodSymbol Method)>();
        var typeModel = Extractor.ExtractType(type, ct);
        foreach (var member in type.GetMembers())
        {
            if (member is not IMethodSymbol method)
            {
                continue;
            }

            if (Extractor.ExtractTask(method, type, ct) is { } model)
            {
                entries.Add((model, method));
            }

            if (method.GetAttributes().Any(Extractor.IsWorkflowAttribute))
            {
                entryPoints.Add((Extractor.ExtractEntryPoint(method, type, typeModel.RunClassName, ct), method));
            }
        }

        if (entries.Count == 0 && entryPoints.Count == 0)
        {
            return;
        }

        var workflow = GraphBuilder.Group(typeModel, entries.Select(e => e.Model), entryPoints.Select(e => e.Model));
        var methods = workflow.Tasks.Select(t => entries.First(e => ReferenceEquals(e.Model, t)).Method).ToList();
        var entryMethods = workflow.EntryPoints.Select(t => entryPoints.First(e => ReferenceEquals(e.Model, t)).Method).ToList();
        var bound = GraphBuilder.Build(workflow);
        foreach (var problem in bound.Problems)
        {
            var descriptor = ById[problem.Id];
            if (problem.Task == GraphBuilder.EntryPointTask)
            {
                var entryMethod = entryMethods[problem.Detail];
                var properties = problem.Id == DiagnosticIds.EntryPointMismatch
                    ? ImmutableDictionary<string, string?>.Empty.Add("Signature", problem.Args[2])
                    : ImmutableDictionary<string, string?>.Empty;
                context.ReportDiagnostic(Diagnostic.Create(descriptor, entryMethod.Locations.FirstOrDefault(), properties, problem.Args.Cast<object>().ToArray()));
                continue;
            }

            var location = Locate(type, methods, problem, ct);
            var additional = problem.Id switch
            {
                DiagnosticIds.Cycle => CycleLocations(type, methods, workflow, problem),
                DiagnosticIds.NotPartial => NonPartialContainers(type, ct),
                _ => null,
            };
            context.ReportDiagnostic(Diagnostic.Create(descriptor, location, additional, problem.Args.Cast<object>().ToArray()));
        }
    }

    private static Location? Locate(INamedTypeSymbol type, List<IMethodSymbol> methods, Problem problem, CancellationToken ct)
    {
        if (problem.Task < 0)
        {
            return TypeLocation(type, problem.Id == DiagnosticIds.NotPartial, ct);
        }

        var method = methods[problem.Task];
        var fallback = method.Locations.FirstOrDefault();
        if (problem.Option is { } option)
        {
            return OptionLocation(method, option, ct) ?? fallback;
        }

        if (problem.Detail < 0)
        {
            return fallback;
        }

        switch (problem.Id)
        {
            case DiagnosticIds.UnknownDependency:
            case DiagnosticIds.SelfDependency:
                // Past the [DependsOn] names: the source of a [FanOut], which is a dependency too.
                return DependencyLocation(method, problem.Detail, ct) ?? OptionLocation(method, GraphBuilder.FanOutOption, ct) ?? fallback;
            default:
                return problem.Detail < method.Parameters.Length
                    ? method.Parameters[problem.Detail].Locations.FirstOrDefault() ?? fallback
                    : fallback;
        }
    }

    /// <summary>
    /// For WFY004, the type's own identifier (its first declaration that lacks 'partial', else its first declaration):
    /// diagnostics stay local to the type being analysed, so the IDE shows them and offers the fix. Containing types
    /// that lack 'partial' are the additional locations.
    /// </summary>
    private static Location? TypeLocation(INamedTypeSymbol type, bool findNonPartial, CancellationToken ct)
    {
        if (findNonPartial)
        {
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(ct) is TypeDeclarationSyntax declaration && !IsPartial(declaration))
                {
                    return declaration.Identifier.GetLocation();
                }
            }
        }

        return type.Locations.FirstOrDefault();
    }

    private static IEnumerable<Location> NonPartialContainers(INamedTypeSymbol type, CancellationToken ct)
    {
        for (var t = type.ContainingType; t is not null; t = t.ContainingType)
        {
            foreach (var reference in t.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(ct) is TypeDeclarationSyntax declaration && !IsPartial(declaration))
                {
                    yield return declaration.Identifier.GetLocation();
                }
            }
        }
    }

    private static bool IsPartial(TypeDeclarationSyntax declaration) =>
        declaration.Modifiers.Any(Microsoft.CodeAnalysis.CSharp.SyntaxKind.PartialKeyword);

    /// <summary>The <c>Option = value</c> argument of the method's [Task] attribute.</summary>
    private static Location? OptionLocation(IMethodSymbol method, string option, CancellationToken ct)
    {
        if (option.StartsWith("[", System.StringComparison.Ordinal))
        {
            // A problem with a whole attribute other than [Task] ([ConcurrencyKey], [CacheResult]): its location.
            var name = option.Substring(1, option.Length - 2) + "Attribute";
            return method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.Name == name)?.ApplicationSyntaxReference?.GetSyntax(ct).GetLocation();
        }

        foreach (var attribute in method.GetAttributes().Where(Extractor.IsTaskAttribute))
        {
            if (attribute.ApplicationSyntaxReference?.GetSyntax(ct) is AttributeSyntax { ArgumentList: { } arguments })
            {
                foreach (var argument in arguments.Arguments)
                {
                    if (argument.NameEquals?.Name.Identifier.ValueText == option)
                    {
                        return argument.GetLocation();
                    }
                }
            }
        }

        return null;
    }

    /// <summary>The syntax of the n-th dependency name, counting across every [DependsOn] of the method.</summary>
    private static Location? DependencyLocation(IMethodSymbol method, int index, CancellationToken ct)
    {
        var seen = 0;
        foreach (var attribute in method.GetAttributes().Where(Extractor.IsDependsOnAttribute))
        {
            var count = Extractor.DependencyNames(attribute).Count();
            if (index < seen + count)
            {
                var syntax = attribute.ApplicationSyntaxReference?.GetSyntax(ct) as AttributeSyntax;
                var arguments = syntax?.ArgumentList?.Arguments;
                return arguments is { } args && args.Count == count
                    ? args[index - seen].GetLocation()
                    : syntax?.GetLocation();
            }

            seen += count;
        }

        return null;
    }

    private static IEnumerable<Location> CycleLocations(INamedTypeSymbol type, List<IMethodSymbol> methods, WorkflowModel workflow, Problem problem)
    {
        var names = problem.Args[0].Split(new[] { " -> " }, System.StringSplitOptions.None).Distinct().ToList();
        for (var i = 0; i < workflow.Tasks.Count; i++)
        {
            if (i != problem.Task && names.Contains(workflow.Tasks[i].TaskName) && methods[i].Locations.FirstOrDefault() is { } location)
            {
                yield return location;
            }
        }
    }
}
