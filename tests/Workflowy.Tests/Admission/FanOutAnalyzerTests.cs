using System.Globalization;
using Workflowy.Tests.Infrastructure;

namespace Workflowy.Tests;

/// <summary>WFY025-WFY028: the checks of [FanOut], and the aggregate checked like any other edge.</summary>
public class FanOutAnalyzerTests
{
    [Fact]
    public void ValidFanOuts_HaveNoDiagnostics()
    {
        Markup.VerifyAnalyzer("""
            using System.Collections.Generic;
            using System.Threading.Tasks;
            using Workflowy;
            public record Item(int Id);
            public partial class W
            {
                [Task] public IReadOnlyList<Item> Items() => new List<Item>();
                [Task, FanOut(nameof(Items), MaxParallel = 4)] public Task<int> Process(Item item, string label) => Task.FromResult(item.Id);
                [Task, DependsOn(nameof(Process))] public int Sum(IReadOnlyList<int> results) => 0;
                [Task, FanOut(nameof(Items), BatchSize = 10, OnFailure = FanOutFailure.CollectAll)] public int Batch(IReadOnlyList<Item> chunk) => chunk.Count;
                [Task, DependsOn(nameof(Batch))] public int Count(IReadOnlyList<FanOutResult<int>> batch) => batch.Count;
            }
            """);
    }

    [Fact]
    public void WFY025_TheSourceIsNotACollection()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using System.Collections.Generic;
            using Workflowy;
            public partial class W
            {
                [Task] public string Text() => "abc";
                [Task, {|WFY025:FanOut(nameof(Text))|}] public int Each(char c) => c;
                [Task, DependsOn(nameof(Each))] public int Sum(IReadOnlyList<int> each) => 0;
            }
            """);
        Assert.Contains("whose result string is not a collection", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY026_NoParameterTakesTheElement_OrTheChunk()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using System.Collections.Generic;
            using Workflowy;
            public partial class W
            {
                [Task] public int[] Numbers() => new[] { 1 };
                [Task, {|WFY026:FanOut(nameof(Numbers))|}] public int Each(string s) => s.Length;
                [Task, DependsOn(nameof(Each))] public int A(IReadOnlyList<int> each) => 0;
                [Task, {|WFY026:FanOut(nameof(Numbers), BatchSize = 5)|}] public int Chunk(int n) => n;
                [Task, DependsOn(nameof(Chunk))] public int B(IReadOnlyList<int> chunk) => 0;
            }
            """);
        Assert.Contains("none of its parameters takes one element (int)", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
        Assert.Contains("a chunk of BatchSize elements (global::System.Collections.Generic.IReadOnlyList<int>)", diagnostics[1].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY027_BatchSizeOrParallelismBelowOne_NoResult_OrAKeyOnAFanOut()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using System.Collections.Generic;
            using Workflowy;
            public partial class W
            {
                [Task] public int[] Numbers() => new[] { 1 };
                [Task, {|WFY027:FanOut(nameof(Numbers), BatchSize = 0)|}] public int A(IReadOnlyList<int> chunk) => 0;
                [Task, {|WFY027:FanOut(nameof(Numbers), MaxParallel = -3)|}] public int B(int n) => n;
                [Task, {|WFY027:FanOut(nameof(Numbers))|}] public void C(int n) { }
                [Task, ConcurrencyKey, {|WFY027:FanOut(nameof(Numbers))|}] public int D(int n) => n;
                [Task, DependsOn(nameof(A), nameof(B), nameof(C), nameof(D))] public int All() => 0;
            }
            """);
        Assert.Contains("BatchSize = 0", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
        Assert.Contains("MaxParallel = -3", diagnostics[1].GetMessage(CultureInfo.InvariantCulture));
        Assert.Contains("returns no result", diagnostics[2].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY028_AFanOutWithoutAnAggregate()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task] public int[] Numbers() => new[] { 1 };
                [Task, {|WFY028:FanOut(nameof(Numbers))|}] public int Square(int n) => n * n;
            }
            """);
        Assert.Contains("T Aggregate(global::System.Collections.Generic.IReadOnlyList<int> results)", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void TheAggregateIsCheckedLikeAnyDependent_WFY008_AndAnUnknownSourceIsWFY003()
    {
        Markup.VerifyAnalyzer("""
            using System.Collections.Generic;
            using Workflowy;
            public partial class W
            {
                [Task] public int[] Numbers() => new[] { 1 };
                [Task, FanOut(nameof(Numbers))] public int Square(int n) => n * n;
                [Task, DependsOn(nameof(Square))] public int Sum(IReadOnlyList<string> {|WFY008:square|}) => 0;
                [Task, {|WFY003:FanOut("Nombers")|}] public int Cube(int n) => n;
                [Task, DependsOn(nameof(Cube))] public int Other(IReadOnlyList<int> cube) => 0;
            }
            """);
    }
}
