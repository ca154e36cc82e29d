using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Workflowy.SourceGeneration;

/// <summary>
/// Turns the [Task] methods of each partial class into a typed run class, <c>RunAsync</c>/<c>Start</c> entry
/// points and the graph as data. Validation is the analyzers' job: an invalid workflow still gets its types and
/// entry points (so user code keeps compiling and the IDE shows the real WFY error), with bodies that throw.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class WorkflowGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var tasks = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                WellKnownNames.TaskAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, ct) => ctx.TargetSymbol is IMethodSymbol method ? Extractor.ExtractEntry(method, ct) : null)
            .Where(static entry => entry is not null)
            .Select(static (entry, _) => entry!)
            .WithTrackingName(TrackingNames.Tasks);

        var entryPoints = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                WellKnownNames.WorkflowAttribute,
                static (node, _) => node is MethodDeclarationSyntax,
                static (ctx, ct) => ctx.TargetSymbol is IMethodSymbol method ? Extractor.ExtractEntryPointEntry(method, ct) : null)
            .Where(static entry => entry is not null)
            .Select(static (entry, _) => entry!)
            .WithTrackingName(TrackingNames.EntryPoints);

        var workflows = tasks
            .Collect()
            .Combine(entryPoints.Collect())
            .SelectMany(static (all, ct) => GroupByType(all.Left, all.Right))
            .WithTrackingName(TrackingNames.Workflows);

        var bound = workflows
            .Select(static (workflow, _) => GraphBuilder.Build(workflow))
            .WithTrackingName(TrackingNames.Bound);

        var sources = bound
            .Where(static b => b.Type.IsPartial && b.Type.UnsupportedReason is null)
            .Select(static (b, ct) => new GeneratedFile(Emitter.HintName(b), Emitter.Emit(b, ct)))
            .WithTrackingName(TrackingNames.Source);

        context.RegisterSourceOutput(sources, static (spc, file) =>
            spc.AddSource(file.HintName, SourceText.From(file.Text, Encoding.UTF8)));
    }

    private static ImmutableArray<WorkflowModel> GroupByType(ImmutableArray<TaskEntry> tasks, ImmutableArray<EntryPointEntry> entryPoints)
    {
        var groups = new Dictionary<string, (WorkflowTypeModel Type, List<TaskModel> Tasks, List<EntryPointModel> EntryPoints)>();
        (WorkflowTypeModel Type, List<TaskModel> Tasks, List<EntryPointModel> EntryPoints) GroupOf(WorkflowTypeModel type)
        {
            if (!groups.TryGetValue(type.FullName, out var group))
            {
                group = (type, new List<TaskModel>(), new List<EntryPointModel>());
                groups[type.FullName] = group;
            }

            return group;
        }

        foreach (var entry in tasks)
        {
            GroupOf(entry.Type).Tasks.Add(entry.Task);
        }

        foreach (var entry in entryPoints)
        {
            GroupOf(entry.Type).EntryPoints.Add(entry.EntryPoint);
        }

        return groups
            .OrderBy(g => g.Key, System.StringComparer.Ordinal)
            .Select(g => GraphBuilder.Group(g.Value.Type, g.Value.Tasks, g.Value.EntryPoints))
            .ToImmutableArray();
    }

    private sealed record GeneratedFile(string HintName, string Text);
}
