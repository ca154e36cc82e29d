using Microsoft.CodeAnalysis.Testing;

namespace Workflowy.CodeFixes.Tests;

public class EntryPointSignatureCodeFixTests
{
    [Fact]
    public async Task WFY017_WritesTheSignatureTheWorkflowNeeds()
    {
        var test = new Infrastructure.CodeFixVerifier<EntryPointSignatureCodeFixProvider>
        {
            TestCode = """
                using System.Threading;
                using System.Threading.Tasks;
                using Workflowy;

                public partial class W
                {
                    [Task] public int A(int seed) => seed;
                    [Task, DependsOn(nameof(A))] public string B(int a, string label) => label + a;

                    /// <summary>Go.</summary>
                    [Workflow]
                    public partial Task<WRun> {|WFY017:GoAsync|}(int seed, int unused, CancellationToken ct);
                }
                """,
            FixedCode = """
                using System.Threading;
                using System.Threading.Tasks;
                using Workflowy;

                public partial class W
                {
                    [Task] public int A(int seed) => seed;
                    [Task, DependsOn(nameof(A))] public string B(int a, string label) => label + a;

                    /// <summary>Go.</summary>
                    [Workflow]
                    public partial Task<WRun> GoAsync(int seed, string label, CancellationToken ct);
                }
                """,
            CodeActionEquivalenceKey = EntryPointSignatureCodeFixProvider.EquivalenceKey,
            // The generator does not run here (WRun does not exist, the partial has no body); nullable is off, so the simplifier drops "?".
            CompilerDiagnostics = CompilerDiagnostics.None,
        };

        await test.RunAsync();
    }

    [Fact]
    public async Task WFY017_WrongReturnType_BecomesTaskOfTheRun_AndAStartEntryPointKeepsItsShape()
    {
        var test = new Infrastructure.CodeFixVerifier<EntryPointSignatureCodeFixProvider>
        {
            TestCode = """
                using System.Threading.Tasks;
                using Workflowy;

                public partial class W
                {
                    [Task] public int A(int seed) => seed;
                    [Workflow] internal partial Task<int> {|WFY017:Run1|}(int seed);
                    [Workflow] public partial WRun {|WFY017:Start1|}(WorkflowRunner runner);
                }
                """,
            FixedCode = """
                using System.Threading.Tasks;
                using Workflowy;

                public partial class W
                {
                    [Task] public int A(int seed) => seed;
                    [Workflow] internal partial Task<WRun> Run1(int seed, System.Threading.CancellationToken cancellationToken);
                    [Workflow] public partial WRun Start1(int seed, WorkflowRunner runner, System.Threading.CancellationToken cancellationToken);
                }
                """,
            CodeActionEquivalenceKey = EntryPointSignatureCodeFixProvider.EquivalenceKey,
            CompilerDiagnostics = CompilerDiagnostics.None,
        };

        await test.RunAsync();
    }
}
