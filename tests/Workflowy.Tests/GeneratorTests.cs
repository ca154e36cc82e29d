using System.Collections.Generic;
using System.IO;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Workflowy.Tests.Infrastructure;

namespace Workflowy.Tests;

public class GeneratorTests
{
    internal const string Diamond = """
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
        """;

    internal const string Shapes = """
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
        """;

    internal const string Invalid = """
        using System.Threading.Tasks;
        using Workflowy;

        public partial class Broken
        {
            [Task, DependsOn(nameof(B))] public int A() => 1;
            [Task, DependsOn(nameof(A))] public int B(int a) => a;
            [Task(Backend = Backend.Thread)] public Task<int> C(string input) => Task.FromResult(input.Length);
        }
        """;

    internal const string Options = """
        using System;
        using System.IO;
        using System.Threading.Tasks;
        using Workflowy;

        namespace Ops;

        public partial class Resilient
        {
            [Task(Retries = 3, Backoff = Backoff.Linear, BackoffBaseSeconds = 0.5, BackoffCapSeconds = 10, BackoffJitter = 0.2,
                  RetryOn = new[] { typeof(IOException), typeof(TimeoutException) }, TimeoutSeconds = 30)]
            public Task<int> Fetch() => Task.FromResult(1);

            [Task(MaxAttempts = 2, Backend = Backend.Serial)]
            public int Local() => 2;

            [Task(OnDependencyFailure = DependencyFailure.RunAnyway), DependsOn(nameof(Fetch), nameof(Local))]
            public string Report(int? fetch, int? local) => $"{fetch} {local}";

            [Task(OnDependencyFailure = DependencyFailure.Skip, Backoff = Backoff.None), DependsOn(nameof(Report))]
            public void Publish(string report) { }
        }
        """;

    [Fact]
    public void Snapshot_Options() => Snapshot.Verify(GenerateAndCompile(Options));

    internal const string Persistent = """
        using System.Text.Json.Serialization;
        using System.Threading.Tasks;
        using Workflowy;

        namespace Shop;

        public sealed record Cart(int Id, decimal Total);

        [JsonSerializable(typeof(Cart))]
        [JsonSerializable(typeof(int))]
        [JsonSerializable(typeof(string))]
        internal partial class ShopJson : JsonSerializerContext
        {
            // What System.Text.Json's generator would add (it does not run in this in-memory test).
            public ShopJson() : base(null) { }
            public static ShopJson Default { get; } = new();
            protected override System.Text.Json.JsonSerializerOptions? GeneratedSerializerOptions => null;
            public override System.Text.Json.Serialization.Metadata.JsonTypeInfo? GetTypeInfo(System.Type type) => null;
        }

        [WorkflowSerialization(typeof(ShopJson))]
        public partial class Checkout
        {
            [Task] public Cart LoadCart(int cartId) => new(cartId, 10m);
            [Task, DependsOn(nameof(LoadCart))] public string Confirm(Cart cart, string customer) => customer + cart.Id;
            [Task, DependsOn(nameof(Confirm))] public Task Notify(string confirm) => Task.CompletedTask;
        }
        """;

    [Fact]
    public void Snapshot_PersistenceWithASerializerContext() => Snapshot.Verify(GenerateAndCompile(Persistent));

    [Fact]
    public void Snapshot_Diamond() => Snapshot.Verify(GenerateAndCompile(Diamond));

    [Fact]
    public void Snapshot_ShapesNestedInternalKeywordsAndReservedNames() => Snapshot.Verify(GenerateAndCompile(Shapes));

    [Fact]
    public void Snapshot_InvalidWorkflowGetsThrowingStubsThatCompile() => Snapshot.Verify(GenerateAndCompile(Invalid));

    [Fact]
    public void GeneratedCode_CompilesWithoutWarnings_AndExposesTheTypedSurface()
    {
        var (output, _) = Harness.Generate(Diamond + """

            public static class Consumer
            {
                public static async Task<string> Use()
                {
                    Checkout.CheckoutRun run = await new Checkout().RunAsync(cartId: 1, customer: "Ada", runner: new WorkflowRunner { MaxWorkers = 2 }, cancellationToken: CancellationToken.None);
                    TaskHandle<Cart> cart = run.LoadCart;
                    TaskHandle<decimal> price = run.Price;
                    TaskHandle<bool> reserve = run.Reserve;
                    TaskHandle<string> confirm = run.Confirm;
                    Checkout.CheckoutRun started = new Checkout().Start(1, "Bob");
                    await started.Completion;
                    WorkflowGraph graph = Checkout.CheckoutRun.Definition;
                    string mermaid = Checkout.CheckoutRun.Mermaid;
                    return await confirm + cart.Result.Id + price.Result + reserve.Result + graph.Count + mermaid;
                }
            }
            """);

        Assert.Empty(Harness.CompilerDiagnostics(output));
    }

