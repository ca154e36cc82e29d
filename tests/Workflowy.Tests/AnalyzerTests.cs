using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Workflowy.Analyzers;
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

    // ---------------------------------------------------------------- WFY001

    [Fact]
    public void WFY001_TwoTaskCycle_ReportedOnceOnTheFirstTask_WithTheOtherAsAdditionalLocation()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task, DependsOn(nameof(Pong))] public int {|WFY001:Ping|}(int pong) => pong;
                [Task, DependsOn(nameof(Ping))] public int Pong(int ping) => ping;
            }
            """);
        var message = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("Ping -> Pong -> Ping", message);
        Assert.Contains("Remove one of these [DependsOn] edges", message);
        var additional = Assert.Single(diagnostics[0].AdditionalLocations);
        Assert.Equal("Pong", additional.SourceTree!.ToString().Substring(additional.SourceSpan.Start, additional.SourceSpan.Length));
    }

    [Fact]
    public void WFY001_TwoSeparateCycles_EachReported_DownstreamTaskIsNot()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task, DependsOn(nameof(B))] public void {|WFY001:A|}() { }
                [Task, DependsOn(nameof(A))] public void B() { }
                [Task, DependsOn(nameof(D))] public void {|WFY001:C|}() { }
                [Task, DependsOn(nameof(C))] public void D() { }
                [Task, DependsOn(nameof(A), nameof(C))] public void AfterBoth() { }
            }
            """);
        Assert.Contains("A -> B -> A", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
        Assert.Contains("C -> D -> C", diagnostics[1].GetMessage(CultureInfo.InvariantCulture));
        Assert.DoesNotContain("AfterBoth", diagnostics[0].GetMessage(CultureInfo.InvariantCulture) + diagnostics[1].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY001_CycleThroughExplicitTaskNames_UsesTaskNamesInMessage()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task("first"), DependsOn("second")] public void {|WFY001:One|}() { }
                [Task("second"), DependsOn(nameof(One))] public void Two() { }
            }
            """);
        Assert.Contains("first -> second -> first", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    // ---------------------------------------------------------------- WFY002

    [Fact]
    public void WFY002_TaskReturningTask_OnThreadBackend()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using System.Threading.Tasks;
            using Workflowy;
            public partial class W
            {
                [Task(Backend = Backend.Thread)] public Task {|WFY002:Save|}() => Task.CompletedTask;
                [Task(Backend = Backend.Thread)] public ValueTask<int> {|WFY002:Count|}() => new ValueTask<int>(1);
                [Task(Backend = Backend.Thread)] public async Task<int> {|WFY002:Load|}() { await Task.Yield(); return 1; }
                [Task(Backend = Backend.Thread)] public int Sync() => 1;
                [Task(Backend = Backend.Async)] public Task Fine() => Task.CompletedTask;
            }
            """);
        var message = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("'Save'", message);
        Assert.Contains("Use Backend.Async", message);
        Assert.Contains("make the method synchronous", message);
    }

    [Fact]
    public void WFY002_ReportsTheTaskName_WhenItDiffersFromTheMethodName()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using System.Threading.Tasks;
            using Workflowy;
            public partial class W
            {
                [Task("persist", Backend = Backend.Thread)] public Task {|WFY002:Save|}() => Task.CompletedTask;
            }
            """);
        Assert.Contains("Task 'persist'", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    // ---------------------------------------------------------------- WFY003

    [Fact]
    public void WFY003_UnknownDependency_NearMissTypo_SuggestsTheTask()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task] public int Load() => 1;
                [Task, DependsOn({|WFY003:"Lod"|})] public void Use() { }
            }
            """);
        var message = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("Task 'Use' depends on 'Lod'", message);
        Assert.Contains("Did you mean 'Load'?", message);
        Assert.Contains("nameof(...)", message);
    }

    [Fact]
    public void WFY003_UnknownDependency_FarFromEveryTask_HasNoSuggestion()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task] public int Load() => 1;
                [Task, DependsOn({|WFY003:"SomethingElseEntirely"|})] public void Use() { }
            }
            """);
        Assert.DoesNotContain("Did you mean", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY003_NameofAMethodThatIsNotATask()
    {
        Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                public int Helper() => 1;
                [Task] public int Load() => 1;
                [Task, DependsOn(nameof(Load), {|WFY003:nameof(Helper)|})] public void Use(int load) { }
            }
            """);
    }

    [Fact]
    public void WFY003_InASecondDependsOn_IsLocatedOnTheRightArgument()
    {
        Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task] public void A() { }
                [Task] public void B() { }
                [Task]
                [DependsOn(nameof(A), {|WFY003:"Missing1"|})]
                [DependsOn(nameof(B), {|WFY003:"Missing2"|})]
                public void C() { }
            }
            """);
    }

    [Fact]
    public void WFY003_ExplicitArrayArgument_FallsBackToTheWholeAttribute()
    {
        Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task] public void A() { }
                [Task, {|WFY003:DependsOn(new[] { "A", "Missing" })|}] public void C() { }
            }
            """);
    }

    [Fact]
    public void WFY003_OverloadedMethodName_IsNotAValidDependency()
    {
        // The overloads have distinct task names, so the shared method name identifies neither of them.
        Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task("first")] public int Load() => 1;
                [Task("second")] public int Load(int id) => id;
                [Task, DependsOn({|WFY003:nameof(Load)|})] public void Use() { }
            }
            """);
    }

    // ---------------------------------------------------------------- WFY004

    [Fact]
    public void WFY004_TaskInNonPartialClass()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public class {|WFY004:W|}
            {
                [Task] public int A() => 1;
                [Task, DependsOn(nameof(A))] public int B(int a) => a;
            }
            """);
        var message = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("'W'", message);
        Assert.Contains("Add the 'partial' modifier", message);
    }

    [Fact]
    public void WFY004_PartialClassNestedInNonPartialOuterClass_IsReportedOnTheClass_WithTheOuterClassAsAdditionalLocation()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public class Outer
            {
                public partial class {|WFY004:Inner|}
                {
                    [Task] public int A() => 1;
                }
            }
            """);
        var message = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("'Inner'", message);
        Assert.Contains("or a type containing it", message);
        Assert.Equal("Outer", Assert.Single(diagnostics[0].AdditionalLocations).SourceTree!.GetText().ToString(Assert.Single(diagnostics[0].AdditionalLocations).SourceSpan));
        Assert.Contains("Add the 'partial' modifier", message);
    }

    [Fact]
    public void WFY004_NotReportedForPartialClassNestedInPartialClasses()
    {
        VerifyValid("""
            using Workflowy;
            namespace N;
            public partial class Outer
            {
                public partial class Middle
                {
                    public partial class Inner
                    {
                        [Task] public int A() => 1;
                    }
                }
            }
            """);
    }

    // ---------------------------------------------------------------- WFY006

    [Fact]
    public void WFY006_TwoDependenciesOfTheSameType_ParameterNamedAfterNeither()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task] public int Left() => 1;
                [Task] public int Right() => 2;
                [Task, DependsOn(nameof(Left), nameof(Right))] public int Sum(int {|WFY006:value|}) => value;
            }
            """);
        var message = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("Parameter 'value' of task 'Sum'", message);
        Assert.Contains("'Left', 'Right'", message);
        Assert.Contains("Rename the parameter after the dependency", message);
    }

    [Fact]
    public void WFY006_AmbiguousThroughAssignability()
    {
        Markup.VerifyAnalyzer("""
            using System.Collections.Generic;
            using Workflowy;
            public partial class W
            {
                [Task] public List<int> Listed() => new();
                [Task] public int[] Arrayed() => new int[0];
                [Task, DependsOn(nameof(Listed), nameof(Arrayed))] public void Use(IEnumerable<int> {|WFY006:items|}) { }
            }
            """);
    }

    [Fact]
    public void WFY006_NotReported_WhenTheParameterIsNamedAfterOneOfThem()
    {
        VerifyValid("""
            using Workflowy;
            public partial class W
            {
                [Task] public int Left() => 1;
                [Task] public int Right() => 2;
                [Task, DependsOn(nameof(Left), nameof(Right))] public int Sum(int left, int right) => left + right;
                [Task, DependsOn(nameof(Left), nameof(Right))] public int Twice(int right) => 2 * right;
            }
            """);
    }

    [Fact]
    public void WFY006_NotReported_WhenOnlyOneDependencyHasAFittingType()
    {
        VerifyValid("""
            using Workflowy;
            public partial class W
            {
                [Task] public int Number() => 1;
                [Task] public string Text() => "x";
                [Task, DependsOn(nameof(Number), nameof(Text))] public string Use(int n, string s) => s + n;
            }
            """);
    }

    // ---------------------------------------------------------------- WFY008

    [Fact]
    public void WFY008_ParameterNamedAfterDependencyOfAnotherType()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task] public string Name() => "x";
                [Task, DependsOn(nameof(Name))] public int Use(int {|WFY008:name|}) => name;
            }
            """);
        var message = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("Parameter 'name' of task 'Use' is named after dependency 'Name'", message);
        Assert.Contains("(string)", message);
        Assert.Contains("cannot be assigned to int", message);
        Assert.Contains("Change the parameter's type, or rename it", message);
    }

    [Fact]
    public void WFY008_ParameterNamedAfterVoidOrTaskDependency()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using System.Threading.Tasks;
            using Workflowy;
            public partial class W
            {
                [Task] public void Setup() { }
                [Task] public Task Warmup() => Task.CompletedTask;
                [Task, DependsOn(nameof(Setup), nameof(Warmup))] public int Use(int {|WFY008:setup|}, string {|WFY008:warmup|}) => setup;
            }
            """);
        Assert.All(diagnostics, d => Assert.Contains("(no result)", d.GetMessage(CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void WFY008_NotReported_ForNullableOrInterfaceTargets()
    {
        VerifyValid("""
            using System.Collections.Generic;
            using Workflowy;
            public partial class W
            {
                [Task] public int Count() => 1;
                [Task] public List<string> Items() => new();
                [Task] public string? Label() => null;
                [Task, DependsOn(nameof(Count), nameof(Items), nameof(Label))]
                public void Use(int? count, IReadOnlyList<string> items, string label) { }
            }
            """);
    }

    // ---------------------------------------------------------------- WFY009

    [Fact]
    public void WFY009_SameInputNameWithTwoTypes()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task] public void A(int count) { }
                [Task] public void B(string {|WFY009:count|}) { }
                [Task] public void C(int count) { }
            }
            """);
        var message = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("Workflow input 'count' is string in task 'B' but int in an earlier task", message);
        Assert.Contains("Give the parameters the same type, or different names", message);
    }

    [Fact]
    public void WFY009_NotReported_ForTheSameTypeDifferingOnlyInNullability()
    {
        VerifyValid("""
            using Workflowy;
            public partial class W
            {
                [Task] public void A(string label) { }
                [Task] public void B(string? label) { }
            }
            """);
    }

    // ---------------------------------------------------------------- WFY010

    [Fact]
    public void WFY010_ExplicitNameClash()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task("Load")] public int A() => 1;
                [Task(Name = "Load")] public int {|WFY010:B|}() => 2;
            }
            """);
        var message = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("The task name 'Load' is already used by method 'A'", message);
        Assert.Contains("Give one of the tasks a different Name", message);
    }

    [Fact]
    public void WFY010_ExplicitNameEqualToAnotherTasksMethodName()
    {
        Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task] public int Load() => 1;
                [Task("Load")] public int {|WFY010:Reload|}() => 2;
            }
            """);
    }

    [Fact]
    public void WFY010_MethodOverloads()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task] public int Load() => 1;
                [Task] public int {|WFY010:Load|}(int id) => id;
            }
            """);
        Assert.Contains("'Load'", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY010_NotReported_ForOverloadsWithDistinctTaskNames()
    {
        VerifyValid("""
            using Workflowy;
            public partial class W
            {
                [Task("loadAll")] public int Load() => 1;
                [Task("loadOne")] public int Load(int id) => id;
                [Task, DependsOn("loadAll", "loadOne")] public int Sum(int loadAll, int loadOne) => loadAll + loadOne;
            }
            """);
    }

    // ---------------------------------------------------------------- WFY011

    [Fact]
    public void WFY011_GenericMethod()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task] public T {|WFY011:Make|}<T>() => default!;
            }
            """);
        var message = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("'Make' cannot be a workflow task", message);
        Assert.Contains("generic", message);
    }

    [Fact]
    public void WFY011_RefOutInAndParamsParameters()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task] public void A(ref int {|WFY011:x|}) { }
                [Task] public void B(out int {|WFY011:y|}) { y = 1; }
                [Task] public void C(in int {|WFY011:z|}) { }
                [Task] public void D(params int[] {|WFY011:values|}) { }
            }
            """);
        Assert.Contains("parameter 'x' is passed by ref; task parameters must be passed by value", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
        Assert.Contains("parameter 'y' is passed by out", diagnostics[1].GetMessage(CultureInfo.InvariantCulture));
        Assert.Contains("parameter 'z' is passed by in", diagnostics[2].GetMessage(CultureInfo.InvariantCulture));
        Assert.Contains("'params'", diagnostics[3].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY011_RefStructParameterAndReturn()
    {
        Markup.VerifyAnalyzer("""
            using System;
            using Workflowy;
            public partial class W
            {
                [Task] public void A(Span<int> {|WFY011:span|}) { }
                [Task] public Span<int> {|WFY011:B|}() => default;
            }
            """);
    }

    [Fact]
    public void WFY011_AsyncVoid()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using System.Threading.Tasks;
            using Workflowy;
            public partial class W
            {
                [Task] public async void {|WFY011:Fire|}() => await Task.Yield();
            }
            """);
        Assert.Contains("'async void'", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
        Assert.Contains("return Task instead", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY011_PartialMethodWithoutImplementation()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task] partial void {|WFY011:Hook|}();
            }
            """);
        Assert.Contains("it has no body", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY011_NotReported_ForPartialMethodWithImplementation()
    {
        VerifyValid("""
            using Workflowy;
            public partial class W
            {
                [Task] public partial int Hook();
                public partial int Hook() => 1;
            }
            """);
    }

    [Fact]
    public void WFY011_AbstractMethod()
    {
        Markup.VerifyAnalyzer("""
            using Workflowy;
            public abstract partial class W
            {
                [Task] public abstract int {|WFY011:A|}();
            }
            """);
    }

    [Fact]
    public void WFY011_TaskInStruct()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial struct {|WFY011:S|}
            {
                [Task] public int A() => 1;
            }
            """);
        var message = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("'S' is a struct", message);
        Assert.Contains("partial class", message);
    }

    [Fact]
    public void WFY011_TaskInStaticClass()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public static partial class {|WFY011:S|}
            {
                [Task] public static int A() => 1;
            }
            """);
        Assert.Contains("'S' is static", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY011_TaskInGenericClass()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class {|WFY011:G|}<T>
            {
                [Task] public int A() => 1;
            }
            """);
        Assert.Contains("'G' is generic", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY011_TaskInClassNestedInGenericClass()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class Outer<T>
            {
                public partial class {|WFY011:Inner|}
                {
                    [Task] public int A() => 1;
                }
            }
            """);
        Assert.Contains("'Outer' is generic", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY011_TaskOnPropertyAccessorOrOperator()
    {
        Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                public int P { [Task] {|WFY011:get|} => 1; }
                [Task] public static W operator {|WFY011:+|}(W a, W b) => a;
                [Task] public int Fine() => 1;
            }
            """);
    }

    // ---------------------------------------------------------------- WFY012

    [Fact]
    public void WFY012_SelfDependency()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task] public int A() => 1;
                [Task, DependsOn(nameof(A), {|WFY012:nameof(B)|})] public int B(int a) => a;
            }
            """);
        var message = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("Task 'B' depends on itself", message);
        Assert.Contains("Remove its own name from [DependsOn]", message);
    }

    [Fact]
    public void WFY012_SelfDependencyThroughExplicitName()
    {
        Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task("self"), DependsOn({|WFY012:"self"|})] public void Me() { }
            }
            """);
    }

    // ---------------------------------------------------------------- WFY013

    [Fact]
    public void WFY013_DependsOnWithoutTask_IsAWarning()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task] public int A() => 1;
                [{|WFY013:DependsOn(nameof(A))|}] public void Helper() { }
            }
            """);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostics[0].Severity);
        var message = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("Method 'Helper'", message);
        Assert.Contains("Add [Task], or remove [DependsOn]", message);
    }

    [Fact]
    public void WFY013_InAClassWithoutAnyTask_OncePerAttribute()
    {
        Markup.VerifyAnalyzer("""
            using Workflowy;
            public class Plain
            {
                [{|WFY013:DependsOn("X")|}]
                [{|WFY013:DependsOn("Y")|}]
                public void M() { }
            }
            """);
    }

    // ---------------------------------------------------------------- WFY005, WFY007, WFY015, WFY016 (task options)

    [Fact]
    public void WFY005_BothRetriesAndMaxAttempts()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task(Retries = 2, {|WFY005:MaxAttempts = 3|})] public int A() => 1;
            }
            """);
        Assert.Contains("Keep one", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY007_InvalidOptionValues_NameTheOptionTheValueAndTheRule()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task({|WFY007:Retries = -1|}, {|WFY007:TimeoutSeconds = 0|}, {|WFY007:BackoffBaseSeconds = -2|})] public int A() => 1;
                [Task({|WFY007:MaxAttempts = 0|}, {|WFY007:BackoffJitter = 1.5|}, {|WFY007:BackoffCapSeconds = -1|})] public int B() => 1;
                [Task({|WFY007:Backoff = (Backoff)9|}, {|WFY007:OnDependencyFailure = (DependencyFailure)7|})] public int C() => 1;
                [Task({|WFY007:Backend = (Backend)42|})] public int D() => 1;
            }
            """);
        var retries = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("Retries", retries);
        Assert.Contains("-1", retries);
        Assert.Contains("0 or more", retries);
        Assert.Contains("positive", diagnostics[1].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY007_NotReported_ForValidOptions()
    {
        VerifyValid("""
            using System;
            using System.IO;
            using Workflowy;
            public partial class W
            {
                [Task(Retries = 0, Backoff = Backoff.Linear, BackoffBaseSeconds = 0, BackoffCapSeconds = 0.5, BackoffJitter = 1, TimeoutSeconds = 0.001,
                      RetryOn = new[] { typeof(IOException), typeof(TimeoutException) }, OnDependencyFailure = DependencyFailure.Skip, Backend = Backend.Serial)]
                public int A() => 1;
                [Task(MaxAttempts = 1)] public int B() => 1;
            }
            """);
    }

    [Fact]
    public void WFY015_RunAnywayBindingANonNullableParameter_IsAWarning()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task] public int Count() => 1;
                [Task] public string Name() => "n";
                [Task(OnDependencyFailure = DependencyFailure.RunAnyway), DependsOn(nameof(Count), nameof(Name))]
                public string Report(int {|WFY015:count|}, string {|WFY015:name|}) => name + count;
                [Task(OnDependencyFailure = DependencyFailure.RunAnyway), DependsOn(nameof(Count), nameof(Name))]
                public string Fine(int? count, string? name) => name + count;
            }
            """);
        Assert.All(diagnostics, d => Assert.Equal(DiagnosticSeverity.Warning, d.Severity));
        Assert.Contains("nullable", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY016_RetryOnTypeThatIsNotAnException()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using System;
            using Workflowy;
            public partial class W
            {
                [Task(Retries = 1, {|WFY016:RetryOn = new[] { typeof(TimeoutException), typeof(string) }|})] public int A() => 1;
            }
            """);
        Assert.Contains("string", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    // ---------------------------------------------------------------- WFY017, WFY018 (declared entry points)

    [Fact]
    public void WFY017_EntryPointMismatch_SaysWhyAndGivesTheSignature()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using System.Threading;
            using System.Threading.Tasks;
            using Workflowy;
            public partial class W
            {
                [Task] public int A(int seed) => seed;
                [Task, DependsOn(nameof(A))] public string B(int a, string label) => label + a;
                [Workflow] public partial Task<WRun> {|WFY017:Missing|}(int seed, CancellationToken ct);
                [Workflow] public partial Task<int> {|WFY017:WrongReturn|}(int seed, string label);
                [Workflow] public partial WRun {|WFY017:Extra|}(int seed, string label, int other);
                [Workflow] public partial Task<WRun> Fine(string label, int seed, WorkflowRunner? runner, CancellationToken token);
            }
            """);
        var missing = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("lacks the workflow input 'label'", missing);
        Assert.Equal(
            "public partial global::System.Threading.Tasks.Task<WRun> Missing(int seed, string label, global::System.Threading.CancellationToken ct);",
            diagnostics[0].Properties["Signature"]);
        Assert.Contains("returns", diagnostics[1].GetMessage(CultureInfo.InvariantCulture));
        Assert.Contains("'other' is not a workflow input", diagnostics[2].GetMessage(CultureInfo.InvariantCulture));
        Assert.StartsWith("public partial WRun Extra(", diagnostics[2].Properties["Signature"], StringComparison.Ordinal);
    }

    [Fact]
    public void WFY018_WorkflowOnAMethodWithABody()
    {
        Markup.VerifyAnalyzer("""
            using System.Threading.Tasks;
            using Workflowy;
            public partial class W
            {
                [Task] public int A() => 1;
                [Workflow] public Task<WRun> {|WFY018:Go|}() => RunAsync();
            }
            """);
    }

    [Fact]
    public void ValidEntryPoints_CompileAndAreNotReported()
    {
        VerifyValid("""
            using System.Threading;
            using System.Threading.Tasks;
            using Workflowy;
            public partial class W
            {
                [Task] public int A(int seed) => seed;
                [Task, DependsOn(nameof(A))] public string B(int a, string label) => label + a;
                [Workflow] public partial Task<WRun> GoAsync(string label, int seed, CancellationToken cancellationToken);
                [Workflow] internal partial WRun Go(WorkflowRunner runner, int seed, string label);
            }
            """);
    }

    // ---------------------------------------------------------------- WFY019, WFY020 (persistence)

    [Fact]
    public void WFY019_ResultAndInputTypesMustBeRegisteredInTheSerializerContext()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using System.Text.Json.Serialization;
            using Workflowy;

            public sealed record Cart(int Id);

            [JsonSerializable(typeof(Cart))]
            internal partial class ShopJson : JsonSerializerContext
            {
                public ShopJson() : base(null) { }
                protected override System.Text.Json.JsonSerializerOptions? GeneratedSerializerOptions => null;
                public override System.Text.Json.Serialization.Metadata.JsonTypeInfo? GetTypeInfo(System.Type type) => null;
            }

            [WorkflowSerialization(typeof(ShopJson))]
            public partial class W
            {
                [Task] public Cart Load(int {|WFY019:cartId|}) => new(cartId);
                [Task, DependsOn(nameof(Load))] public decimal {|WFY019:Price|}(Cart load) => load.Id;
            }
            """);
        Assert.Contains("[JsonSerializable(typeof(int))]", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
        Assert.Contains("workflow input 'cartId'", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
        Assert.Contains("decimal", diagnostics[1].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY020_SerializationNamesATypeThatIsNotAContext()
    {
        Markup.VerifyAnalyzer("""
            using Workflowy;

            public sealed class NotAContext { }

            [WorkflowSerialization(typeof(NotAContext))]
            public partial class {|WFY020:W|}
            {
                [Task] public int A() => 1;
            }
            """);
    }

    // ---------------------------------------------------------------- WFY014

    [Fact]
    public void WFY014_InputNamedRunnerOrCancellationToken()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task] public void A(int {|WFY014:runner|}) { }
                [Task] public void B(string {|WFY014:cancellationToken|}) { }
            }
            """);
        var message = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("Parameter 'runner' of task 'A'", message);
        Assert.Contains("Rename the parameter", message);
        Assert.Contains("'cancellationToken'", diagnostics[1].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY014_NotReported_WhenTheParameterBindsToADependencyOrIsInjected()
    {
        VerifyValid("""
            using System.Threading;
            using Workflowy;
            public partial class W
            {
                [Task] public int Runner() => 1;
                [Task, DependsOn(nameof(Runner))] public void A(int runner, CancellationToken cancellationToken) { }
            }
            """);
    }

    // ---------------------------------------------------------------- Tricky but valid

    [Fact]
    public void Valid_DependencyByExplicitTaskNameOrByMethodName()
    {
        VerifyValid("""
            using Workflowy;
            public partial class W
            {
                [Task("fetch")] public int Fetch() => 1;
                [Task("parse")] public string ParseIt() => "x";
                [Task, DependsOn("fetch", "parse")] public void ByTaskName(int fetch, string parse) { }
                [Task, DependsOn(nameof(Fetch), nameof(ParseIt))] public void ByMethodName(int fetch, string parseIt) { }
            }
            """);
    }

    [Fact]
    public void Valid_ParameterBindingIsCaseInsensitive()
    {
        VerifyValid("""
            using Workflowy;
            public partial class W
            {
                [Task] public int LoadCount() => 1;
                [Task] public int SaveCount() => 2;
                [Task, DependsOn(nameof(LoadCount), nameof(SaveCount))] public int Sum(int LOADCOUNT, int savecount) => LOADCOUNT + savecount;
            }
            """);
    }

    [Fact]
    public void Valid_CancellationTokenAndTaskContextAreInjected_NotInputs()
    {
        var source = """
            using System.Threading;
            using System.Threading.Tasks;
            using Workflowy;
            public partial class W
            {
                [Task] public Task<int> A(CancellationToken token) => Task.FromResult(1);
                [Task, DependsOn(nameof(A))] public void B(int a, TaskContext context, CancellationToken ct) { }
                [Task] public void C(TaskContext ctx) { }
            }
            """;
        VerifyValid(source);
        var (output, result) = Harness.Generate(source);
        var generated = Harness.GeneratedText(result);
        Assert.Contains("RunAsync(global::Workflowy.WorkflowRunner? runner = null", generated);
        Assert.DoesNotContain("_input_", generated);
        Assert.Empty(Harness.CompilerDiagnostics(output).Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void Valid_StaticTaskMethods()
    {
        VerifyValid("""
            using Workflowy;
            public partial class W
            {
                [Task] public static int A() => 1;
                [Task, DependsOn(nameof(A))] public static int B(int a) => a + 1;
                [Task, DependsOn(nameof(B))] public int C(int b) => b;
            }
            """);
    }

    [Fact]
    public void Valid_DependencyUsedOnlyAsAnOrderingEdge()
    {
        VerifyValid("""
            using System.Threading.Tasks;
            using Workflowy;
            public partial class W
            {
                [Task] public void Setup() { }
                [Task] public Task Migrate() => Task.CompletedTask;
                [Task] public string Banner() => "x";
                [Task, DependsOn(nameof(Setup), nameof(Migrate), nameof(Banner))] public int Work(int width) => width;
            }
            """);
    }

    [Fact]
    public void Valid_SharedInputAcrossTasks_AndDuplicateDependencyNames()
    {
        VerifyValid("""
            using Workflowy;
            public partial class W
            {
                [Task] public int A(string tenant) => 1;
                [Task, DependsOn(nameof(A), nameof(A)), DependsOn("A")] public void B(int a, string tenant) { }
            }
            """);
    }

    // ---------------------------------------------------------------- Generated code of invalid workflows

    public static TheoryData<string, string> InvalidSources() => new()
    {
        {
            "cycle",
            """
            using Workflowy;
            public partial class W
            {
                [Task, DependsOn(nameof(B))] public int A(int b) => b;
                [Task, DependsOn(nameof(A))] public int B(int a) => a;
            }
            """
        },
        {
            "unknown dependency",
            """
            using Workflowy;
            public partial class W
            {
                [Task] public int Load() => 1;
                [Task, DependsOn("Lod")] public int Use(int load) => load;
            }
            """
        },
        {
            "ambiguous binding",
            """
            using Workflowy;
            public partial class W
            {
                [Task] public int Left() => 1;
                [Task] public int Right() => 2;
                [Task, DependsOn(nameof(Left), nameof(Right))] public int Sum(int value) => value;
            }
            """
        },
        {
            "async on thread",
            """
            using System.Threading.Tasks;
            using Workflowy;
            public partial class W
            {
                [Task(Backend = Backend.Thread)] public Task<int> A() => Task.FromResult(1);
                [Task, DependsOn(nameof(A))] public void B(int a) { }
            }
            """
        },
        {
            "type mismatch",
            """
            using Workflowy;
            public partial class W
            {
                [Task] public string Name() => "x";
                [Task] public void Setup() { }
                [Task, DependsOn(nameof(Name), nameof(Setup))] public int Use(int name, string setup) => name;
            }
            """
        },
        {
            "input conflict",
            """
            using Workflowy;
            public partial class W
            {
                [Task] public void A(int count) { }
                [Task] public void B(string count) { }
            }
            """
        },
        {
            "duplicate name",
            """
            using Workflowy;
            public partial class W
            {
                [Task("Load")] public int A() => 1;
                [Task("Load")] public string B() => "";
                [Task] public int Load(int id) => id;
                [Task] public string Load(string key) => key;
            }
            """
        },
        {
            "reserved input name",
            """
            using Workflowy;
            public partial class W
            {
                [Task] public void A(int runner) { }
                [Task] public void B(string cancellationToken) { }
            }
            """
        },
        {
            "self dependency",
            """
            using Workflowy;
            public partial class W
            {
                [Task, DependsOn(nameof(A))] public int A(int a) => a;
            }
            """
        },
    };

    [Theory]
    [MemberData(nameof(InvalidSources))]
    public void InvalidWorkflows_GeneratedCodeDoesNotCascade(string name, string source)
    {
        Assert.NotEmpty(Harness.Analyze(source).Where(d => d.Severity == DiagnosticSeverity.Error));
        AssertNoCascade(name, source);
    }

    public static TheoryData<string, string> UnsupportedSignatureSources() => new()
    {
        { "ref parameter", "using Workflowy; public partial class W { [Task] public int A() => 1; [Task, DependsOn(nameof(A))] public void B(ref int a) { } }" },
        { "out parameter", "using Workflowy; public partial class W { [Task] public void B(out int x) { x = 1; } }" },
        { "async void", "using System.Threading.Tasks; using Workflowy; public partial class W { [Task] public async void A() => await Task.Yield(); }" },
        { "partial method without body", "using Workflowy; public partial class W { [Task] partial void Hook(); }" },
    };

    [Theory]
    [MemberData(nameof(UnsupportedSignatureSources))]
    public void UnsupportedSignatures_GeneratedCodeDoesNotCascade(string name, string source)
    {
        Assert.Contains(Harness.Analyze(source), d => d.Id == "WFY011");
        AssertNoCascade(name, source);
    }

    [Fact]
    public void UnsupportedSignature_GenericMethod_GeneratedCodeDoesNotCascade()
    {
        var source = "using Workflowy; public partial class W { [Task] public T Make<T>() => default!; [Task] public int A() => 1; }";
        Assert.Contains(Harness.Analyze(source), d => d.Id == "WFY011");
        AssertNoCascade("generic method", source);
    }

    [Fact]
    public void UnsupportedSignature_RefStruct_GeneratedCodeDoesNotCascade()
    {
        var source = "using System; using Workflowy; public partial class W { [Task] public Span<int> A() => default; [Task] public void B(Span<int> s) { } }";
        Assert.Contains(Harness.Analyze(source), d => d.Id == "WFY011");
        AssertNoCascade("ref struct", source);
    }

    // ---------------------------------------------------------------- Edge cases that once broke the generated code

    [Fact]
    public void Valid_TupleResultBindsToTupleParameterWithOtherElementNames()
    {
        VerifyValid("""
            using Workflowy;
            public partial class W
            {
                [Task] public (int X, string Y) Pair() => (1, "");
                [Task, DependsOn(nameof(Pair))] public void Use((int, string) pair) { }
                [Task, DependsOn(nameof(Pair))] public void UseRenamed((int Count, string Label) pair) { }
            }
            """);
    }

    [Fact]
    public void Valid_DynamicResultBindsToObjectParameter()
    {
        VerifyValid("""
            using Workflowy;
            public partial class W
            {
                [Task] public dynamic Value() => 1;
                [Task, DependsOn(nameof(Value))] public void Use(object value) { }
            }
            """);
    }

    public static TheoryData<string, string> InputsNamedLikeGeneratedMembers() => new()
    {
        // The constructor parameter hides the task property 'A': 'A = CreateHandle<int>(0)' assigns the parameter (CS0029).
        { "task property", "using Workflowy; public partial class W { [Task] public int A() => 1; [Task] public void B(int A) { } }" },
        // Hides the '_workflow' field: '_workflow = __workflow' assigns the parameter (CS0029).
        { "_workflow", "using Workflowy; public partial class W { [Task] public void B(string _workflow) { } }" },
        // Hides the static 'Definition' passed to the base constructor (CS1503).
        { "Definition", "using Workflowy; public partial class W { [Task] public void B(int Definition) { } }" },
        // Duplicate parameter names in the constructor, StartNew and RunNew (CS0100).
        { "__workflow", "using Workflowy; public partial class W { [Task] public void B(int __workflow) { } }" },
        { "__runner", "using Workflowy; public partial class W { [Task] public void B(int __runner) { } }" },
    };

    [Theory]
    [MemberData(nameof(InputsNamedLikeGeneratedMembers))]
    public void InputNamedLikeAGeneratedMember_IsDiagnosedOrCompiles(string name, string source) =>
        AssertDiagnosedOrCompiles(name, source);

    [Fact]
    public void TaskMethodNamedLikeTheRunClass_IsDiagnosedOrCompiles() =>
        AssertDiagnosedOrCompiles("WRun", "using Workflowy; public partial class W { [Task] public int WRun() => 1; }");

    [Fact]
    public void PartialRecord_IsDiagnosedOrCompiles() =>
        AssertDiagnosedOrCompiles("record", "using Workflowy; public partial record W { [Task] public int A() => 1; }");

    // ---------------------------------------------------------------- Catalogue

    [Fact]
    public void EveryDescriptor_HasHelpLinkTitleAndReleaseEntry()
    {
        var descriptors = new WorkflowAnalyzer().SupportedDiagnostics;
        var release = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "AnalyzerReleases.Unshipped.md"));
        var docs = File.ReadAllText(Path.Combine(Harness.RepositoryRoot, "docs", "diagnostics.md"));
        var docRows = docs.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('|')).ToList();

        Assert.NotEmpty(descriptors);
        Assert.Equal(descriptors.Length, descriptors.Select(d => d.Id).Distinct().Count());
        foreach (var descriptor in descriptors)
        {
            var id = descriptor.Id;
            Assert.Matches("^WFY[0-9]{3}$", id);
            Assert.False(string.IsNullOrWhiteSpace(descriptor.Title.ToString(CultureInfo.InvariantCulture)), id + " has no title");
            Assert.False(string.IsNullOrWhiteSpace(descriptor.MessageFormat.ToString(CultureInfo.InvariantCulture)), id + " has no message");
            Assert.EndsWith("#" + id.ToLowerInvariant(), descriptor.HelpLinkUri);
            Assert.Contains("docs/diagnostics.md#", descriptor.HelpLinkUri);
            Assert.True(descriptor.IsEnabledByDefault, id + " is disabled by default");

            var row = release.Select(l => l.Split('|').Select(c => c.Trim()).ToArray()).SingleOrDefault(c => c.Length == 4 && c[0] == id);
            Assert.True(row is not null, $"{id} has no row in AnalyzerReleases.Unshipped.md");
            Assert.Equal(descriptor.Category, row![1]);
            Assert.Equal(descriptor.DefaultSeverity.ToString(), row[2]);

            Assert.True(docRows.Any(r => r.StartsWith("| " + id + " ", StringComparison.Ordinal)), $"{id} has no row in docs/diagnostics.md");
            Assert.True(docs.Contains($"<a id=\"{id.ToLowerInvariant()}\"></a>", StringComparison.Ordinal), $"{id} has no anchor in docs/diagnostics.md");
        }

        // Every rule the release file lists is one the analyzer reports.
        var released = release.Where(l => Regex.IsMatch(l, "^WFY[0-9]{3} ")).Select(l => l.Split('|')[0].Trim());
        Assert.Equal(descriptors.Select(d => d.Id).OrderBy(i => i), released.OrderBy(i => i));
    }

    // ---------------------------------------------------------------- Helpers

    /// <summary>The analyzer reports nothing, and the source plus the generated code compiles without errors.</summary>
    private static void VerifyValid(string source)
    {
        Markup.VerifyAnalyzer(source);
        var (output, _) = Harness.Generate(source);
        var errors = Harness.CompilerDiagnostics(output).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "Compiler errors:\n" + Harness.Format(errors));
    }

    /// <summary>Either the analyzer reports an error, or the source plus the generated code compiles without errors.</summary>
    private static void AssertDiagnosedOrCompiles(string name, string source)
    {
        if (!Harness.Analyze(source).Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            var (output, _) = Harness.Generate(source);
            var errors = Harness.CompilerDiagnostics(output).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            Assert.True(errors.Count == 0, $"{name}: no WFY error, but the compiler reports:\n{Harness.Format(errors)}");
        }
    }

    /// <summary>
    /// The generated code adds no compiler errors: none located in a generated file, and none that compiling the
    /// source without the generator does not also report.
    /// </summary>
    private static void AssertNoCascade(string name, string source)
    {
        var (output, result) = Harness.Generate(source);
        var withGenerator = Harness.CompilerDiagnostics(output).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        var inGenerated = withGenerator.Where(d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true).ToList();
        Assert.True(
            inGenerated.Count == 0,
            $"{name}: errors in generated code:\n{Harness.Format(inGenerated)}\n\nGenerated:\n{string.Join("\n", result.GeneratedTrees.Select(t => t.ToString()))}");

        var baseline = new HashSet<string>(
            Harness.CompilerDiagnostics(Harness.Compile(source)).Where(d => d.Severity == DiagnosticSeverity.Error).Select(Key));
        var added = withGenerator.Where(d => !baseline.Contains(Key(d))).ToList();
        Assert.True(added.Count == 0, $"{name}: errors that only appear with the generated code:\n{Harness.Format(added)}");

        static string Key(Diagnostic d) => $"{d.Id}@{d.Location.SourceTree?.FilePath}:{d.Location.SourceSpan}";
    }
}
