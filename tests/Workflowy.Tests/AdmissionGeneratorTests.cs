using Microsoft.CodeAnalysis;
using Workflowy.Tests.Infrastructure;

namespace Workflowy.Tests;

/// <summary>What the generator writes for [ConcurrencyKey] and [CacheResult] (kept beside the other snapshots in Snapshots/).</summary>
public class AdmissionGeneratorTests
{
    internal const string Keyed = """
        using System.Threading;
        using System.Threading.Tasks;
        using Workflowy;

        namespace Billing;

        public partial class Invoicing
        {
            [Task] public int Load(string tenant) => tenant.Length;

            [Task, DependsOn(nameof(Load))]
            [ConcurrencyKey(nameof(tenant), MaxRunning = 2, MaxPending = 3, OnLimit = ConcurrencyLimit.Reuse, OnArgumentMismatch = ArgumentMismatch.KeepFirst)]
            public Task<decimal> Invoice(string tenant, int load, CancellationToken ct) => Task.FromResult((decimal)load);

            [Task(Retries = 1), DependsOn(nameof(Invoice))]
            [CacheResult("00:10:00", Exclude = new[] { nameof(requestId) })]
            public string Render(decimal invoice, string requestId) => invoice.ToString();

            [Task, ConcurrencyKey] public void Audit() { }
        }
        """;

    [Fact]
    public void Snapshot_ConcurrencyKeyAndCacheResult()
    {
        var (output, result) = Harness.Generate(Keyed);
        var generated = result.Results.Single().GeneratedSources.Select(s => s.SyntaxTree).ToHashSet();
        var errors = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && generated.Contains(tree)).ToList();
        Assert.True(errors.Count == 0, "Generated code has diagnostics:\n" + Harness.Format(errors));
        var text = Assert.Single(result.Results.Single().GeneratedSources).SourceText.ToString();
        Assert.Contains("protected override global::Workflowy.TaskArguments? ArgumentsOf(int index)", text);
        Snapshot.Verify(text);
    }

    internal const string FanOuts = """
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using Workflowy;

        namespace Catalog;

        public sealed record Item(int Id);

        public partial class Pricing
        {
            [Task] public IReadOnlyList<Item> LoadItems(int count) => new List<Item>();

            [Task(Retries = 2, TimeoutSeconds = 5), FanOut(nameof(LoadItems), MaxParallel = 4)]
            public Task<decimal> Price(Item item, CancellationToken ct) => Task.FromResult((decimal)item.Id);

            [Task, DependsOn(nameof(Price))] public decimal Sum(IReadOnlyList<decimal> price) => 0m;

            [Task(Backend = Backend.Thread), FanOut(nameof(LoadItems), BatchSize = 10, OnFailure = FanOutFailure.CollectAll)]
            public int Count(IReadOnlyList<Item> chunk, TaskContext context) => chunk.Count;

            [Task, DependsOn(nameof(Count))] public int Total(IReadOnlyList<FanOutResult<int>> count) => count.Count;
        }
        """;

    [Fact]
    public void Snapshot_FanOut()
    {
        var (output, result) = Harness.Generate(FanOuts);
        var generated = result.Results.Single().GeneratedSources.Select(s => s.SyntaxTree).ToHashSet();
        var errors = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && generated.Contains(tree)).ToList();
        Assert.True(errors.Count == 0, "Generated code has diagnostics:\n" + Harness.Format(errors));
        var text = Assert.Single(result.Results.Single().GeneratedSources).SourceText.ToString();
        Assert.Contains("public global::Workflowy.TaskHandle<global::System.Collections.Generic.IReadOnlyList<decimal>> Price { get; }", text);
        Snapshot.Verify(text);
    }
}
