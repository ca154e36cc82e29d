using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using Workflowy.SourceGeneration;

namespace Workflowy.CodeFixes;

/// <summary>
/// WFY002: replaces <c>Backend = Backend.Thread</c> in the method's [Task] attribute by <c>Backend.Async</c>, keeping the
/// way the user wrote the enum (<c>Workflowy.Backend.Thread</c> becomes <c>Workflowy.Backend.Async</c>, an alias stays
/// an alias, a <c>using static</c> <c>Thread</c> becomes <c>Async</c>).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UseAsyncBackendCodeFixProvider))]
[Shared]
public sealed class UseAsyncBackendCodeFixProvider : CodeFixProvider
{
    /// <summary>The equivalence key of the fix, shared by every occurrence (Fix All).</summary>
    public const string EquivalenceKey = "Workflowy.WFY002.UseAsyncBackend";

    private const string BackendEnum = "Workflowy.Backend";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.AsyncOnThread);

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
            if (FindBackendArgument(root, model, diagnostic.Location.SourceSpan.Start, context.CancellationToken) is null)
            {
                continue;
            }

            var document = context.Document;
            var position = diagnostic.Location.SourceSpan.Start;
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Use Backend.Async",
                    ct => ReplaceAsync(document, position, ct),
                    EquivalenceKey),
                diagnostic);
        }
    }

    /// <summary>The <c>Backend = ...</c> argument of the [Task] attribute of the method whose name starts at <paramref name="position"/>.</summary>
    private static AttributeArgumentSyntax? FindBackendArgument(SyntaxNode root, SemanticModel model, int position, CancellationToken cancellationToken)
    {
        var token = root.FindToken(position);
        if (token.Parent is not MethodDeclarationSyntax method || method.Identifier != token)
        {
            return null;
        }

        var taskAttribute = model.Compilation.GetTypeByMetadataName(WellKnownNames.TaskAttribute);
        if (taskAttribute is null)
        {
            return null;
        }

        foreach (var list in method.AttributeLists)
        {
            foreach (var attribute in list.Attributes)
            {
                if (attribute.ArgumentList is null ||
                    model.GetSymbolInfo(attribute, cancellationToken).Symbol is not IMethodSymbol constructor ||
                    !SymbolEqualityComparer.Default.Equals(constructor.ContainingType, taskAttribute))
                {
                    continue;
                }

                foreach (var argument in attribute.ArgumentList.Arguments)
                {
                    if (argument.NameEquals?.Name.Identifier.ValueText == "Backend")
                    {
                        return argument;
                    }
                }
            }
        }

        return null;
    }

    private static async Task<Document> ReplaceAsync(Document document, int position, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null || FindBackendArgument(root, model, position, cancellationToken) is not { } argument)
        {
            return document;
        }

        var expression = argument.Expression;
        var replacement = AsyncSpelledLike(expression, model, cancellationToken);
        return document.WithSyntaxRoot(root.ReplaceNode(expression, replacement.WithTriviaFrom(expression)));
    }

    /// <summary>
    /// <c>Async</c> written the way the expression names <c>Thread</c>: the same qualification when the expression is a
    /// (qualified) name of the <c>Backend.Thread</c> field, else the fully qualified name, simplified in context.
    /// </summary>
    private static ExpressionSyntax AsyncSpelledLike(ExpressionSyntax expression, SemanticModel model, CancellationToken cancellationToken)
    {
        var isBackendThread = model.GetSymbolInfo(expression, cancellationToken).Symbol is IFieldSymbol
        {
            Name: "Thread",
            ContainingType: { } containing,
        } && containing.ToDisplayString() == BackendEnum;
        if (isBackendThread)
        {
            switch (expression)
            {
                case MemberAccessExpressionSyntax { Name: IdentifierNameSyntax name } memberAccess:
                    return memberAccess.WithName(SyntaxFactory.IdentifierName("Async").WithTriviaFrom(name));
                case IdentifierNameSyntax name:
                    return SyntaxFactory.IdentifierName("Async").WithTriviaFrom(name);
            }
        }

        return SyntaxFactory.ParseExpression("global::" + BackendEnum + ".Async").WithAdditionalAnnotations(Simplifier.Annotation);
    }
}
