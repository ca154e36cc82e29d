using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using Workflowy.SourceGeneration;

namespace Workflowy.CodeFixes;

/// <summary>
/// WFY003: replaces an unknown <c>[DependsOn]</c> name by <c>nameof(Task)</c>, where Task is the [Task] method of the same
/// class closest to the name by case-insensitive edit distance (to its task name or its method name), within the
/// threshold the analyzer uses for "Did you mean". A method name that does not identify its task (an overload with
/// distinct task names) is replaced by the task name as a string instead. No fix is offered when nothing is close.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseClosestTaskCodeFixProvider))]
[Shared]
public sealed class UseClosestTaskCodeFixProvider : CodeFixProvider
{
    /// <summary>The equivalence key of the fix, shared by every occurrence (Fix All), whatever task each one picks.</summary>
    public const string EquivalenceKey = "Workflowy.WFY003.UseClosestTask";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.UnknownDependency);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var span = diagnostic.Location.SourceSpan;
            var replacements = Suggest(root, model, span, context.CancellationToken);

            // Equally close tasks are all offered; Fix All takes the first one (in declaration order), as the analyzer's
            // "Did you mean" does.
            var document = context.Document;
            for (var i = 0; i < replacements.Count; i++)
            {
                var replacement = replacements[i];
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Use {replacement}",
                        ct => ReplaceAsync(document, span, replacement, ct),
                        i == 0 ? EquivalenceKey : EquivalenceKey + ":" + replacement),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> ReplaceAsync(Document document, TextSpan span, string replacement, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || DependencyArgument(root, span) is not { } argument)
        {
            return document;
        }

        var expression = SyntaxFactory.ParseExpression(replacement).WithTriviaFrom(argument.Expression);
        return document.WithSyntaxRoot(root.ReplaceNode(argument.Expression, expression));
    }

    /// <summary>The positional attribute argument whose span is <paramref name="span"/> (the analyzer falls back to the whole attribute for an array argument: no fix then).</summary>
    private static AttributeArgumentSyntax? DependencyArgument(SyntaxNode root, TextSpan span) =>
        root.FullSpan.Contains(span) &&
        root.FindNode(span) is AttributeArgumentSyntax { NameEquals: null, NameColon: null } argument &&
        argument.Span == span
            ? argument
            : null;

    /// <summary>
    /// The expressions that name the tasks closest to the unknown name at <paramref name="span"/>, in declaration order;
    /// empty when no task is close enough.
    /// </summary>
    private static IReadOnlyList<string> Suggest(SyntaxNode root, SemanticModel model, TextSpan span, CancellationToken cancellationToken)
    {
        if (DependencyArgument(root, span) is not { } argument ||
            model.GetConstantValue(argument.Expression, cancellationToken).Value is not string name ||
            name.Length == 0 ||
            argument.FirstAncestorOrSelf<MethodDeclarationSyntax>() is not { } methodSyntax ||
            model.GetDeclaredSymbol(methodSyntax, cancellationToken) is not { ContainingType: { } type } dependent)
        {
            return Array.Empty<string>();
        }

        // The [Task] methods of the class, with their task names, as the graph builder sees them.
        var tasks = new List<(IMethodSymbol Method, string TaskName)>();
        foreach (var member in type.GetMembers())
        {
            if (member is IMethodSymbol method && Extractor.ExtractTask(method, type, cancellationToken) is { } task)
            {
                tasks.Add((method, task.TaskName));
            }
        }

        var candidates = new List<(string Replacement, int Distance)>();
        var lowered = name.ToLowerInvariant();
        foreach (var (method, taskName) in tasks)
        {
            if (SymbolEqualityComparer.Default.Equals(method, dependent))
            {
                continue;
            }

            var replacement = SymbolEqualityComparer.Default.Equals(Resolve(tasks, method.Name), method) ? "nameof(" + Identifier(method.Name) + ")"
                : SymbolEqualityComparer.Default.Equals(Resolve(tasks, taskName), method) ? SymbolDisplay.FormatLiteral(taskName, quote: true)
                : null;
            if (replacement is null)
            {
                continue;
            }

            var distance = Math.Min(
                GraphBuilder.EditDistance(lowered, taskName.ToLowerInvariant()),
                GraphBuilder.EditDistance(lowered, method.Name.ToLowerInvariant()));
            candidates.Add((replacement, distance));
        }

        // The threshold of GraphBuilder's "Did you mean" suggestion.
        var best = candidates.Count == 0 ? int.MaxValue : candidates.Min(c => c.Distance);
        if (best > Math.Max(2, name.Length / 3))
        {
            return Array.Empty<string>();
        }

        return candidates.Where(c => c.Distance == best).Select(c => c.Replacement).Distinct().ToList();
    }

    /// <summary>The task a dependency name picks, by the graph builder's rules: a task name first, else a method name that is not overloaded.</summary>
    private static IMethodSymbol? Resolve(List<(IMethodSymbol Method, string TaskName)> tasks, string name)
    {
        IMethodSymbol? byMethodName = null;
        var methodNameCount = 0;
        foreach (var (method, taskName) in tasks)
        {
            if (string.Equals(taskName, name, StringComparison.Ordinal))
            {
                return method;
            }

            if (string.Equals(method.Name, name, StringComparison.Ordinal))
            {
                byMethodName ??= method;
                methodNameCount++;
            }
        }

        return methodNameCount == 1 ? byMethodName : null;
    }

    private static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;
}
