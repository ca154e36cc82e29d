using System.Collections.Generic;
using Workflowy.Tests.Workflows.Catalog;
using Workflowy.Tests.Workflows.Invocation;

namespace Workflowy.Tests;

/// <summary>The catalogue's task seam: a workflow's task list, and one task body invoked by name from JSON.</summary>
public class TaskInvocationTests
{
    private static WorkflowDefinition Shapes => WorkflowCatalog.Find(typeof(InvocationShapes).FullName!)!;

    private static Dictionary<string, string?> Results(params (string Name, string? Json)[] results)
    {
        var map = new Dictionary<string, string?>();
        foreach (var (name, json) in results)
        {
            map[name] = json;
        }

        return map;
    }

    [Fact]
    public void Tasks_ListEachTask_InGraphOrder_WithBackendDependenciesParametersAndResult()
    {
        var tasks = Shapes.Tasks;

        Assert.Equal(Shapes.Graph.Tasks.Select(t => t.Name), tasks.Select(t => t.Name));
        var price = tasks.Single(t => t.Name == "Price");
        Assert.Equal("Price", price.MethodName);
        Assert.Equal("double", price.ResultTypeName);
        Assert.Equal(Backend.Default, price.Backend);
        Assert.Equal(["Pack"], price.Dependencies);
        Assert.Equal(
            new[] { ("pack", WorkflowTaskParameterKind.Dependency, "Workflowy.Tests.Workflows.Invocation.Box", (string?)"Pack"), ("cancellationToken", WorkflowTaskParameterKind.CancellationToken, "System.Threading.CancellationToken", null) },
            price.Parameters.Select(p => (p.Name, p.Kind, p.TypeName, p.Source)));
        var describe = tasks.Single(t => t.Name == "Describe");
        Assert.Equal(("note", WorkflowTaskParameterKind.Input, "string?", "note"), (describe.Parameters[1].Name, describe.Parameters[1].Kind, describe.Parameters[1].TypeName, describe.Parameters[1].Source));
        Assert.Null(tasks.Single(t => t.Name == "Log").ResultTypeName);
        Assert.Equal(WorkflowTaskParameterKind.TaskContext, tasks.Single(t => t.Name == "Context").Parameters.Single().Kind);
        Assert.Same(tasks, Shapes.Tasks);

        // A workflow without a serializer context lists its tasks too.
        Assert.Equal(["One", "Two"], WorkflowCatalog.Find(typeof(CatalogUnserialized).FullName!)!.Tasks.Select(t => t.Name));
    }

    [Fact]
    public async Task InvokeTaskAsync_ReadsInputsAndDependencyResults_AndTheResultRoundTrips()
    {
        var pack = await Shapes.InvokeTaskAsync("Pack", new TaskInvocation("""{ "label": "a", "weight": 4, "note": null }"""));
        Assert.Equal("""{"Label":"box:a","Weight":4}""", pack);

        var price = await Shapes.InvokeTaskAsync("Price", new TaskInvocation("{}") { DependencyResults = Results(("Pack", pack)) });
        Assert.Equal("6", price);

        var describe = await Shapes.InvokeTaskAsync("Describe", new TaskInvocation("""{ "note": "each" }""") { DependencyResults = Results(("Price", price)) });
        Assert.Equal("\"6 each\"", describe);

        var log = await Shapes.InvokeTaskAsync("Log", new TaskInvocation("{}") { DependencyResults = Results(("Describe", describe)) });
        Assert.Null(log);
        Assert.Equal("6 each", InvocationShapes.LastLogged);

        // The same task run in a run gives the same JSON.
        var run = await new InvocationShapes().RunAsync("a", 4, "each");
        Assert.Equal(pack, run.ResultJson("Pack"));
        Assert.Equal(price, run.ResultJson("Price"));
    }

    [Fact]
    public async Task InvokeTaskAsync_ADependencyThatDidNotComplete_GivesDefault_OrNullForALiftedParameter()
    {
        Assert.Equal("-1", await Shapes.InvokeTaskAsync("Fallback", new TaskInvocation("{}") { DependencyResults = Results(("Count", null)) }));
        Assert.Equal("8", await Shapes.InvokeTaskAsync("Fallback", new TaskInvocation("{}") { DependencyResults = Results(("Count", "8")) }));
    }

