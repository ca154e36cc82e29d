using Microsoft.CodeAnalysis.Testing;
using Workflowy.CodeFixes.Tests.Infrastructure;
using Verify = Workflowy.CodeFixes.Tests.Infrastructure.CodeFixVerifier<Workflowy.CodeFixes.UseClosestTaskCodeFixProvider>;

namespace Workflowy.CodeFixes.Tests;

public class UseClosestTaskCodeFixTests
{
    [Fact]
    public Task WFY003_Typo_BecomesNameofTheClosestTask() => Verify.VerifyAsync(
        """
        using Workflowy;

        public partial class W
        {
            [Task] public int Load() => 1;
            [Task] public int Price() => 2;
            [Task, DependsOn({|WFY003:"Lod"|})] public void Use(int load) { }
        }
        """,
        """
        using Workflowy;

        public partial class W
        {
            [Task] public int Load() => 1;
            [Task] public int Price() => 2;
            [Task, DependsOn(nameof(Load))] public void Use(int load) { }
        }
        """,
        UseClosestTaskCodeFixProvider.EquivalenceKey);

    [Fact]
    public Task WFY003_CaseOnlyDifference_AndNameofOfANonTaskMethod() => Verify.VerifyAsync(
        """
        using Workflowy;

        public partial class W
        {
            public int Loads() => 0;
            [Task] public int Load() => 1;
            [Task, DependsOn({|WFY003:"load"|}, {|WFY003:nameof(Loads)|})] public void Use(int load) { }
        }
        """,
        """
        using Workflowy;

        public partial class W
        {
            public int Loads() => 0;
            [Task] public int Load() => 1;
            [Task, DependsOn(nameof(Load), nameof(Load))] public void Use(int load) { }
        }
        """);

    [Fact]
    public Task WFY003_NoTaskIsClose_NoFixIsOffered() => Verify.VerifyNoFixAsync(
        """
        using Workflowy;

        public partial class W
        {
            [Task] public int Load() => 1;
            [Task, DependsOn({|WFY003:"SomethingElseEntirely"|})] public void Use() { }
        }
        """);

    [Fact]
    public Task WFY003_JustBeyondTheThreshold_NoFixIsOffered() => Verify.VerifyNoFixAsync(
        """
        using Workflowy;

        public partial class W
        {
            // "Xyzad" is 3 edits from "Load" and 5 characters long: max(2, 5 / 3) = 2 edits at most.
            [Task] public int Load() => 1;
            [Task, DependsOn({|WFY003:"Xyzad"|})] public void Use() { }
        }
        """);

    [Fact]
    public Task WFY003_OnlyTheDependentItselfIsClose_NoFixIsOffered() => Verify.VerifyNoFixAsync(
        """
        using Workflowy;

        public partial class W
        {
            [Task] public int Load() => 1;
            [Task, DependsOn({|WFY003:"Uses"|})] public void Use() { }
        }
        """);

    [Fact]
    public Task WFY003_ArrayArgument_ReportedOnTheWholeAttribute_NoFixIsOffered() => Verify.VerifyNoFixAsync(
        """
        using Workflowy;

        public partial class W
        {
            [Task] public void Load() { }
            [Task, {|WFY003:DependsOn(new[] { "Load", "Lod" })|}] public void Use() { }
        }
        """);

    [Fact]
    public Task WFY003_TaskWithAnExplicitName_IsNamedByItsMethod() => Verify.VerifyAsync(
        """
        using Workflowy;

        public partial class W
        {
            [Task("load-data")] public int Fetch() => 1;
            [Task, DependsOn({|WFY003:"load-dat"|})] public void Use(int fetch) { }
        }
        """,
        """
        using Workflowy;

        public partial class W
        {
            [Task("load-data")] public int Fetch() => 1;
            [Task, DependsOn(nameof(Fetch))] public void Use(int fetch) { }
        }
        """);

    [Fact]
    public Task WFY003_MethodNamedLikeAKeyword_IsEscaped() => Verify.VerifyAsync(
        """
        using Workflowy;

        public partial class W
        {
            [Task] public int @event() => 1;
            [Task, DependsOn({|WFY003:"evnt"|})] public void Use() { }
        }
        """,
        """
        using Workflowy;

        public partial class W
        {
            [Task] public int @event() => 1;
            [Task, DependsOn(nameof(@event))] public void Use() { }
        }
        """);

    [Fact]
    public Task WFY003_OverloadedMethod_FirstOverloadByTaskNameIsTheDefault() => Verify.VerifyAsync(
        """
        using Workflowy;

        public partial class W
        {
            [Task("first")] public int Load() => 1;
            [Task("second")] public int Load(int id) => id;
            [Task, DependsOn({|WFY003:nameof(Load)|})] public void Use() { }
        }
        """,
        """
        using Workflowy;

        public partial class W
        {
            [Task("first")] public int Load() => 1;
            [Task("second")] public int Load(int id) => id;
            [Task, DependsOn("first")] public void Use() { }
        }
        """,
        UseClosestTaskCodeFixProvider.EquivalenceKey);

    [Fact]
    public Task WFY003_OverloadedMethod_TheOtherOverloadIsOfferedToo() => new CodeFixVerifier<UseClosestTaskCodeFixProvider>
    {
        TestCode = """
            using Workflowy;

            public partial class W
            {
                [Task("first")] public int Load() => 1;
                [Task("second")] public int Load(int id) => id;
                [Task, DependsOn({|WFY003:nameof(Load)|})] public void Use() { }
            }
            """,
        FixedCode = """
            using Workflowy;

            public partial class W
            {
                [Task("first")] public int Load() => 1;
                [Task("second")] public int Load(int id) => id;
                [Task, DependsOn("second")] public void Use() { }
            }
            """,
        CodeActionIndex = 1,
        CodeActionEquivalenceKey = UseClosestTaskCodeFixProvider.EquivalenceKey + ":\"second\"",
    }.RunAsync();

    [Fact]
    public Task WFY003_FixAll_AcrossArgumentsAndAttributes_LeavesTheUnfixableOne()
    {
        var test = new CodeFixVerifier<UseClosestTaskCodeFixProvider>
        {
            TestCode = """
                using Workflowy;

                public partial class W
                {
                    [Task] public int Load() => 1;
                    [Task] public decimal Price() => 2m;
                    [Task] public bool Reserve() => true;

                    [Task]
                    [DependsOn({|WFY003:"Lood"|}, {|WFY003:"price"|})]
                    [DependsOn(
                        {|WFY003:"Reserv"|} /* the stock */,
                        {|WFY003:"Nothing like any task"|})]
                    public string Confirm(int load, decimal price, bool reserve) => "";
                }
                """,
            FixedCode = """
                using Workflowy;

                public partial class W
                {
                    [Task] public int Load() => 1;
                    [Task] public decimal Price() => 2m;
                    [Task] public bool Reserve() => true;

                    [Task]
                    [DependsOn(nameof(Load), nameof(Price))]
                    [DependsOn(
                        nameof(Reserve) /* the stock */,
                        {|WFY003:"Nothing like any task"|})]
                    public string Confirm(int load, decimal price, bool reserve) => "";
                }
                """,
            CodeActionEquivalenceKey = UseClosestTaskCodeFixProvider.EquivalenceKey,
            NumberOfIncrementalIterations = 3,
            NumberOfFixAllIterations = 1,
        };

        // The far-off name stays reported after the fix: read the fixed code's markup as expected diagnostics.
        test.FixedState.MarkupHandling = MarkupMode.Allow;
        return test.RunAsync();
    }
}
