using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.BannedApiAnalyzers;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.PublicApiAnalyzers;
using Microsoft.CodeAnalysis.Text;
using Workflowy.Tests.Infrastructure;

namespace Workflowy.Tests;

/// <summary>
/// The guard rails of the runtime packages (src/Directory.Build.targets, docs/public-api.md) do what they say: the banned
/// reflection list is reported (RS0030) and every entry names a real symbol; an undeclared public API is reported
/// (RS0016) with the exact line eng/update-public-api.sh writes, and a declared one that is gone (RS0017) with the
/// line to mark *REMOVED*. The analyzers run in memory, as the build runs them.
/// </summary>
public class GuardRailTests
{
    private static readonly string BannedSymbolsPath = Path.Combine(Harness.RepositoryRoot, "src", "BannedSymbols.txt");

    [Fact]
    public void BannedReflection_IsReported_AndTheRestIsNot()
    {
        // "// banned" marks each line that must be reported; the other lines are what the runtime does instead.
        var source = """
            using System;
            using System.Text.Json;
            using System.Text.Json.Serialization.Metadata;

            public static class Uses
            {
                public static object? A() => Activator.CreateInstance(typeof(Uses)); // banned
                public static T B<T>() => Activator.CreateInstance<T>(); // banned
                public static Type? C() => Type.GetType("Uses"); // banned
                public static object? D(object o) => o.GetType().GetMethod("ToString")!.Invoke(o, null); // banned
                public static void E() => AppDomain.CurrentDomain.FirstChanceException += (_, _) => { }; // banned
                public static Array F() => Enum.GetValues(typeof(DayOfWeek)); // banned
                public static string G(int value) => JsonSerializer.Serialize(value); // banned
                public static int H(string json) => JsonSerializer.Deserialize<int>(json); // banned
                public static object? I(string json) => JsonSerializer.Deserialize(json, typeof(int)); // banned
                public static void K(System.IO.Stream stream, int value) => JsonSerializer.Serialize(stream, value); // banned
                public static void J() => System.Reflection.Emit.AssemblyBuilder.DefineDynamicAssembly(new("X"), System.Reflection.Emit.AssemblyBuilderAccess.Run); // banned

                public static string Name(object o) => o.GetType().Name;
                public static string? FullName<T>() => typeof(T).FullName;
                public static DayOfWeek[] Days() => Enum.GetValues<DayOfWeek>();
                public static string[] DayNames() => Enum.GetNames<DayOfWeek>();
                public static string Write(int value, JsonTypeInfo<int> info) => JsonSerializer.Serialize(value, info);
                public static int Read(string json, JsonTypeInfo<int> info) => JsonSerializer.Deserialize(json, info);
                public static T Create<T>() where T : new() => new T();
            }
            """;
        var expectedLines = source.Split('\n')
            .Select((line, index) => (line, index))
            .Where(x => x.line.TrimEnd().EndsWith("// banned", StringComparison.Ordinal))
            .Select(x => x.index)
            .ToArray();

        var diagnostics = Run(
            Harness.Compile(source),
            new CSharpSymbolIsBannedAnalyzer(),
            new Text(BannedSymbolsPath, File.ReadAllText(BannedSymbolsPath)));

        Assert.All(diagnostics, d => Assert.Equal("RS0030", d.Id));
        Assert.All(diagnostics, d => Assert.Contains("is banned in this project: ", d.GetMessage(), StringComparison.Ordinal));
        var reportedLines = diagnostics.Select(d => d.Location.GetLineSpan().StartLinePosition.Line).Distinct().Order().ToArray();
        Assert.True(expectedLines.SequenceEqual(reportedLines), $"Expected RS0030 on lines {string.Join(", ", expectedLines)}:\n{Harness.Format(diagnostics)}");
    }