    [Fact]
    public async Task InvokeTaskAsync_TheBodysExceptionComesOutAsItself()
    {
        var ex = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await Shapes.InvokeTaskAsync("Pack", new TaskInvocation("""{ "label": "a", "weight": -1 }""")));
        Assert.Contains("negative weight", ex.Message);
    }

    [Fact]
    public async Task InvokeTaskAsync_ANullResultOfANonNullableType_FailsNamingTheTask()
    {
        var ex = await Assert.ThrowsAsync<WorkflowException>(async () => await Shapes.InvokeTaskAsync("NullLabel", new TaskInvocation("""{ "label": "null" }""")));
        Assert.Contains("'NullLabel'", ex.Message);
        Assert.Contains("not nullable", ex.Message);
    }

    [Fact]
    public async Task InvokeTaskAsync_TheTokenReachesTheBody()
    {
        using var cts = new CancellationTokenSource();
        var wait = WorkflowCatalog.Find(typeof(InvocationWaiting).FullName!)!.InvokeTaskAsync("Wait", new TaskInvocation("{}"), cts.Token);
        Assert.False(wait.IsCompleted);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await wait);
    }

    [Fact]
    public async Task InvokeTaskAsync_TheContextHasNameRunIdAttemptAndProgress_AndRefusesWhatNeedsTheRun()
    {
        var reported = new List<(double, string?)>();
        var invocation = new TaskInvocation("{}") { RunId = "r-7", Attempt = 3, ProgressReported = (f, m) => reported.Add((f, m)) };

        Assert.Equal("\"Context/r-7/3\"", await Shapes.InvokeTaskAsync("Context", invocation));
        Assert.Equal([(1.0, "half")], reported);

        var noProgress = await Assert.ThrowsAsync<NotSupportedException>(async () => await Shapes.InvokeTaskAsync("Context", new TaskInvocation("{}")));
        Assert.Contains("ReportProgress", noProgress.Message);
        var state = await Assert.ThrowsAsync<NotSupportedException>(async () => await Shapes.InvokeTaskAsync("SideEffect", new TaskInvocation("{}")));
        Assert.Contains("TaskContext.GetState", state.Message);
        Assert.Contains("outside its run", state.Message);
    }

    [Fact]
    public async Task InvokeTaskAsync_MakesTheWorkflowObjectFromServices_ElseItsConstructor()
    {
        var injected = WorkflowCatalog.Find(typeof(InvocationInjected).FullName!)!;
        var services = new Services(new InvocationInjected("Hello"));

        Assert.Equal("\"Hello, Ada\"", await injected.InvokeTaskAsync("Greet", new TaskInvocation("""{ "label": "Ada" }""") { Services = services }));
        var ex = Assert.Throws<InvalidOperationException>(() => injected.InvokeTaskAsync("Greet", new TaskInvocation("""{ "label": "Ada" }""")).GetAwaiter().GetResult());
        Assert.Contains(typeof(InvocationInjected).FullName!, ex.Message);

        var shapes = new Services(new InvocationShapes { Prefix = "given" });
        Assert.Equal("""{"Label":"given:b","Weight":1}""", await Shapes.InvokeTaskAsync("Pack", new TaskInvocation("""{ "label": "b", "weight": 1 }""") { Services = shapes }));
    }

    [Fact]
    public async Task InvokeTaskAsync_BadArguments_ThrowArgumentException_NamingWhatIsWrong()
    {
        var unknown = Assert.Throws<ArgumentException>(() => Shapes.InvokeTaskAsync("Nope", new TaskInvocation("{}")));
        Assert.Equal("taskName", unknown.ParamName);
        Assert.Contains("'Pack'", unknown.Message);

        var malformed = Assert.Throws<ArgumentException>(() => Shapes.InvokeTaskAsync("Pack", new TaskInvocation("{ nope")));
        Assert.Contains("not valid JSON", malformed.Message);
        var notObject = Assert.Throws<ArgumentException>(() => Shapes.InvokeTaskAsync("Pack", new TaskInvocation("[1]")));
        Assert.Contains("JSON object", notObject.Message);

        var missingInput = await Assert.ThrowsAsync<ArgumentException>(async () => await Shapes.InvokeTaskAsync("Pack", new TaskInvocation("""{ "label": "a" }""")));
        Assert.Contains("'weight'", missingInput.Message);
        var wrongInput = await Assert.ThrowsAsync<ArgumentException>(async () => await Shapes.InvokeTaskAsync("Pack", new TaskInvocation("""{ "label": "a", "weight": "x" }""")));
        Assert.Contains("'weight'", wrongInput.Message);

        var missingDependency = await Assert.ThrowsAsync<ArgumentException>(async () => await Shapes.InvokeTaskAsync("Price", new TaskInvocation("{}")));
        Assert.Contains("'Pack'", missingDependency.Message);
        Assert.Contains("'pack'", missingDependency.Message);
        var badDependency = await Assert.ThrowsAsync<ArgumentException>(async () => await Shapes.InvokeTaskAsync("Price", new TaskInvocation("{}") { DependencyResults = Results(("Pack", "[")) }));
        Assert.Contains("'Pack'", badDependency.Message);
        var nullDependency = await Assert.ThrowsAsync<ArgumentException>(async () => await Shapes.InvokeTaskAsync("Price", new TaskInvocation("{}") { DependencyResults = Results(("Pack", "null")) }));
        Assert.Contains("not nullable", nullDependency.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => new TaskInvocation("{}") { Attempt = 0 });
        Assert.Throws<ArgumentNullException>(() => Shapes.InvokeTaskAsync(null!, new TaskInvocation("{}")));
        Assert.Throws<ArgumentNullException>(() => Shapes.InvokeTaskAsync("Pack", null!));
    }

    [Fact]
    public void InvokeTaskAsync_WithoutASerializerContext_Throws()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => WorkflowCatalog.Find(typeof(CatalogUnserialized).FullName!)!.InvokeTaskAsync("One", new TaskInvocation("""{ "seed": 1 }""")));
        Assert.Contains("WorkflowSerialization", ex.Message);
    }

    private sealed class Services(object service) : IServiceProvider
    {
        public object? GetService(Type serviceType) => serviceType.IsInstanceOfType(service) ? service : null;
    }
}

