using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using Workflowy.CodeFixes.Tests.Infrastructure;
using Verify = Workflowy.CodeFixes.Tests.Infrastructure.CodeFixVerifier<Workflowy.CodeFixes.MakePartialCodeFixProvider>;

namespace Workflowy.CodeFixes.Tests;

public class MakePartialCodeFixTests
{
    [Fact]
    public Task WFY004_AddsPartialToTheWorkflowClass() => Verify.VerifyAsync(
        """
        using Workflowy;

        public sealed class {|WFY004:Pipeline|}
        {
            [Task] public int Load() => 1;
            [Task, DependsOn(nameof(Load))] public int Double(int load) => load * 2;
        }
        """,
        """
        using Workflowy;

        public sealed partial class Pipeline
        {
            [Task] public int Load() => 1;
            [Task, DependsOn(nameof(Load))] public int Double(int load) => load * 2;
        }
        """,
        MakePartialCodeFixProvider.EquivalenceKey);

    [Fact]
    public Task WFY004_DeclarationWithoutModifiers_KeepsIndentationAndAttributes() => Verify.VerifyAsync(
        """
        using System;
        using Workflowy;

        namespace App
        {
            [Obsolete("kept")]
            class {|WFY004:Pipeline|}
            {
                [Task] public int Load() => 1;
            }
        }
        """,
        """
        using System;
        using Workflowy;

        namespace App
        {
            [Obsolete("kept")]
            partial class Pipeline
            {
                [Task] public int Load() => 1;
            }
        }
        """);

    [Fact]
    public Task WFY004_NonPartialWorkflowInNonPartialTypes_MakesTheWholeChainPartial() => Verify.VerifyAsync(
        """
        using Workflowy;

        namespace App;

        public static class Outer
        {
            internal class Middle
            {
                public class {|WFY004:Inner|}
                {
                    [Task] public int Load() => 1;
                }
            }

            public class Unrelated
            {
            }
        }
        """,
        """
        using Workflowy;

        namespace App;

        public static partial class Outer
        {
            internal partial class Middle
            {
                public partial class Inner
                {
                    [Task] public int Load() => 1;
                }
            }

            public class Unrelated
            {
            }
        }
        """);

    [Fact]
    public Task WFY004_PartialWorkflowInNonPartialContainers_IsReportedOnTheWorkflow_AndFixesEveryContainer() =>
        new CodeFixVerifier<MakePartialCodeFixProvider>
        {
            TestCode = """
                using Workflowy;

                class Outer
                {
                    public class Middle
                    {
                        public partial class {|WFY004:Workflow|}
                        {
                            [Task] public int Load() => 1;
                        }
                    }
                }
                """,
            FixedCode = """
                using Workflowy;

                partial class Outer
                {
                    public partial class Middle
                    {
                        public partial class Workflow
                        {
                            [Task] public int Load() => 1;
                        }
                    }
                }
                """,
        }.RunAsync();

    [Fact]
    public Task WFY004_RecordWithModifiers_GetsPartialRightBeforeTheKeyword() => Verify.VerifyAsync(
        """
        using Workflowy;

        public sealed record {|WFY004:Report|}(string Title)
        {
            [Task] public string Render() => Title;
        }
        """,
        """
        using Workflowy;

        public sealed partial record Report(string Title)
        {
            [Task] public string Render() => Title;
        }
        """);

    [Fact]
    public async Task WFY004_TwoWorkflowsInOneNonPartialContainer_FixAllMergesTheSameEditOnce()
    {
        // Outer holds two workflows, so WFY004 is reported twice (on First and on Second, with Outer as additional
        // location); both fixes add 'partial' to Outer, and Fix All must apply that edit once, with the fix of Third.
        var test = new CodeFixVerifier<MakePartialCodeFixProvider>
        {
            TestCode = """
                using Workflowy;

                public class Outer
                {
                    public partial class First
                    {
                        [Task] public int A() => 1;
                    }

                    public partial class Second
                    {
                        [Task] public int B() => 2;
                    }
                }

                public class Third
                {
                    [Task] public int C() => 3;
                }
                """,
            FixedCode = """
                using Workflowy;

                public partial class Outer
                {
                    public partial class First
                    {
                        [Task] public int A() => 1;
                    }

                    public partial class Second
                    {
                        [Task] public int B() => 2;
                    }
                }

                public partial class Third
                {
                    [Task] public int C() => 3;
                }
                """,
            CodeActionEquivalenceKey = MakePartialCodeFixProvider.EquivalenceKey,
            NumberOfIncrementalIterations = 2,
        };
        test.ExpectedDiagnostics.Add(new DiagnosticResult("WFY004", DiagnosticSeverity.Error).WithSpan(5, 26, 5, 31).WithSpan(3, 14, 3, 19).WithArguments("First"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult("WFY004", DiagnosticSeverity.Error).WithSpan(10, 26, 10, 32).WithSpan(3, 14, 3, 19).WithArguments("Second"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult("WFY004", DiagnosticSeverity.Error).WithSpan(16, 14, 16, 19).WithArguments("Third"));
        await test.RunAsync();
    }

    [Fact]
    public async Task WFY004_ContainerDeclaredInAnotherFile_IsMadePartialThere()
    {
        var test = new CodeFixVerifier<MakePartialCodeFixProvider>();
        test.TestState.Sources.Add(("Workflow.cs", """
            using Workflowy;

            public partial class Outer
            {
                public class {|WFY004:Inner|}
                {
                    [Task] public int Load() => 1;
                }
            }
            """));
        test.TestState.Sources.Add(("Outer.cs", """
            public class {|CS0260:Outer|}
            {
                public int Size => 1;
            }
            """));
        test.FixedState.Sources.Add(("Workflow.cs", """
            using Workflowy;

            public partial class Outer
            {
                public partial class Inner
                {
                    [Task] public int Load() => 1;
                }
            }
            """));
        test.FixedState.Sources.Add(("Outer.cs", """
            public partial class Outer
            {
                public int Size => 1;
            }
            """));
        await test.RunAsync();
    }

    [Fact]
    public Task WFY004_FixAll_AcrossSeveralWorkflows() => Verify.VerifyAsync(
        """
        using Workflowy;

        public class {|WFY004:A|}
        {
            [Task] public int One() => 1;
        }

        internal class {|WFY004:B|}
        {
            [Task] public int Two() => 2;
        }

        class {|WFY004:C|}
        {
            [Task] public int Three() => 3;
        }
        """,
        """
        using Workflowy;

        public partial class A
        {
            [Task] public int One() => 1;
        }

        internal partial class B
        {
            [Task] public int Two() => 2;
        }

        partial class C
        {
            [Task] public int Three() => 3;
        }
        """);
}
