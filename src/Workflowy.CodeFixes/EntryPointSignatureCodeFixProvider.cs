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
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using Workflowy.SourceGeneration;

namespace Workflowy.CodeFixes;

/// <summary>
/// WFY017: rewrites a [Workflow] entry point's return type and parameter list to the signature the workflow needs (the
/// analyzer puts it in the diagnostic's <c>Signature</c> property); name, attributes and modifiers stay as written.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EntryPointSignatureCodeFixProvider))]
[Shared]
public sealed class EntryPointSignatureCodeFixProvider : CodeFixProvider
{
    /// <summary>The equivalence key of the fix.</summary>
    public const string EquivalenceKey = "Workflowy.WFY017.FixEntryPointSignature";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.EntryPointMismatch);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue("Signature", out var signature) || signature is null ||
                root.FindToken(diagnostic.Location.SourceSpan.Start).Parent is not MethodDeclarationSyntax method ||
                SyntaxFactory.ParseMemberDeclaration(signature) is not MethodDeclarationSyntax correct)
            {
                continue;
            }

            var document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Use the signature the workflow needs",
                    ct => ReplaceAsync(document, method, correct, ct),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static async Task<Document> ReplaceAsync(Document document, MethodDeclarationSyntax method, MethodDeclarationSyntax correct, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var returnType = correct.ReturnType
            .WithTriviaFrom(method.ReturnType)
            .WithAdditionalAnnotations(Simplifier.Annotation);
        var parameters = correct.ParameterList
            .WithTriviaFrom(method.ParameterList)
            .WithAdditionalAnnotations(Simplifier.Annotation, Formatter.Annotation);
        var updated = method.WithReturnType(returnType).WithParameterList(parameters);
        return document.WithSyntaxRoot(root.ReplaceNode(method, updated));
    }
}
