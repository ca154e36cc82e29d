using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Workflowy.Analyzers;
using Workflowy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Workflowy.Tests;

/// <summary>
/// Robustness: the generator and the analyzer see half-typed code all the time in an IDE. Valid workflows are broken in
/// thousands of seeded, reproducible ways (tokens deleted, duplicated or swapped; lines deleted, duplicated or swapped;
/// the file cut short), and for every mutant neither may throw: no exception out of the driver or the analyzer, no
/// generator exception in the run result, no CS8785 (generator failed) or AD0001 (analyzer threw) anywhere.
/// </summary>
public class MutationTests
{
    /// <summary>The seed of the mutants; set WORKFLOWY_MUTATION_SEED to explore others (every failure names its seed).</summary>
    private const int DefaultSeed = 20261123;

    private const int MutantsPerSource = 334;

    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = ImmutableArray.Create<DiagnosticAnalyzer>(new WorkflowAnalyzer());

    private static readonly string[] CrashIds = { "CS8784", "CS8785", "AD0001" };

    private readonly ITestOutputHelper _output;

    public MutationTests(ITestOutputHelper output) => _output = output;

    public static readonly (string Name, string Text)[] Seeds =
    {
        ("Diamond", """
            using System.Threading;
            using System.Threading.Tasks;
            using Workflowy;

            namespace Shop;

            public sealed record Cart(int Id, decimal Total);

            public partial class Checkout
            {
                [Task]
                public Cart LoadCart(int cartId) => new(cartId, 10m);

                [Task(Backend = Backend.Async)]
                [DependsOn(nameof(LoadCart))]
                public async Task<decimal> Price(Cart cart, CancellationToken cancellationToken)
                {
                    await Task.Delay(1, cancellationToken);
                    return cart.Total * 1.2m;
                }

                [Task(Backend = Backend.Thread)]
                [DependsOn(nameof(LoadCart))]
                public bool Reserve(Cart cart) => cart.Id > 0;

                [Task(Backend = Backend.Thread)]
                [DependsOn(nameof(Price), nameof(Reserve))]
                public string Confirm(decimal price, bool reserve, string customer) => $"{customer}: {price} {reserve}";
            }
            """),
        ("Shapes", """
            #nullable enable
            using System.Threading;
            using System.Threading.Tasks;
            using Workflowy;

            internal sealed class Secret { }

            partial class Outer
            {
                internal partial class Shapes
                {
                    [Task] public void Void() { }
                    [Task] public static int Value(int @class) => @class;
                    [Task, DependsOn(nameof(Void))] public Task PlainTask() => Task.CompletedTask;
                    [Task, DependsOn(nameof(Value))] public static Task<int> TaskOfT(int value) => Task.FromResult(value);
                    [Task] public ValueTask PlainValueTask() => default;
                    [Task("shaped-result"), DependsOn(nameof(TaskOfT))] public ValueTask<string?> ValueTaskOfT(int taskOfT, TaskContext context) => new((string?)null);
                    [Task, DependsOn("shaped-result", nameof(PlainTask))] public Secret Last(string? valueTaskOfT, CancellationToken token) => new();
                    [Task] public int Completion() => 1;
                }
            }
            """),
        ("Options", """
            using System;
            using System.IO;
            using System.Threading.Tasks;
            using Workflowy;

            namespace Ops
            {
                public partial class Deploy
                {
                    [Task(Retries = 3, Backoff = Backoff.Linear, BackoffBaseSeconds = 0.5, BackoffCapSeconds = 4, BackoffJitter = 0.1, RetryOn = new[] { typeof(IOException), typeof(TimeoutException) })]
                    public async Task<string> Fetch(string url) { await Task.Yield(); return url; }

                    [Task(MaxAttempts = 2, TimeoutSeconds = 30, Backend = Backend.Serial), DependsOn(nameof(Fetch))]
                    public int Parse(string fetch) => fetch.Length;

                    [Task(Name = "publish", OnDependencyFailure = DependencyFailure.Skip)]
                    [DependsOn(nameof(Parse))]
                    public void Publish(int parse, TaskContext context) { }

                    [Task(OnDependencyFailure = DependencyFailure.RunAnyway, Backoff = Backoff.None), DependsOn("publish")]
                    public static void Report() { }
                }
            }
            """),
        ("SplitAndTypes", """
            #nullable enable
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Workflowy;

            namespace Data.Pipeline;

            public interface IShape { double Area { get; } }
            public sealed record Square(double Side) : IShape { public double Area => Side * Side; }

            public partial class Stats
            {
                [Task] public List<int> Numbers(int count) { var list = new List<int>(); for (var i = 0; i < count; i++) list.Add(i); return list; }
                [Task, DependsOn(nameof(Numbers))] public (int Sum, int Count) Totals(List<int> numbers) => (numbers.Count, numbers.Count);
                [Task] public Square Shape(double side) => new(side);
            }

            public partial class Stats
            {
                [Task, DependsOn(nameof(Totals), nameof(Shape))]
                public ValueTask<string?> Describe((int Sum, int Count) totals, IShape shape, string? label = null) =>
                    new($"{label}: {totals.Sum}/{totals.Count} {shape.Area}");

                [Task, DependsOn(nameof(Describe))] public static int? Length(string? describe) => describe?.Length;
            }
            """),
        ("ChainAndNames", """
            using System.Threading;
            using System.Threading.Tasks;
            using Workflowy;
            using B = Workflowy.Backend;

            public sealed partial class Chain
            {
                [Task("step-one")] public int Step1(int start) => start + 1;
                [Task(Name = "step-two"), DependsOn("step-one")] public int Step2(int step1) => step1 * 2;
                [Task(Backend = B.Thread)]
                [DependsOn(nameof(Step2))]
                public int Step3(int step2, CancellationToken ct) => step2 + 3;
                [Task]
                [DependsOn(nameof(Step3))]
                [DependsOn(nameof(Step1))]
                public async Task<string> Step4(int step3, int step1, string suffix)
                {
                    await Task.Yield();
                    return $"={step3 + step1}{suffix}";
                }
                [Task, DependsOn(nameof(Step4), "step-two")] public string Last(string step4, int step2) => step4 + step2;
            }
            """),
        ("NestedAndGlobal", """
            using System;
            using System.Threading.Tasks;
            using Workflowy;
            using static Workflowy.Backend;

            namespace Outer.Space
            {
                public static partial class Holder
                {
                    public partial class Inner
                    {
                        private readonly string _prefix = ">";

                        [Task(Backend = Async)] public Task<Guid> Id() => Task.FromResult(Guid.Empty);
                        [Task(Backend = Thread), DependsOn(nameof(Id))] public string Text(Guid id) => _prefix + id;
                        [Task, DependsOn(nameof(Text), nameof(Id))] private void Log(string text, Guid id, int level) { }
                    }
                }
            }

            public partial class Flat
            {
                [Task] public int A() => 1;
                [Task] public int B() => 2;
                [Task, DependsOn(nameof(A), nameof(B))] public int Sum(int a, int b) => a + b;
            }
            """),
    };

