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
using Workflowy.SourceGeneration;

namespace Workflowy.CodeFixes;

/// <summary>
/// WFY004: adds <c>partial</c> to the workflow class and to every type containing it. The diagnostic sits on the first
/// declaration that lacks the modifier; the fix covers that type, the types containing it, and the workflow types
/// (classes with [Task] methods) nested in it, in every document that declares them.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFixProvider))]
[Shared]
public sealed class MakePartialCodeFixProvider : CodeFixProvider
{
    /// <summary>The equivalence key of the fix, shared by every occurrence (Fix All).</summary>
    public const string EquivalenceKey = "Workflowy.WFY004.MakePartial";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.NotPartial);

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
            var token = root.FindToken(diagnostic.Location.SourceSpan.Start);
            if (token.Parent is not TypeDeclarationSyntax declaration || declaration.Identifier != token ||
                model.GetDeclaredSymbol(declaration, context.CancellationToken) is not { } type)
            {
                continue;
            }

            var targets = TypesToMakePartial(type, model.Compilation);
            var names = targets
                .Where(t => t.DeclaringSyntaxReferences.Any(r => r.GetSyntax(context.CancellationToken) is TypeDeclarationSyntax d && !IsPartial(d)))
                .Select(t => "'" + t.Name + "'")
                .ToList();
            if (names.Count == 0)
            {
                continue;
            }

            var title = names.Count == 1
                ? $"Make {names[0]} partial"
                : $"Make {string.Join(", ", names.Take(names.Count - 1))} and {names[names.Count - 1]} partial";
            var solution = context.Document.Project.Solution;
            context.RegisterCodeFix(
                CodeAction.Create(title, ct => MakePartialAsync(solution, targets, ct), EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The type at the diagnostic, the types containing it, and the workflow types nested in it with their containers.</summary>
    private static ImmutableArray<INamedTypeSymbol> TypesToMakePartial(INamedTypeSymbol type, Compilation compilation)
    {
        var result = new List<INamedTypeSymbol>();
        void Add(INamedTypeSymbol t)
        {
            if (!result.Contains(t, SymbolEqualityComparer.Default))
            {
                result.Add(t);
            }
        }

        for (var t = type; t is not null; t = t.ContainingType)
        {
            Add(t);
        }

        var taskAttribute = compilation.GetTypeByMetadataName(WellKnownNames.TaskAttribute);
        var pending = new Stack<INamedTypeSymbol>(type.GetTypeMembers());
        while (pending.Count > 0)
        {
            var nested = pending.Pop();
            if (taskAttribute is not null && HasTasks(nested, taskAttribute))
            {
                for (var t = nested; t is not null && !SymbolEqualityComparer.Default.Equals(t, type); t = t.ContainingType)
                {
                    Add(t);
                }
            }

            foreach (var inner in nested.GetTypeMembers())
            {
                pending.Push(inner);
            }
        }

        return result.ToImmutableArray();
    }

    private static bool HasTasks(INamedTypeSymbol type, INamedTypeSymbol taskAttribute) =>
        type.GetMembers().OfType<IMethodSymbol>().Any(m =>
            m.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, taskAttribute)));

    private static async Task<Solution> MakePartialAsync(Solution solution, ImmutableArray<INamedTypeSymbol> types, CancellationToken cancellationToken)
    {
        var byDocument = new Dictionary<DocumentId, List<TypeDeclarationSyntax>>();
        foreach (var type in types)
        {
            foreach (var reference in type.DeclaringSyntaxReferences)
            {
                if (await reference.GetSyntaxAsync(cancellationToken).ConfigureAwait(false) is not TypeDeclarationSyntax declaration ||
                    IsPartial(declaration) ||
                    solution.GetDocumentId(declaration.SyntaxTree) is not { } documentId)
                {
                    continue;
                }

                if (!byDocument.TryGetValue(documentId, out var list))
                {
                    byDocument[documentId] = list = new List<TypeDeclarationSyntax>();
                }

                list.Add(declaration);
            }
        }

        foreach (var pair in byDocument)
        {
            var document = solution.GetDocument(pair.Key);
            var root = document is null ? null : await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
            if (root is null)
            {
                continue;
            }

            var newRoot = root.ReplaceNodes(pair.Value, (_, rewritten) => AddPartial(rewritten));
            solution = solution.WithDocumentSyntaxRoot(pair.Key, newRoot);
        }

        return solution;
    }

    private static bool IsPartial(TypeDeclarationSyntax declaration) => declaration.Modifiers.Any(SyntaxKind.PartialKeyword);

    /// <summary>Appends <c>partial</c> as the last modifier (it must stand right before the type keyword), keeping the layout.</summary>
    internal static TypeDeclarationSyntax AddPartial(TypeDeclarationSyntax declaration)
    {
        if (IsPartial(declaration))
        {
            return declaration;
        }

        if (declaration.Modifiers.Count == 0)
        {
            // The declaration's indentation lives on the keyword: move it to 'partial'.
            var keyword = declaration.Keyword;
            var partial = SyntaxFactory.Token(keyword.LeadingTrivia, SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
            return declaration
                .WithKeyword(keyword.WithLeadingTrivia(SyntaxFactory.TriviaList()))
                .WithModifiers(SyntaxFactory.TokenList(partial));
        }

        return declaration.WithModifiers(declaration.Modifiers.Add(
            SyntaxFactory.Token(SyntaxFactory.TriviaList(), SyntaxKind.PartialKeyword, SyntaxFactory.TriviaList(SyntaxFactory.Space))));
    }
}