/// <summary>A fan-out in the catalogue's task list (its element parameter named by source) and refused by name.</summary>
public class FanOutInvocationTests
{
    private static WorkflowDefinition Definition => WorkflowCatalog.Find(typeof(Workflowy.Tests.Workflows.Invocation.FanOutInvocation).FullName!)!;

    [Fact]
    public void Tasks_ListAFanOutsElementParameter_WithItsSourceTask()
    {
        var square = Definition.Tasks.Single(t => t.Name == "Square");

        var parameter = Assert.Single(square.Parameters);
        Assert.Equal(WorkflowTaskParameterKind.FanOutItem, parameter.Kind);
        Assert.Equal("Numbers", parameter.Source);
    }

    [Fact]
    public async Task InvokeTaskAsync_AFanOut_IsRefusedWithAMessageNamingItsSource_WhileTheTasksAroundItRun()
    {
        var refused = await Assert.ThrowsAsync<NotSupportedException>(async () =>
            await Definition.InvokeTaskAsync("Square", new TaskInvocation("""{"count":3}""") { DependencyResults = new Dictionary<string, string?> { ["Numbers"] = "[1,2,3]" } }));
        Assert.Contains("'Square' is a fan-out", refused.Message, StringComparison.Ordinal);
        Assert.Contains("'Numbers'", refused.Message, StringComparison.Ordinal);

        Assert.Equal("[1,2,3]", await Definition.InvokeTaskAsync("Numbers", new TaskInvocation("""{"count":3}""")));
        Assert.Equal("14", await Definition.InvokeTaskAsync("Sum", new TaskInvocation("""{"count":3}""") { DependencyResults = new Dictionary<string, string?> { ["Square"] = "[1,4,9]" } }));
    }
}
