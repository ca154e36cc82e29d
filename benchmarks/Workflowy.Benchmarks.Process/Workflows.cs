using System.Text.Json.Serialization;
using Workflowy;

namespace Workflowy.Benchmarks.Process;

[JsonSerializable(typeof(int))]
internal sealed partial class BenchJson : JsonSerializerContext
{
}

/// <summary>A chain of 20 tasks in child processes: each waits for the one before (latency per task).</summary>
[WorkflowSerialization(typeof(BenchJson))]
public sealed partial class ProcessChain
{
    [Task(Backend = Backend.Process)] public static int T0(int seed) => seed + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T0))] public static int T1(int t0) => t0 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T1))] public static int T2(int t1) => t1 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T2))] public static int T3(int t2) => t2 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T3))] public static int T4(int t3) => t3 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T4))] public static int T5(int t4) => t4 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T5))] public static int T6(int t5) => t5 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T6))] public static int T7(int t6) => t6 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T7))] public static int T8(int t7) => t7 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T8))] public static int T9(int t8) => t8 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T9))] public static int T10(int t9) => t9 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T10))] public static int T11(int t10) => t10 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T11))] public static int T12(int t11) => t11 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T12))] public static int T13(int t12) => t12 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T13))] public static int T14(int t13) => t13 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T14))] public static int T15(int t14) => t14 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T15))] public static int T16(int t15) => t15 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T16))] public static int T17(int t16) => t16 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T17))] public static int T18(int t17) => t17 + 1;
    [Task(Backend = Backend.Process), DependsOn(nameof(T18))] public static int T19(int t18) => t18 + 1;
}

/// <summary>The same chain on dedicated threads.</summary>
[WorkflowSerialization(typeof(BenchJson))]
public sealed partial class ThreadChain
{
    [Task(Backend = Backend.Thread)] public static int T0(int seed) => seed + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T0))] public static int T1(int t0) => t0 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T1))] public static int T2(int t1) => t1 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T2))] public static int T3(int t2) => t2 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T3))] public static int T4(int t3) => t3 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T4))] public static int T5(int t4) => t4 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T5))] public static int T6(int t5) => t5 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T6))] public static int T7(int t6) => t6 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T7))] public static int T8(int t7) => t7 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T8))] public static int T9(int t8) => t8 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T9))] public static int T10(int t9) => t9 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T10))] public static int T11(int t10) => t10 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T11))] public static int T12(int t11) => t11 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T12))] public static int T13(int t12) => t12 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T13))] public static int T14(int t13) => t13 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T14))] public static int T15(int t14) => t14 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T15))] public static int T16(int t15) => t15 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T16))] public static int T17(int t16) => t16 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T17))] public static int T18(int t17) => t17 + 1;
    [Task(Backend = Backend.Thread), DependsOn(nameof(T18))] public static int T19(int t18) => t18 + 1;
}

/// <summary>20 independent tasks in child processes (throughput with MaxWorkers children).</summary>
[WorkflowSerialization(typeof(BenchJson))]
public sealed partial class ProcessWide
{
    [Task(Backend = Backend.Process)] public static int W0(int seed) => seed + 0;
    [Task(Backend = Backend.Process)] public static int W1(int seed) => seed + 1;
    [Task(Backend = Backend.Process)] public static int W2(int seed) => seed + 2;
    [Task(Backend = Backend.Process)] public static int W3(int seed) => seed + 3;
    [Task(Backend = Backend.Process)] public static int W4(int seed) => seed + 4;
    [Task(Backend = Backend.Process)] public static int W5(int seed) => seed + 5;
    [Task(Backend = Backend.Process)] public static int W6(int seed) => seed + 6;
    [Task(Backend = Backend.Process)] public static int W7(int seed) => seed + 7;
    [Task(Backend = Backend.Process)] public static int W8(int seed) => seed + 8;
    [Task(Backend = Backend.Process)] public static int W9(int seed) => seed + 9;
    [Task(Backend = Backend.Process)] public static int W10(int seed) => seed + 10;
    [Task(Backend = Backend.Process)] public static int W11(int seed) => seed + 11;
    [Task(Backend = Backend.Process)] public static int W12(int seed) => seed + 12;
    [Task(Backend = Backend.Process)] public static int W13(int seed) => seed + 13;
    [Task(Backend = Backend.Process)] public static int W14(int seed) => seed + 14;
    [Task(Backend = Backend.Process)] public static int W15(int seed) => seed + 15;
    [Task(Backend = Backend.Process)] public static int W16(int seed) => seed + 16;
    [Task(Backend = Backend.Process)] public static int W17(int seed) => seed + 17;
    [Task(Backend = Backend.Process)] public static int W18(int seed) => seed + 18;
    [Task(Backend = Backend.Process)] public static int W19(int seed) => seed + 19;
}

/// <summary>The same 20 independent tasks on dedicated threads.</summary>
[WorkflowSerialization(typeof(BenchJson))]
public sealed partial class ThreadWide
{
    [Task(Backend = Backend.Thread)] public static int W0(int seed) => seed + 0;
    [Task(Backend = Backend.Thread)] public static int W1(int seed) => seed + 1;
    [Task(Backend = Backend.Thread)] public static int W2(int seed) => seed + 2;
    [Task(Backend = Backend.Thread)] public static int W3(int seed) => seed + 3;
    [Task(Backend = Backend.Thread)] public static int W4(int seed) => seed + 4;
    [Task(Backend = Backend.Thread)] public static int W5(int seed) => seed + 5;
    [Task(Backend = Backend.Thread)] public static int W6(int seed) => seed + 6;
    [Task(Backend = Backend.Thread)] public static int W7(int seed) => seed + 7;
    [Task(Backend = Backend.Thread)] public static int W8(int seed) => seed + 8;
    [Task(Backend = Backend.Thread)] public static int W9(int seed) => seed + 9;
    [Task(Backend = Backend.Thread)] public static int W10(int seed) => seed + 10;
    [Task(Backend = Backend.Thread)] public static int W11(int seed) => seed + 11;
    [Task(Backend = Backend.Thread)] public static int W12(int seed) => seed + 12;
    [Task(Backend = Backend.Thread)] public static int W13(int seed) => seed + 13;
    [Task(Backend = Backend.Thread)] public static int W14(int seed) => seed + 14;
    [Task(Backend = Backend.Thread)] public static int W15(int seed) => seed + 15;
    [Task(Backend = Backend.Thread)] public static int W16(int seed) => seed + 16;
    [Task(Backend = Backend.Thread)] public static int W17(int seed) => seed + 17;
    [Task(Backend = Backend.Thread)] public static int W18(int seed) => seed + 18;
    [Task(Backend = Backend.Thread)] public static int W19(int seed) => seed + 19;
}
