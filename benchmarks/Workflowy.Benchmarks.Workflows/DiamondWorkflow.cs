using System.Threading.Tasks;

namespace Workflowy.Benchmarks.Workflows;

/// <summary>
/// The static-graph benchmark: 10 tasks in diamond layers 1-2-4-2-1, each depending on every task of the layer
/// above, with trivial bodies; <see cref="C2"/> is asynchronous (it yields once). <see cref="DiamondHandWritten"/>
/// runs the same bodies by hand.
/// </summary>
public partial class DiamondWorkflow
{
    /// <summary>Layer 1.</summary>
    [Task]
    public int A(int seed) => seed + 1;

    /// <summary>Layer 2.</summary>
    [Task, DependsOn(nameof(A))]
    public int B1(int a) => a + 1;

    /// <summary>Layer 2.</summary>
    [Task, DependsOn(nameof(A))]
    public int B2(int a) => a + 2;

    /// <summary>Layer 3.</summary>
    [Task, DependsOn(nameof(B1), nameof(B2))]
    public int C1(int b1, int b2) => b1 + b2;

    /// <summary>Layer 3, asynchronous.</summary>
    [Task, DependsOn(nameof(B1), nameof(B2))]
    public async Task<int> C2(int b1, int b2)
    {
        await Task.Yield();
        return b1 - b2;
    }

    /// <summary>Layer 3.</summary>
    [Task, DependsOn(nameof(B1), nameof(B2))]
    public int C3(int b1, int b2) => (2 * b1) + b2;

    /// <summary>Layer 3.</summary>
    [Task, DependsOn(nameof(B1), nameof(B2))]
    public int C4(int b1, int b2) => b1 + (2 * b2);

    /// <summary>Layer 4.</summary>
    [Task, DependsOn(nameof(C1), nameof(C2), nameof(C3), nameof(C4))]
    public int D1(int c1, int c2, int c3, int c4) => c1 + c2 + c3 + c4;

    /// <summary>Layer 4.</summary>
    [Task, DependsOn(nameof(C1), nameof(C2), nameof(C3), nameof(C4))]
    public int D2(int c1, int c2, int c3, int c4) => c1 - c2 + c3 - c4;

    /// <summary>Layer 5.</summary>
    [Task, DependsOn(nameof(D1), nameof(D2))]
    public int E(int d1, int d2) => d1 + d2;
}
