using System;
using System.Collections.Immutable;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Workflowy.SourceGeneration;

namespace Workflowy.Benchmarks;

/// <summary>
/// The Workflowy generator on a synthesized 1,000-task workflow: (a) a full run of a fresh driver on a fresh
/// compilation, as in a command-line build; (b) the run that follows a one-character edit inside one task body, as in
/// an IDE keystroke: a driver that has already run on the workflow, and a new compilation with the edited tree
/// (incrementally re-parsed, fresh symbols). Compilations and the edit are made in the iteration setup, unmeasured.
/// The workflow is one file, or the same tasks spread over ten partial declarations in ten files (the generator
/// re-extracts the tasks of the edited file only).
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<MetadataReference> References =
        Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(TaskHandle).Assembly.Location))
            .ToImmutableArray();

    private CSharpCompilation _baseline = null!;
    private SyntaxTree _tree = null!;
    private GeneratorDriver _warmDriver = null!;
    private TextSpan _editSpan;
    private int _edits;
    private CSharpCompilation _fresh = null!;
    private CSharpCompilation _edited = null!;

    /// <summary>Number of tasks in the synthesized workflow.</summary>
    [Params(1000)]
    public int Tasks { get; set; }

    /// <summary>Number of files (partial declarations) the tasks are spread over; the edit is in the first.</summary>
    [Params(1, 10)]
    public int Files { get; set; }

    [GlobalSetup]
    public void GlobalSetup()
    {
        var sources = SyntheticWorkflow.Create(Tasks, layerWidth: 25, Files, seed: 1234);
        var trees = sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Big{i}.cs")).ToArray();
        _tree = trees[0];
        _baseline = CSharpCompilation.Create(
            "Bench",
            trees,
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var marker = sources[0].IndexOf(SyntheticWorkflow.EditMarker, StringComparison.Ordinal);
        _editSpan = new TextSpan(marker + SyntheticWorkflow.EditMarker.Length - 1, 1);

        // The workflow must be valid, or the benchmark would measure the error path.
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(_baseline.Clone(), out var output, out var generatorDiagnostics);
        var generated = driver.GetRunResult().GeneratedTrees;
        var errors = generatorDiagnostics.Concat(output.GetDiagnostics()).Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (generated.Length != 1 || errors.Count > 0)
        {
            throw new InvalidOperationException(
                $"The synthesized workflow should generate one file and compile cleanly: {generated.Length} files, " +
                string.Join(Environment.NewLine, errors.Take(10)));
        }

        _warmDriver = CreateDriver().RunGenerators(_baseline.Clone());
    }

    [IterationSetup(Target = nameof(FullRun))]
    public void SetupFullRun() => _fresh = _baseline.Clone();

    [IterationSetup(Target = nameof(IncrementalRunAfterBodyEdit))]
    public void SetupIncrementalRun()
    {
        // One character of T0_0's body, alternating between two digits, so every iteration is a real edit.
        var digit = (_edits++ % 2 == 0) ? "2" : "3";
        var editedTree = _tree.WithChangedText(_tree.GetText().WithChanges(new TextChange(_editSpan, digit)));
        _edited = _baseline.ReplaceSyntaxTree(_tree, editedTree);
    }

    /// <summary>(a) A fresh driver on a fresh compilation: everything is extracted, bound and emitted.</summary>
    [Benchmark(Baseline = true)]
    public GeneratorDriver FullRun() => CreateDriver().RunGenerators(_fresh);

    /// <summary>(b) The driver that ran on the workflow, after a one-character edit inside a task body.</summary>
    [Benchmark]
    public GeneratorDriver IncrementalRunAfterBodyEdit() => _warmDriver.RunGenerators(_edited);

    private static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            new[] { new WorkflowGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));
}
