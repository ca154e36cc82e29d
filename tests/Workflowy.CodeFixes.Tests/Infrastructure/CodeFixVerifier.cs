using System.IO;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using Workflowy.Analyzers;

namespace Workflowy.CodeFixes.Tests.Infrastructure;

/// <summary>
/// A code-fix test of <typeparamref name="TFix"/> against the real <see cref="WorkflowAnalyzer"/>, compiled against the
/// .NET 10 reference assemblies and the Workflowy runtime. Sources use diagnostic markup (<c>{|WFY004:W|}</c>); the
/// generator does not run, so sources must compile without it.
/// </summary>
internal sealed class CodeFixVerifier<TFix> : CSharpCodeFixTest<WorkflowAnalyzer, TFix, DefaultVerifier>
    where TFix : CodeFixProvider, new()
{
    /// <summary>
    /// Microsoft.NETCore.App.Ref 10.0.12, which the project's restore puts in the NuGet cache (PackageDownload), so
    /// resolving it needs no download.
    /// </summary>
    public static readonly ReferenceAssemblies Net100 = new(
        "net10.0",
        new PackageIdentity("Microsoft.NETCore.App.Ref", "10.0.12"),
        Path.Combine("ref", "net10.0"));

    public CodeFixVerifier()
    {
        ReferenceAssemblies = Net100;
        TestState.AdditionalReferences.Add(MetadataReference.CreateFromFile(typeof(TaskHandle).Assembly.Location));
    }

    /// <summary>Verifies the diagnostics marked in <paramref name="source"/>, and that the fix (one by one and Fix All) turns it into <paramref name="fixedSource"/>.</summary>
    public static Task VerifyAsync(string source, string fixedSource, string? equivalenceKey = null) =>
        new CodeFixVerifier<TFix> { TestCode = source, FixedCode = fixedSource, CodeActionEquivalenceKey = equivalenceKey }.RunAsync();

    /// <summary>Verifies the diagnostics marked in <paramref name="source"/>, and that no fix is offered for them.</summary>
    public static Task VerifyNoFixAsync(string source) =>
        new CodeFixVerifier<TFix> { TestCode = source, FixedCode = source }.RunAsync();
}
