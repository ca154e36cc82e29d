using System.Collections.Generic;
using Workflowy.Tests.Workflows;
using Workflowy.Tests.Workflows.Catalog;

namespace Workflowy.Tests;

/// <summary>The catalogue: workflows listed and found by name, started from JSON, results read as JSON.</summary>
public class CatalogTests
{
    private const string Namespace = "Workflowy.Tests.Workflows.Catalog.";

    private static WorkflowDefinition Shipping => WorkflowCatalog.Find(Namespace + "CatalogShipping")!;

    [Fact]
    public void All_ListsTheWorkflowsOfTheTestAssembly_OrderedByFullName()
    {
        var names = WorkflowCatalog.All.Select(d => d.FullName).ToList();

        Assert.Contains(Namespace + "CatalogShipping", names);
        Assert.Contains(Namespace + "CatalogUnserialized", names);
        Assert.Contains(typeof(DiamondWorkflow).FullName, names);
        Assert.Contains(Namespace + "CatalogHost.Guarded", names);
        Assert.DoesNotContain(Namespace + "CatalogHost.Hidden", names);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Equal(names.Distinct(), names);

        // The private one is left out of the catalogue only: it still runs.
        Assert.Equal(1, CatalogHost.RunHidden());
    }

    [Fact]
    public void Find_ByShortOrFullName_NullWhenAbsent()
    {
        var byFull = WorkflowCatalog.Find(Namespace + "CatalogShipping");
        var byShort = WorkflowCatalog.Find("CatalogShipping");

        Assert.NotNull(byFull);
        Assert.Same(byFull, byShort);
        Assert.Equal("CatalogShipping", byFull.Name);
        Assert.Equal(Namespace + "CatalogShipping", byFull.FullName);
        Assert.Same(CatalogShipping.CatalogShippingRun.Definition, byFull.Graph);
        Assert.Equal(byFull.FullName, byFull.Graph.FullName);
        Assert.Null(WorkflowCatalog.Find("NoSuchWorkflow"));
        Assert.Null(WorkflowCatalog.Find("catalogshipping"));
        Assert.Throws<ArgumentNullException>(() => WorkflowCatalog.Find(null!));
    }

    [Fact]
    public void Find_AnAmbiguousShortName_Throws_ListingTheFullNames_WhileEachFullNameFindsOne()
    {
        var ex = Assert.Throws<ArgumentException>(() => WorkflowCatalog.Find("CatalogTwin"));

        Assert.Equal("name", ex.ParamName);
        Assert.Contains(Namespace + "CatalogTwin", ex.Message);
        Assert.Contains(Namespace + "Other.CatalogTwin", ex.Message);
        Assert.Equal("A", WorkflowCatalog.Find(Namespace + "CatalogTwin")!.Graph.Tasks.Single().Name);
        Assert.Equal("B", WorkflowCatalog.Find(Namespace + "Other.CatalogTwin")!.Graph.Tasks.Single().Name);
    }

    [Fact]
    public void Inputs_HaveTheirNamesAndTypes_InRunAsyncOrder()
    {
        Assert.Equal(
            new[] { ("to", "string"), ("grams", "int"), ("coupon", "string?") },
            Shipping.Inputs.Select(i => (i.Name, i.TypeName)));
        Assert.NotNull(Shipping.SerializerContext);
        Assert.Empty(WorkflowCatalog.Find(Namespace + "CatalogTwin")!.Inputs);
    }

    [Fact]
    public async Task StartAsync_FromJson_StartsTheRun_AndTheResultsComeBackAsJson()
    {
        var started = await Shipping.StartAsync("""{ "to": "Ada", "grams": 1250, "coupon": null }""", runId: "catalog-1");
        await started.Completion;

        var run = Assert.IsType<CatalogShipping.CatalogShippingRun>(started);
        Assert.Equal("catalog-1", run.RunId);
        Assert.Equal(12.5m, run.Quote.Result);
        Assert.Equal("""{"To":"Ada","Grams":1250}""", run.ResultJson("Pack"));
        Assert.Equal("12.5", run.ResultJson("Quote"));
        Assert.Equal("\"new:12.5\"", run.ResultJson("Receipt"));
        Assert.Equal("null", run.ResultJson("Notify"));

        var withCoupon = await Shipping.StartAsync("""{ "coupon": "SAVE", "grams": 300, "to": "Bo" }""");
        await withCoupon.Completion;
        Assert.Equal("2", withCoupon.ResultJson("Quote"));
    }