    [Fact]
    public void GeneratedCode_InTheGlobalNamespace_WithNullableDisabled_Compiles()
    {
        var (output, result) = Harness.Generate("""
            #nullable disable
            using Workflowy;
            public partial class G
            {
                [Task] public string A(string text) => text;
                [Task, DependsOn(nameof(A))] public string B(string a) => a + "!";
            }
            """);

        Assert.Empty(Harness.CompilerDiagnostics(output));
        Assert.Equal("G.Workflow.g.cs", Path.GetFileName(result.Results.Single().GeneratedSources.Single().HintName));
    }

    [Fact]
    public void GeneratedCode_Runs_InALoadedAssembly()
    {
        var (output, _) = Harness.Generate(Diamond + """

            public static class Entry
            {
                public static string Run() => new Checkout().RunAsync(2, "Eve").GetAwaiter().GetResult().Confirm.Result;
            }
            """);
        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        Assert.True(emit.Success, Harness.Format(emit.Diagnostics));

        var assembly = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromStream(new MemoryStream(stream.ToArray()));
        var result = assembly.GetType("Shop.Entry")!.GetMethod("Run")!.Invoke(null, null);

        Assert.Equal("Eve: 12.0 True", result);
    }

    [Fact]
    public void AWorkflowWithOnlyAWarning_Runs()
    {
        // WFY015 (RunAnyway binding a non-nullable parameter) is a warning: the build succeeds, so the run must too.
        const string source = """
            using Workflowy;

            namespace Warned;

            public partial class RunAnywayInt
            {
                [Task] public int Count() => 2;
                [Task(OnDependencyFailure = DependencyFailure.RunAnyway), DependsOn(nameof(Count))] public int Twice(int count) => count * 2;
            }

            public static class Entry
            {
                public static int Run() => new RunAnywayInt().RunAsync().GetAwaiter().GetResult().Twice.Result;
            }
            """;
        var diagnostics = Harness.Analyze(source);
        Assert.Equal(new[] { "WFY015" }, diagnostics.Select(d => d.Id));
        Assert.All(diagnostics, d => Assert.Equal(DiagnosticSeverity.Warning, d.Severity));

        Assert.Equal(4, RunInItsOwnContext(source, "Warned.Entry"));
    }

    /// <summary>Generates, compiles and loads the source into a collectible context, then calls the static <c>Run()</c> of <paramref name="entryType"/>.</summary>
    internal static object? RunInItsOwnContext(string source, string entryType)
    {
        var (output, _) = Harness.Generate(source);
        using var stream = new MemoryStream();
        var emit = output.Emit(stream);
        Assert.True(emit.Success, Harness.Format(emit.Diagnostics));

        var context = new System.Runtime.Loader.AssemblyLoadContext(entryType, isCollectible: true);
        try
        {
            var assembly = context.LoadFromStream(new MemoryStream(stream.ToArray()));
            return assembly.GetType(entryType)!.GetMethod("Run")!.Invoke(null, null);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }
        finally
        {
            context.Unload();
        }
    }

    [Fact]
    public void NonPartialClass_GetsNoGeneratedCode()
    {
        var (_, result) = Harness.Generate("""
            using Workflowy;
            public class NotPartial { [Task] public int A() => 1; }
            public partial class Fine { [Task] public int A() => 1; }
            """);

        Assert.Equal(new[] { "Fine.Workflow.g.cs" }, result.Results.Single().GeneratedSources.Select(s => s.HintName));
    }

    [Fact]
    public void PartialTypeAcrossFiles_IsOneWorkflow_InDeclarationOrder()
    {
        var (output, result) = Harness.Generate(
            """
            using Workflowy;
            public partial class Split { [Task] public int A() => 1; [Task] public int B() => 2; }
            """,
            """
            using Workflowy;
            public partial class Split { [Task, DependsOn(nameof(A), nameof(B))] public int C(int a, int b) => a + b; }
            """);

        Assert.Empty(Harness.CompilerDiagnostics(output));
        var text = Harness.GeneratedText(result);
        Assert.Contains("new global::Workflowy.WorkflowGraphNode(\"A\", global::Workflowy.Backend.Default, false),", text);
        Assert.Contains("new global::Workflowy.WorkflowGraphNode(\"C\", global::Workflowy.Backend.Default, false, 0, 1),", text);
    }

    [Fact]
    public void Output_IsDeterministic()
    {
        var first = Harness.GeneratedText(Harness.Generate(Diamond).Result);
        var second = Harness.GeneratedText(Harness.Generate(Diamond).Result);

        Assert.Equal(first, second);
    }

    private static string GenerateAndCompile(string source)
    {
        var (output, result) = Harness.Generate(source);
        var generated = result.Results.Single().GeneratedSources.Select(s => s.SyntaxTree).ToHashSet();
        var errors = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree is { } tree && generated.Contains(tree)).ToList();
        Assert.True(errors.Count == 0, "Generated code has diagnostics:\n" + Harness.Format(errors));
        Assert.Empty(Harness.CompilerDiagnostics(output).Where(d => d.Severity == DiagnosticSeverity.Error));
        return Harness.GeneratedText(result);
    }
}
