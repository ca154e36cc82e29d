using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Workflowy.SourceGeneration;

namespace Workflowy.CodeFixes;

/// <summary>
/// WFY005: removes one of <c>Retries</c> and <c>MaxAttempts</c> from [Task]. Two fixes are offered: keep
/// <c>Retries</c> (remove <c>MaxAttempts</c>), or keep <c>MaxAttempts</c> (remove <c>Retries</c>).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(RemoveMaxAttemptsCodeFixProvider))]
[Shared]
public sealed class RemoveMaxAttemptsCodeFixProvider : CodeFixProvider
{
    /// <summary>The equivalence key of the fix that keeps Retries.</summary>
    public const string KeepRetries = "Workflowy.WFY005.KeepRetries";

    /// <summary>The equivalence key of the fix that keeps MaxAttempts.</summary>
    public const string KeepMaxAttempts = "Workflowy.WFY005.KeepMaxAttempts";

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.BothRetriesAndMaxAttempts);

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
            if (root.FindNode(diagnostic.Location.SourceSpan) is not AttributeArgumentSyntax maxAttempts ||
                maxAttempts.Parent is not AttributeArgumentListSyntax arguments)
            {
                continue;
            }

            AttributeArgumentSyntax? retries = null;
            foreach (var argument in arguments.Arguments)
            {
                if (argument.NameEquals?.Name.Identifier.ValueText == "Retries")
                {
                    retries = argument;
                }
            }

            var document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create("Keep Retries, remove MaxAttempts", ct => RemoveAsync(document, maxAttempts, ct), KeepRetries),
                diagnostic);
            if (retries is not null)
            {
                context.RegisterCodeFix(
                    CodeAction.Create("Keep MaxAttempts, remove Retries", ct => RemoveAsync(document, retries, ct), KeepMaxAttempts),
                    diagnostic);
            }
        }
    }

    private static async Task<Document> RemoveAsync(Document document, AttributeArgumentSyntax argument, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var updated = root?.RemoveNode(argument, SyntaxRemoveOptions.KeepNoTrivia);
        return updated is null ? document : document.WithSyntaxRoot(updated);
    }
}