    [Fact]
    public async Task ResultJson_OfAnUnknownTask_OrOneThatDidNotComplete_Throws()
    {
        var run = await Shipping.StartAsync("""{ "to": "Ada", "grams": -1, "coupon": null }""", new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue });
        await run.Completion;

        Assert.Equal("grams", Assert.Throws<ArgumentOutOfRangeException>(() => ((CatalogShipping.CatalogShippingRun)run).Pack.Result).ParamName);
        Assert.Equal("taskName", Assert.Throws<ArgumentException>(() => run.ResultJson("Nope")).ParamName);
        Assert.Contains("'Pack'", Assert.Throws<InvalidOperationException>(() => run.ResultJson("Pack")).Message);
        Assert.Contains("'Quote'", Assert.Throws<InvalidOperationException>(() => run.ResultJson("Quote")).Message);
    }

    [Theory]
    [InlineData("""{ "to": "Ada", "coupon": null }""", "grams")]
    [InlineData("""{ "to": "Ada", "grams": "heavy", "coupon": null }""", "grams")]
    [InlineData("""{ "to": "Ada", "grams": 1.5, "coupon": null }""", "grams")]
    [InlineData("""{ "to": null, "grams": 1, "coupon": null }""", "to")]
    [InlineData("""{ "to": 7, "grams": 1, "coupon": null }""", "to")]
    [InlineData("""{ "to": "Ada", "grams": 1 }""", "coupon")]
    [InlineData("""{ "to": "Ada", "grams": 1, "coupon": null, "gram": 2 }""", "gram")]
    [InlineData("""{ "to": "Ada", "grams": 1, "grams": 2, "coupon": null }""", "grams")]
    public async Task StartAsync_WithAMissingMistypedOrUnknownInput_ThrowsArgumentException_NamingIt(string json, string input)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Shipping.StartAsync(json));

        Assert.Equal("inputsJson", ex.ParamName);
        Assert.Contains($"'{input}'", ex.Message);
    }

    [Theory]
    [InlineData("{ \"to\": ")]
    [InlineData("")]
    [InlineData("[1, 2]")]
    [InlineData("null")]
    public async Task StartAsync_WithMalformedJson_OrNotAnObject_ThrowsArgumentException(string json)
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Shipping.StartAsync(json));

        Assert.Equal("inputsJson", ex.ParamName);
        Assert.Contains(Namespace + "CatalogShipping", ex.Message);
    }

    [Fact]
    public async Task AWorkflowWithoutASerializerContext_IsListedAndRendered_ButCannotStartByName()
    {
        var definition = WorkflowCatalog.Find("CatalogUnserialized")!;

        Assert.Null(definition.SerializerContext);
        Assert.Equal(new[] { ("seed", "int") }, definition.Inputs.Select(i => (i.Name, i.TypeName)));
        Assert.Equal(CatalogUnserialized.CatalogUnserializedRun.Mermaid, WorkflowRenderer.ToMermaid(definition.Graph));
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => definition.StartAsync("""{ "seed": 1 }"""));
        Assert.Contains("[WorkflowSerialization", ex.Message);
        Assert.Contains(Namespace + "CatalogUnserialized", ex.Message);

        var run = await new CatalogUnserialized().RunAsync(seed: 2);
        Assert.Contains("WorkflowSerialization", Assert.Throws<InvalidOperationException>(() => run.ResultJson("Two")).Message);
    }

    [Fact]
    public async Task TheWorkflowObject_ComesFromTheRunnersServices_ElseTheParameterlessConstructor()
    {
        var injected = new CatalogShipping { Label = "injected" };
        var runner = new WorkflowRunner { Services = new Services(injected) };
        var before = Volatile.Read(ref CatalogShipping.Constructed);

        var run = await Shipping.StartAsync("""{ "to": "Ada", "grams": 100, "coupon": null }""", runner);
        await run.Completion;
        Assert.Equal("\"injected:1\"", run.ResultJson("Receipt"));
        Assert.Equal(before, Volatile.Read(ref CatalogShipping.Constructed));

        var constructed = await Shipping.StartAsync("""{ "to": "Ada", "grams": 100, "coupon": null }""", new WorkflowRunner { Services = new Services() });
        await constructed.Completion;
        Assert.Equal("\"new:1\"", constructed.ResultJson("Receipt"));
        Assert.Equal(before + 1, Volatile.Read(ref CatalogShipping.Constructed));
    }

    [Fact]
    public async Task AWorkflowWithoutAParameterlessConstructor_StartsOnlyFromTheRunnersServices_ElseSaysWhatToDo()
    {
        var definition = WorkflowCatalog.Find("CatalogInjected")!;

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => definition.StartAsync("""{ "name": "Ada" }"""));
        Assert.Contains(Namespace + "CatalogInjected", ex.Message);
        Assert.Contains("Services", ex.Message);

        var run = await definition.StartAsync("""{ "name": "Ada" }""", new WorkflowRunner { Services = new Services(new CatalogInjected("Hello")) });
        await run.Completion;
        Assert.Equal("\"Hello, Ada\"", run.ResultJson("Greet"));
    }

    [Fact]
    public void GeneratedRegistration_CompilesForEveryShape_AndRegistersOnlyValidAccessibleWorkflows()
    {
        // Compiled in memory and loaded: its module initializer registers its workflows when Entry.Run first runs.
        const string source = """
            #nullable enable
            using System.Diagnostics.CodeAnalysis;
            using System.Linq;
            using System.Text.Json.Serialization;
            using Workflowy;

            namespace Plugin;

            [JsonSerializable(typeof(int))]
            internal partial class PluginJson : JsonSerializerContext
            {
                public PluginJson() : base(null) { }
                public static PluginJson Default { get; } = new();
                protected override System.Text.Json.JsonSerializerOptions? GeneratedSerializerOptions => null;
                public override System.Text.Json.Serialization.Metadata.JsonTypeInfo? GetTypeInfo(System.Type type) => null;
            }

            public partial class Outer
            {
                public partial class Nested { [Task] public int A() => 1; }
                protected internal partial class Guarded { [Task] public int A() => 1; }
                private partial class Hidden { [Task] public int A() => 1; }
                protected partial class Protected { [Task] public int A() => 1; }
            }

            [WorkflowSerialization(typeof(PluginJson))]
            public abstract partial class Abstract { [Task] public int A() => 1; }

            [WorkflowSerialization(typeof(PluginJson))]
            public partial class Required { public required int Size { get; init; } [Task] public int A() => Size; }

            [WorkflowSerialization(typeof(PluginJson))]
            public partial class RequiredSet
            {
                [SetsRequiredMembers] public RequiredSet() { Size = 1; }
                public required int Size { get; init; }
                [Task] public int A() => Size;
            }

            [WorkflowSerialization(typeof(PluginJson))]
            public partial class PrivateConstructor { private PrivateConstructor() { } [Task] public int A() => 1; }

            [WorkflowSerialization(typeof(PluginJson))]
            public partial class OptionalConstructor { public OptionalConstructor(int seed = 1) { } [Task] public int A() => 1; }

            public partial class Warned
            {
                [Task] public int Count() => 2;
                [Task(OnDependencyFailure = DependencyFailure.RunAnyway), DependsOn(nameof(Count))] public int Twice(int count) => count;
            }

            public partial class Broken
            {
                [Task, DependsOn(nameof(B))] public int A() => 1;
                [Task, DependsOn(nameof(A))] public int B(int a) => a;
            }

            public static class Entry
            {
                public static string Run() =>
                    string.Join(",", WorkflowCatalog.All.Where(d => d.FullName.StartsWith("Plugin.")).Select(d => d.FullName)) + "|" +
                    string.Join(",", WorkflowCatalog.All.Where(d => d.FullName.StartsWith("Plugin.")).Select(d => d.Name + "=" + Constructs(d)));

                private static string Constructs(WorkflowDefinition definition)
                {
                    if (definition.SerializerContext is null)
                    {
                        return "-";
                    }

                    try
                    {
                        return definition.StartAsync("{}").GetAwaiter().GetResult().Completion.Wait(10_000) ? "yes" : "timeout";
                    }
                    catch (System.InvalidOperationException ex) when (ex.Message.Contains("parameterless constructor"))
                    {
                        return "no";
                    }
                }
            }
            """;

        var result = (string)GeneratorTests.RunInItsOwnContext(source, "Plugin.Entry")!;

        Assert.Equal(
            "Plugin.Abstract,Plugin.OptionalConstructor,Plugin.Outer.Guarded,Plugin.Outer.Nested,Plugin.PrivateConstructor,Plugin.Required,Plugin.RequiredSet,Plugin.Warned" +
            "|Abstract=no,OptionalConstructor=yes,Guarded=-,Nested=-,PrivateConstructor=no,Required=no,RequiredSet=yes,Warned=-",
            result);
    }

    /// <summary>A minimal service provider: the objects given, by their type.</summary>
    private sealed class Services(params object[] services) : IServiceProvider
    {
        private readonly Dictionary<Type, object> _byType = services.ToDictionary(s => s.GetType());

        public object? GetService(Type serviceType) => _byType.GetValueOrDefault(serviceType);
    }
}
