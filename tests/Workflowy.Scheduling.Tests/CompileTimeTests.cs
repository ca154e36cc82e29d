using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Workflowy.Scheduling.SourceGeneration;
using Workflowy.Tests.Infrastructure;

namespace Workflowy.Scheduling.Tests;

/// <summary>The analyzer (WFY030–WFY039, one test each at least) and the generator of declared schedules.</summary>
public sealed class CompileTimeTests
{
    private static readonly ImmutableArray<MetadataReference> References =
        Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(WorkflowRunner).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(WorkflowScheduler).Assembly.Location))
            .ToImmutableArray();

    private static CSharpCompilation Compile(string source) =>
        CSharpCompilation.Create("SchedulingTestAssembly", [CSharpSyntaxTree.ParseText("using System; using System.Threading.Tasks; using Workflowy; using Workflowy.Scheduling;\n" + source, new CSharpParseOptions(LanguageVersion.Latest), path: "Source.cs")],
            References, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    private static Diagnostic[] Analyze(string source) =>
        [.. Compile(source).WithAnalyzers([new ScheduleAnalyzer()]).GetAnalyzerDiagnosticsAsync(CancellationToken.None).GetAwaiter().GetResult().OrderBy(d => d.Location.SourceSpan.Start)];

    private static Diagnostic Single(string source, string id)
    {
        var diagnostics = Analyze(source);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(id, diagnostic.Id);
        return diagnostic;
    }

    [Fact]
    public void WFY030_InvalidCronCarriesCronosMessage()
    {
        var d = Single("""[Cron("61 * * * *")] public partial class Nightly { }""", "WFY030");
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Contains("Minutes: Value must be a number between 0 and 59 (all inclusive).", d.GetMessage(), StringComparison.Ordinal);
        Assert.Contains("Cron(\"61 * * * *\")", d.Location.SourceTree!.ToString().Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("* * * *", 4)]
    [InlineData("0 0 12 ? * WED 2026", 7)]
    public void WFY031_WrongFieldCount(string expression, int fields) =>
        Assert.Contains($"has {fields} fields", Single($$"""[Cron("{{expression}}")] public partial class Nightly { }""", "WFY031").GetMessage(), StringComparison.Ordinal);

    [Fact]
    public void WFY032_NeverFiringCronIsAWarning() =>
        Assert.Equal(DiagnosticSeverity.Warning, Single("""[Cron("0 0 30 2 *")] public partial class Never { }""", "WFY032").Severity);

    [Theory]
    [InlineData("""[Every("5 minutes")]""")]
    [InlineData("""[Every("00:00:00")]""")]
    [InlineData("""[Cron("0 * * * *", Threshold = "-00:01:00")]""")]
    [InlineData("""[OnEvent("a"), OnEvent("b"), TriggerJoin(JoinKind.All, Within = "soon")]""")]
    public void WFY033_InvalidDuration(string attribute) => Single(attribute + " public partial class W { }", "WFY033");

    [Fact]
    public void WFY034_AtNeedsAnOffset() =>
        Assert.Contains("explicit offset", Single("""[At("2026-12-24T18:00:00")] public partial class Eve { }""", "WFY034").GetMessage(), StringComparison.Ordinal);

    [Fact]
    public void WFY035_AllJoinWithoutWindow() =>
        Single("""[OnEvent("paid"), OnEvent("shipped"), TriggerJoin(JoinKind.All, CorrelateBy = "orderId")] public partial class Ship { }""", "WFY035");

    [Theory]
    [InlineData("""[Every("00:01:00", Jitter = "00:02:00")]""", "shortest gap 00:01:00")]
    [InlineData("""[Cron("*/5 * * * *", Jitter = "00:05:00")]""", "shortest gap 00:05:00")]
    [InlineData("""[Every("00:01:00", Misfire = MisfirePolicy.FireAll, MaxCatchUp = 0)]""", "MaxCatchUp must be between 1 and 1000")]
    public void WFY036_OptionsOutOfRange(string attribute, string message) =>
        Assert.Contains(message, Single(attribute + " public partial class W { }", "WFY036").GetMessage(), StringComparison.Ordinal);

    [Fact]
    public void WFY037_ScheduledEntryPointInputWithoutValue()
    {
        var d = Single("""
            public partial class Report
            {
                [Workflow, Every("01:00:00")] public partial Task<object> RunReportAsync(int year, [FromTrigger(TriggerValue.ScheduledTime)] DateTimeOffset at, string region = "eu");
            }
            """, "WFY037");
        Assert.Contains("Parameter 'year' of 'RunReportAsync' has no value for its schedule", d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[Workflow, Every("01:00:00")] public partial Task<object> Go([FromEvent("order.id")] int id);""", "has no [OnEvent] trigger")]
    [InlineData("""[Workflow, OnEvent("x")] public partial Task<object> Go([FromResult] int id);""", "has no [OnStatus] trigger")]
    [InlineData("""[Workflow, OnEvent("x")] public partial Task<object> Go([FromEvent("a"), FromTrigger(TriggerValue.EventId)] string id);""", "is bound by both FromEvent and FromTrigger")]
    public void WFY037_BindingThatDoesNotFitTheTrigger(string member, string message) =>
        Assert.Contains(message, Single("public partial class W { " + member + " }", "WFY037").GetMessage(), StringComparison.Ordinal);

    [Fact]
    public void WFY037_BoundAndStaticInputsAreFine() => Assert.Empty(Analyze("""
        public partial class W
        {
            [Workflow, Every("01:00:00", Inputs = "{\"year\": 2026}")] public partial Task<object> A(int year, [FromTrigger(TriggerValue.ScheduledTime)] DateTimeOffset at);
            [Workflow, OnEvent("order.created")] public partial Task<object> B([FromEvent("order.id")] int id, string region);
            [Workflow, OnStatus("Importer")] public partial Task<object> C([FromResult] int result, [FromSourceInput("tenant")] string tenant, System.Threading.CancellationToken ct);
        }
        """));

    [Fact]
    public void WFY038_StatusTriggerCycleIsAWarningOnEachEdge()
    {
        var diagnostics = Analyze("""
            namespace Shop;
            [OnStatus("Pong")] public partial class Ping { }
            [OnStatus("Shop.Ping")] public partial class Pong { }
            [OnStatus("Ping")] public partial class Audit { }
            """);
        Assert.Equal(2, diagnostics.Length);
        Assert.All(diagnostics, d => Assert.Equal(("WFY038", DiagnosticSeverity.Warning), (d.Id, d.Severity)));
        Assert.Contains("Shop.Ping -> Shop.Pong -> Shop.Ping", diagnostics[0].GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[OnEvent("order"), EventFilter("total..currency", "EUR")]""")]
    [InlineData("""[OnEvent("")]""")]
    [InlineData("""[OnEvent("a"), OnEvent("b"), TriggerJoin(JoinKind.All, CorrelateBy = "order id", Within = "01:00:00")]""")]
    public void WFY039_InvalidPathOrEventName(string attribute) => Single(attribute + " public partial class W { }", "WFY039");

    [Fact]
    public void TimeZonesAreLeftToRunTime() =>
        Assert.Empty(Analyze("""[Cron("0 2 * * *", TimeZone = "Mars/Olympus_Mons")] public partial class Nightly { }"""));

    [Theory]
    [InlineData("*/15 * * * *")]
    [InlineData("*/10 * * * * *")]
    [InlineData("@daily")]
    [InlineData("0 0 12 ? * WED")]
    [InlineData("H 2 * * *")]
    [InlineData("0 0 13 * 5")]
    public void WhatTheAnalyzerAcceptsParsesAtRunTime(string expression)
    {
        Assert.Empty(Analyze($$"""[Cron("{{expression}}")] public partial class W { }"""));
        Assert.NotNull(ScheduleSpec.Cron(expression));
    }

    [Fact]
    public void GeneratorRegistersDeclaredSchedulesAndTriggers()
    {
        var compilation = Compile("""
            namespace Shop;
            [Cron("0 2 * * *", TimeZone = "Europe/Paris", Misfire = MisfirePolicy.Skip, Jitter = "00:05:00")]
            [Every("00:00:10", Overlap = OverlapPolicy.BufferOne, Inputs = "{\"region\":\"eu\"}")]
            public partial class Nightly { }

            public partial class Orders
            {
                [Workflow, OnEvent("order.created"), EventFilter("region", "eu"), EventFilter("priority", 1)]
                public partial Task<object> HandleAsync([FromEvent("order.id")] int orderId, [FromTrigger(TriggerValue.EventId)] string eventId);

                [Workflow, At("2026-12-24T18:00:00+01:00")]
                public partial Task<object> EveAsync();
            }

            [OnStatus("Orders", Status = TriggerStatus.Failed, ExceptionType = typeof(TimeoutException)), OnEvent("retry")]
            [TriggerJoin(JoinKind.Any, Id = "alerts")]
            public partial class Alert { }

            [Cron("61 * * * *")] public partial class Broken { }
            """);
        var driver = CSharpGeneratorDriver.Create(new ScheduleGenerator()).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        Assert.Empty(diagnostics);
        var generated = Assert.Single(driver.GetRunResult().Results.Single().GeneratedSources).SourceText.ToString();
        Snapshot.Verify(generated);
        Assert.DoesNotContain("Broken", generated, StringComparison.Ordinal);

        // The generated code compiles (the partial entry points lack bodies without the workflow generator: CS8795 only).
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS8795"));
    }

    [Fact]
    public async Task DeclaredWorkflowsInThisAssemblyAreRegisteredAndFire()
    {
        var declared = Assert.Single(DeclaredSchedules.Schedules, s => s.Workflow == "Workflowy.Scheduling.Tests.DeclaredTick");
        Assert.Equal("Workflowy.Scheduling.Tests.DeclaredTick#0", declared.Id);
        var trigger = Assert.Single(DeclaredSchedules.Triggers, t => t.Workflow == "Workflowy.Scheduling.Tests.DeclaredOrder");
        Assert.Equal("Workflowy.Scheduling.Tests.DeclaredOrder.HandleAsync#trigger", trigger.Id);

        var clock = new FakeTimeProvider(Harness.T0);
        await using var runner = new WorkflowRunner { TimeProvider = clock };
        await using var scheduler = new WorkflowScheduler(runner, new SchedulerOptions { IncludeDeclared = true });
        await scheduler.StartAsync();
        await scheduler.WhenIdleAsync();
        Assert.Equal(Harness.T0.AddSeconds(10), scheduler.GetSchedule(declared.Id)!.NextFireTime);
        clock.SetUtcNow(Harness.T0.AddSeconds(10));
        await scheduler.WhenIdleAsync();
        Assert.Single(await scheduler.GetOccurrencesAsync(declared.Id), o => o.Outcome == OccurrenceOutcome.Fired);

        await scheduler.PublishEventAsync("declared.order", """{"order":{"id":5},"region":"eu"}""");
        await scheduler.PublishEventAsync("declared.order", """{"order":{"id":6},"region":"us"}""");
        await scheduler.WhenIdleAsync();
        var fired = Assert.Single(await scheduler.GetOccurrencesAsync(trigger.Id));
        Assert.Equal(OccurrenceOutcome.Fired, fired.Outcome);
        foreach (var run in runner.ActiveRuns)
        {
            await run.Completion;
        }

        Assert.Contains((trigger.Id, 5), DeclaredOrder.Seen);
    }
}

public sealed class DiagnosticCatalogTests
{
    [Fact]
    public void EveryDescriptorHasAHelpLinkAReleaseEntryAndADocRow()
    {
        var root = new System.IO.DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !System.IO.File.Exists(System.IO.Path.Combine(root.FullName, "Workflowy.sln")))
        {
            root = root.Parent;
        }

        var docs = System.IO.File.ReadAllText(System.IO.Path.Combine(root!.FullName, "docs", "diagnostics.md"));
        var release = System.IO.File.ReadAllLines(System.IO.Path.Combine(root.FullName, "src", "Workflowy.Scheduling.Generators", "AnalyzerReleases.Unshipped.md"));
        var descriptors = new Workflowy.Scheduling.SourceGeneration.ScheduleAnalyzer().SupportedDiagnostics;
        Assert.Equal(10, descriptors.Length);
        foreach (var descriptor in descriptors)
        {
            var id = descriptor.Id;
            Assert.Matches("^WFY03[0-9]$", id);
            Assert.EndsWith("docs/diagnostics.md#" + id.ToLowerInvariant(), descriptor.HelpLinkUri, StringComparison.Ordinal);
            var row = release.Select(l => l.Split('|').Select(c => c.Trim()).ToArray()).Single(c => c.Length == 4 && c[0] == id);
            Assert.Equal((descriptor.Category, descriptor.DefaultSeverity.ToString()), (row[1], row[2]));
            Assert.Contains("| " + id + " | " + descriptor.DefaultSeverity + " | " + descriptor.Title + " |", docs, StringComparison.Ordinal);
            Assert.Contains($"<a id=\"{id.ToLowerInvariant()}\"></a>", docs, StringComparison.Ordinal);
        }
    }
}
