using System.Globalization;
using Microsoft.CodeAnalysis;
using Workflowy.Tests.Infrastructure;

namespace Workflowy.Tests;

/// <summary>Backend.Process at compile time: WFY040, WFY041, WFY019 for its types, and what the generator writes.</summary>
public class ProcessBackendGeneratorTests
{
    private const string Context = """
        using System.Text.Json.Serialization;
        using Workflowy;

        public sealed record Cart(int Id);

        [JsonSerializable(typeof(Cart))]
        [JsonSerializable(typeof(int))]
        internal partial class ShopJson : JsonSerializerContext
        {
            public ShopJson() : base(null) { }
            public static ShopJson Default { get; } = new();
            protected override System.Text.Json.JsonSerializerOptions? GeneratedSerializerOptions => null;
            public override System.Text.Json.Serialization.Metadata.JsonTypeInfo? GetTypeInfo(System.Type type) => null;
        }

        """;

    [Fact]
    public void WFY040_AProcessTaskInAWorkflowWithoutASerializerContext()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;

            public partial class W
            {
                [Task(Backend = Backend.Process)] public int {|WFY040:Remote|}(int seed) => seed;
                [Task] public int Local(int seed) => seed;
            }
            """);
        var message = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("'Remote'", message);
        Assert.Contains("[WorkflowSerialization(typeof(YourJsonContext))]", message);
        Assert.Equal(DiagnosticSeverity.Error, diagnostics[0].Severity);
    }

    [Fact]
    public void WFY041_AProcessTaskInAPrivateNestedWorkflow()
    {
        var diagnostics = Markup.VerifyAnalyzer(Context + """
            public partial class Host
            {
                [WorkflowSerialization(typeof(ShopJson))]
                private partial class W
                {
                    [Task(Backend = Backend.Process)] public int {|WFY041:Remote|}(int seed) => seed;
                }
            }
            """);
        Assert.Contains("internal or public", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY019_TheTypesAProcessTaskSendsMustBeRegistered()
    {
        Markup.VerifyAnalyzer(Context + """
            [WorkflowSerialization(typeof(ShopJson))]
            public partial class W
            {
                [Task(Backend = Backend.Process)] public Cart Load(string {|WFY019:customer|}) => new(customer.Length);
                [Task(Backend = Backend.Process), DependsOn(nameof(Load))] public decimal {|WFY019:Price|}(Cart load) => load.Id;
            }
            """);
    }

    [Fact]
    public void AValidProcessWorkflow_HasNoDiagnostics()
    {
        Assert.Empty(Markup.VerifyAnalyzer(Context + """
            [WorkflowSerialization(typeof(ShopJson))]
            public partial class W
            {
                [Task(Backend = Backend.Process)] public Cart Load(int id) => new(id);
                [Task(Backend = Backend.Process), DependsOn(nameof(Load))] public int Id(Cart load) => load.Id;
            }
            """));
    }

    /// <summary>A Process task's body is replaced by InvokeInProcessWorker and observes cancellation; the definition can invoke it.</summary>
    [Fact]
    public void Snapshot_ProcessBackend()
    {
        var (output, result) = Harness.Generate(Context + """
            namespace Shop
            {
                [WorkflowSerialization(typeof(global::ShopJson))]
                public partial class Remote
                {
                    [Task(Backend = Backend.Process)] public Cart Load(int id) => new(id);
                    [Task(Backend = Backend.Process, TimeoutSeconds = 5), DependsOn(nameof(Load))] public int Id(Cart load) => load.Id;
                    [Task, DependsOn(nameof(Id))] public int Local(int id) => id;
                }
            }
            """);
        Assert.Empty(Harness.CompilerDiagnostics(output).Where(d => d.Severity >= DiagnosticSeverity.Warning));
        var text = Harness.GeneratedText(result);
        Assert.Contains("case 0:\n                        return InvokeInProcessWorker(0, cancellationToken);", text.Replace("\r\n", "\n"));
        Assert.Contains("protected override bool ObservesCancellation(int index) => index is 0 or 1;", text);
        Snapshot.Verify(text);
    }
}
