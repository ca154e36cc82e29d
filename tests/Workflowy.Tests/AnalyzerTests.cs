using Workflowy.Tests.Infrastructure;

namespace Workflowy.Tests;

public class AnalyzerTests
{
    [Fact]
    public void WFY001_Cycle_NamesEveryTaskInIt()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task, DependsOn(nameof(C))] public int {|WFY001:A|}() => 1;
                [Task, DependsOn(nameof(A))] public int B() => 2;
                [Task, DependsOn(nameof(B))] public int C() => 3;
                [Task] public int Free() => 4;
            }
            """);
        Assert.Contains("A -> B -> C -> A", diagnostics[0].GetMessage());
        Assert.Equal(2, diagnostics[0].AdditionalLocations.Count);
    }

    [Fact]
    public void ValidWorkflow_HasNoDiagnostics()
    {
        Markup.VerifyAnalyzer("""
            using System.Threading.Tasks;
            using Workflowy;
            public partial class W
            {
                [Task] public int A() => 1;
                [Task(Backend = Backend.Async), DependsOn(nameof(A))] public Task<string> B(int a) => Task.FromResult(a.ToString());
                [Task(Backend = Backend.Thread), DependsOn(nameof(A), nameof(B))] public void C(int a, string b) { }
            }
            """);
    }
}