    [Fact]
    public void SeedSources_AreValidWorkflows()
    {
        foreach (var (name, text) in Seeds)
        {
            var (output, result) = Harness.Generate(text);
            Assert.True(result.Results.Single().GeneratedSources.Length > 0, $"{name}: nothing generated");
            var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, $"{name}:\n{Harness.Format(errors)}");
            var analyzer = Harness.Analyze(text);
            Assert.True(analyzer.IsEmpty, $"{name}:\n{Harness.Format(analyzer)}");
        }
    }

    [Fact]
    public void EveryMutant_IsHandledWithoutAGeneratorOrAnalyzerCrash()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("WORKFLOWY_MUTATION_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : DefaultSeed;

        // Mutants come from one Random, in order, before anything runs in parallel: the same seed gives the same mutants.
        var random = new Random(seed);
        var mutants = new List<Mutant>();
        foreach (var (name, text) in Seeds)
        {
            for (var i = 0; i < MutantsPerSource; i++)
            {
                mutants.Add(Mutate(mutants.Count, name, text, random));
            }
        }

        var failures = new ConcurrentBag<(int Index, string Report)>();
        var stopwatch = Stopwatch.StartNew();
        Parallel.For(0, mutants.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            if (Check(mutants[i]) is { } problem)
            {
                failures.Add((i, $"seed {seed}, mutant {i} ({mutants[i].Source}: {string.Join("; ", mutants[i].Edits)}):\n{problem}\n--- mutant text ---\n{mutants[i].Text}\n---"));
            }
        });

        _output.WriteLine($"{mutants.Count} mutants of {Seeds.Length} workflows, seed {seed}, {stopwatch.Elapsed.TotalSeconds:F1} s, {failures.Count} failed");
        var reports = failures.OrderBy(f => f.Index).Select(f => f.Report).ToList();
        Assert.True(reports.Count == 0, $"{reports.Count} of {mutants.Count} mutants crashed the generator or the analyzer:\n\n" + string.Join("\n\n", reports.Take(5)));
    }

    [Fact]
    public void Mutations_AreReproducible_AndChangeTheSource()
    {
        var first = Enumerable.Range(0, 50).Select(i => Mutate(i, Seeds[0].Name, Seeds[0].Text, new Random(i))).ToList();
        var second = Enumerable.Range(0, 50).Select(i => Mutate(i, Seeds[0].Name, Seeds[0].Text, new Random(i))).ToList();

        Assert.Equal(first.Select(m => m.Text), second.Select(m => m.Text));
        Assert.All(first, m => Assert.NotEqual(Seeds[0].Text, m.Text));
        Assert.True(first.SelectMany(m => m.Edits).Select(e => e.Split(' ')[0]).Distinct().Count() >= 5, "the mutations should vary");
    }

    /// <summary>Runs the generator and the analyzer on one mutant; returns what went wrong, or null.</summary>
    private static string? Check(Mutant mutant)
    {
        try
        {
            var compilation = Harness.Compile(mutant.Text);
            var driver = Harness.CreateDriver(trackSteps: false).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
            var problems = new List<string>();
            foreach (var result in driver.GetRunResult().Results)
            {
                if (result.Exception is { } exception)
                {
                    problems.Add("generator exception: " + exception);
                }
            }

            var analyzerExceptions = new ConcurrentQueue<Exception>();
            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: (exception, _, _) => analyzerExceptions.Enqueue(exception),
                concurrentAnalysis: false,
                logAnalyzerExecutionTime: false);
            var diagnostics = output.WithAnalyzers(Analyzers, options).GetAllDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult();

            problems.AddRange(analyzerExceptions.Select(e => "analyzer exception: " + e));
            problems.AddRange(generatorDiagnostics.Concat(diagnostics).Where(d => CrashIds.Contains(d.Id)).Select(d => "diagnostic: " + d));
            return problems.Count == 0 ? null : string.Join("\n", problems);
        }
        catch (Exception exception)
        {
            return "exception escaped: " + exception;
        }
    }

    private sealed record Mutant(int Index, string Source, string Text, IReadOnlyList<string> Edits);

    /// <summary>One or two edits of the source (one in four mutants gets a second edit on top of the first).</summary>
    private static Mutant Mutate(int index, string sourceName, string text, Random random)
    {
        var edits = new List<string>();
        var mutated = text;
        var count = random.Next(4) == 0 ? 2 : 1;
        for (var i = 0; i < count; i++)
        {
            var before = mutated;
            for (var attempt = 0; attempt < 10 && mutated == before; attempt++)
            {
                (mutated, var edit) = MutateOnce(mutated, random);
                if (mutated != before)
                {
                    edits.Add(edit);
                }
            }
        }

        return new Mutant(index, sourceName, mutated, edits);
    }

    private static (string Text, string Edit) MutateOnce(string text, Random random)
    {
        var tokens = CSharpSyntaxTree.ParseText(text, Harness.ParseOptions).GetRoot().DescendantTokens(descendIntoTrivia: false)
            .Where(t => t.Span.Length > 0)
            .ToList();
        var lines = text.Split('\n').ToList();
        switch (random.Next(7))
        {
            case 0 when tokens.Count > 0:
            {
                var token = tokens[random.Next(tokens.Count)];
                return (Splice(text, token.Span, string.Empty), $"delete-token '{token.Text}' at {token.SpanStart}");
            }

            case 1 when tokens.Count > 0:
            {
                var token = tokens[random.Next(tokens.Count)];
                return (Splice(text, new TextSpan(token.Span.End, 0), " " + token.Text), $"duplicate-token '{token.Text}' at {token.SpanStart}");
            }

            case 2 when tokens.Count > 1:
            {
                var i = random.Next(tokens.Count - 1);
                var (a, b) = (tokens[i], tokens[i + 1]);
                var between = text.Substring(a.Span.End, b.SpanStart - a.Span.End);
                return (Splice(text, TextSpan.FromBounds(a.SpanStart, b.Span.End), b.Text + between + a.Text), $"swap-tokens '{a.Text}' '{b.Text}' at {a.SpanStart}");
            }

            case 3 when lines.Count > 1:
            {
                var line = random.Next(lines.Count);
                lines.RemoveAt(line);
                return (string.Join("\n", lines), $"delete-line {line + 1}");
            }

            case 4:
            {
                var line = random.Next(lines.Count);
                lines.Insert(line, lines[line]);
                return (string.Join("\n", lines), $"duplicate-line {line + 1}");
            }

            case 5 when lines.Count > 1:
            {
                var first = random.Next(lines.Count);
                var second = random.Next(lines.Count - 1);
                second += second >= first ? 1 : 0;
                (lines[first], lines[second]) = (lines[second], lines[first]);
                return (string.Join("\n", lines), $"swap-lines {first + 1} {second + 1}");
            }

            default:
            {
                var at = random.Next(text.Length);
                return (text.Substring(0, at), $"truncate at {at}");
            }
        }
    }

    private static string Splice(string text, TextSpan span, string replacement) =>
        text.Substring(0, span.Start) + replacement + text.Substring(span.End);
}