    [Fact]
    public void BannedSymbols_EveryEntryNamesASymbolOfDotNet10_WithAReason()
    {
        // The analyzer ignores an entry that resolves to nothing: a typo would silently ban nothing.
        var compilation = Harness.Compile();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadAllLines(BannedSymbolsPath))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal))
            {
                continue;
            }

            var separator = line.IndexOf(';', StringComparison.Ordinal);
            Assert.True(separator > 0, $"No ';reason' in: {line}");
            var id = line[..separator];
            Assert.Matches("^[TMPFEN]:[^\\s;]+$", id);
            Assert.False(string.IsNullOrWhiteSpace(line[(separator + 1)..]), $"Empty reason in: {line}");
            Assert.True(ids.Add(id), $"Listed twice: {id}");
            Assert.False(DocumentationCommentId.GetSymbolsForDeclarationId(id, compilation).IsEmpty, $"Names no symbol of .NET 10: {id}");
        }

        Assert.True(ids.Count > 50, $"Only {ids.Count} entries read from {BannedSymbolsPath}");
    }

    [Fact]
    public void UndeclaredPublicApi_IsReported_WithTheLineTheFileWants_AndDeclaringItClearsIt()
    {
        const string header = "#nullable enable\n";
        const string shipped = header + "Lib.Existing\nLib.Existing.Existing() -> void\nLib.Existing.Old(string! name) -> int\n";
        var source = """
            namespace Lib
            {
                public class Existing { public int Old(string name) => name.Length; }
                public sealed class Added { public string? Describe(int count) => null; }
                internal sealed class Hidden { public void NotApi() { } }
            }
            """;

        // A new public type and its members: RS0016, one per symbol, each message quoting the exact line to declare
        // (eng/update-public-api.sh copies it from the message; the code fix takes the same text from the properties).
        var added = Api(source, shipped, header);
        Assert.All(added, d => Assert.Equal("RS0016", d.Id));
        var lines = added.Select(d => LineIn(d, "RS0016", " is not part of the declared public API")).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(
            new[] { "Lib.Added", "Lib.Added.Added() -> void", "Lib.Added.Describe(int count) -> string?" },
            lines);
        Assert.All(added, d => Assert.Contains(LineIn(d, "RS0016", " is not part of the declared public API"), d.Properties.Values));

        // Those lines in PublicAPI.Unshipped.txt: nothing left to report.
        var unshipped = header + string.Join("\n", lines) + "\n";
        Assert.Empty(Api(source, shipped, unshipped));

        // A shipped member removed from the code: RS0017 quotes the Shipped line; *REMOVED* in Unshipped acknowledges it.
        var withoutOld = source.Replace("public int Old(string name) => name.Length;", "", StringComparison.Ordinal);
        var removed = Assert.Single(Api(withoutOld, shipped, unshipped));
        Assert.Equal("RS0017", removed.Id);
        Assert.Equal("Lib.Existing.Old(string! name) -> int", LineIn(removed, "RS0017", " is part of the declared API, but is either not public or could not be found"));
        Assert.Empty(Api(withoutOld, shipped, unshipped + "*REMOVED*Lib.Existing.Old(string! name) -> int\n"));
    }

    [Theory]
    [InlineData("src/Workflowy.Runtime")]
    [InlineData("src/Workflowy.Sqlite")]
    [InlineData("src/Workflowy.Hosting")]
    [InlineData("src/Workflowy.OpenTelemetry")]
    [InlineData("src/Workflowy.Cli")]
    public void TrackedPackages_HaveBothFiles_NullableEnabled_UnshippedSortedOrdinal(string project)
    {
        var directory = Path.Combine(Harness.RepositoryRoot, project);
        foreach (var name in new[] { "PublicAPI.Shipped.txt", "PublicAPI.Unshipped.txt" })
        {
            var lines = File.ReadAllLines(Path.Combine(directory, name));
            Assert.Equal("#nullable enable", lines[0]);
            var entries = lines.Skip(1).ToArray();
            Assert.DoesNotContain(entries, string.IsNullOrWhiteSpace);
            if (name == "PublicAPI.Unshipped.txt")
            {
                // As eng/update-public-api.sh writes it: a hand edit or a merge shows up here, not as a diff later.
                Assert.Equal(entries.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal), entries);
            }
        }
    }

    private static string LineIn(Diagnostic diagnostic, string id, string tail)
    {
        Assert.Equal(id, diagnostic.Id);
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.StartsWith("Symbol '", message, StringComparison.Ordinal);
        Assert.EndsWith("'" + tail, message, StringComparison.Ordinal);
        return message["Symbol '".Length..^("'" + tail).Length];
    }

    private static ImmutableArray<Diagnostic> Api(string source, string shipped, string unshipped) =>
        Run(
            CSharpCompilation.Create(
                "Lib",
                new[] { CSharpSyntaxTree.ParseText(source, Harness.ParseOptions, path: "Lib.cs") },
                Basic.Reference.Assemblies.Net100.References.All,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable)),
            new DeclarePublicApiAnalyzer(),
            new Text("/lib/PublicAPI.Shipped.txt", shipped),
            new Text("/lib/PublicAPI.Unshipped.txt", unshipped));

    private static ImmutableArray<Diagnostic> Run(Compilation compilation, DiagnosticAnalyzer analyzer, params AdditionalText[] files)
    {
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return compilation
            .WithAnalyzers(ImmutableArray.Create(analyzer), new AnalyzerOptions(ImmutableArray.Create(files)))
            .GetAnalyzerDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult()
            .OrderBy(d => d.Location.SourceSpan.Start)
            .ToImmutableArray();
    }

    private sealed class Text(string path, string content) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(content, Encoding.UTF8);
    }
}
