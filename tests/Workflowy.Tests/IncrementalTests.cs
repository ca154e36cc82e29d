using System.Collections;
using System.Collections.Generic;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Workflowy.SourceGeneration;
using Workflowy.Tests.Infrastructure;

namespace Workflowy.Tests;

public class IncrementalTests
{
    private const string First = """
        using Workflowy;
        namespace App;
        public partial class First
        {
            [Task] public int A(int seed) => seed;
            [Task, DependsOn(nameof(A))] public int B(int a) => a + 1;
            [Workflow] public partial System.Threading.Tasks.Task<FirstRun> GoAsync(int seed);
        }
        """;

    private const string Second = """
        using Workflowy;
        namespace App;
        public partial class Second
        {
            [Task] public string X() => "x";
            [Task, DependsOn(nameof(X))] public string Y(string x) => x + "y";
        }
        """;

    private const string Unrelated = """
        namespace App;
        public class Unrelated { public int Value => 1; }
        """;

    [Fact]
    public void EveryStepHasATrackingName()
    {
        var (_, result) = RunTwice(Harness.Compile(First, Second), c => c);

        var steps = result.Results.Single().TrackedSteps.Keys.ToHashSet();
        foreach (var name in TrackingNames.All)
        {
            Assert.Contains(name, steps);
        }
    }

    [Fact]
    public void RerunOnAnUnchangedCompilation_IsCachedThroughout()
    {
        var (_, second) = RunTwice(Harness.Compile(First, Second), c => c.Clone());

        AssertAllCachedOrUnchanged(second);
    }

    [Fact]
    public void UnrelatedEdit_LeavesEveryStepCachedOrUnchanged()
    {
        var (_, second) = RunTwice(
            Harness.Compile(First, Second, Unrelated),
            c => Replace(c, 2, Unrelated.Replace("Value => 1", "Value => 2")));

        AssertAllCachedOrUnchanged(second);
    }

    [Fact]
    public void EditingATaskBody_ChangesNoOutput()
    {
        var (_, second) = RunTwice(
            Harness.Compile(First, Second),
            c => Replace(c, 0, First.Replace("a + 1", "a + 2")));

        AssertAllCachedOrUnchanged(second);
    }

    [Fact]
    public void EditingATaskSignature_RegeneratesOnlyThatWorkflow()
    {
        var (_, second) = RunTwice(
            Harness.Compile(First, Second),
            c => Replace(c, 0, First.Replace("public int B(int a)", "public long B(int a)")));

        var run = second.Results.Single();
        var sources = run.TrackedSteps[TrackingNames.Source].SelectMany(s => s.Outputs).ToList();
        var reasons = sources.Select(o => (Text: o.Value.ToString()!, o.Reason)).ToList();
        Assert.Equal(2, reasons.Count);
        Assert.Contains(reasons, r => r.Text.Contains("App.First.Workflow.g.cs") && r.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(reasons, r => r.Text.Contains("App.Second.Workflow.g.cs") && r.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        Assert.Contains("TaskHandle<long> B", run.GeneratedSources.Single(s => s.HintName == "App.First.Workflow.g.cs").SourceText.ToString());
    }

    [Fact]
    public void StepOutputs_HoldNoSymbolsSyntaxOrCompilations()
    {
        var (_, result) = RunTwice(Harness.Compile(First, Second), c => c);

        var steps = result.Results.Single().TrackedSteps;
        foreach (var step in TrackingNames.All.SelectMany(name => steps[name]))
        {
            foreach (var (value, _) in step.Outputs)
            {
                AssertNoRoslynObjects(value, new HashSet<object>(ReferenceEqualityComparer.Instance), path: step.Name ?? "?");
            }
        }
    }

    private static (GeneratorDriverRunResult First, GeneratorDriverRunResult Second) RunTwice(CSharpCompilation compilation, Func<CSharpCompilation, CSharpCompilation> edit)
    {
        var driver = Harness.CreateDriver().RunGenerators(compilation);
        var first = driver.GetRunResult();
        driver = driver.RunGenerators(edit(compilation));
        return (first, driver.GetRunResult());
    }

    private static CSharpCompilation Replace(CSharpCompilation compilation, int index, string newText)
    {
        var old = compilation.SyntaxTrees.ElementAt(index);
        return compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(newText, Harness.ParseOptions, old.FilePath));
    }

    private static void AssertAllCachedOrUnchanged(GeneratorDriverRunResult result, string? except = null)
    {
        var steps = result.Results.Single().TrackedSteps;
        foreach (var name in TrackingNames.All.Where(n => n != except))
        {
            Assert.True(steps.ContainsKey(name), $"step {name} did not run");
            foreach (var step in steps[name])
            {
                foreach (var (_, reason) in step.Outputs)
                {
                    Assert.True(reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step {name} output was {reason}");
                }
            }
        }
    }

    private static void AssertNoRoslynObjects(object? value, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(value is ISymbol, $"{path} holds an ISymbol");
        Assert.False(value is SyntaxNode, $"{path} holds a SyntaxNode");
        Assert.False(value is Location, $"{path} holds a Location");
        Assert.False(value is Compilation, $"{path} holds a Compilation");
        Assert.False(value is SemanticModel, $"{path} holds a SemanticModel");

        if (value is IEnumerable enumerable && !(value.GetType().IsValueType && value.GetType().Name.StartsWith("ImmutableArray", StringComparison.Ordinal) && (bool)value.GetType().GetProperty("IsDefault")!.GetValue(value)!))
        {
            var i = 0;
            foreach (var item in enumerable)
            {
                AssertNoRoslynObjects(item, seen, $"{path}[{i++}]");
            }
        }

        foreach (var field in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertNoRoslynObjects(field.GetValue(value), seen, $"{path}.{field.Name}");
        }
    }
}
