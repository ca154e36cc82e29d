using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace Workflowy.Cli.Tests;

/// <summary>The CLI driven in this process with captured writers: commands, exit codes, output, --json parsed back.</summary>
public sealed class InProcessTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task List_ShowsEveryWorkflow_WithItsInputsAndTheirTypes()
    {
        var result = await Cli.RunAsync(["list"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Greeting  (Workflowy.Cli.Tests.Greeting, 1 task)", result.Out);
        Assert.Contains("--input name   string", result.Out);
        Assert.Contains("--input times  int", result.Out);
        Assert.Contains("--input shout  bool", result.Out);
        Assert.Contains("Unserialized  (Workflowy.Cli.Tests.Unserialized, 1 task; not startable by name", result.Out);
    }

    [Fact]
    public async Task ListJson_ParsesBack_WithInputsTypesAndTasks()
    {
        var result = await Cli.RunAsync(["list", "--json"]);

        Assert.Equal(0, result.ExitCode);
        var workflows = result.Json().GetProperty("workflows").EnumerateArray().ToList();
        var typed = workflows.Single(w => w.GetProperty("fullName").GetString() == "Workflowy.Cli.Tests.TypedInputs");
        Assert.True(typed.GetProperty("startable").GetBoolean());
        var inputs = typed.GetProperty("inputs").EnumerateArray().Select(i => $"{i.GetProperty("name").GetString()}:{i.GetProperty("type").GetString()}").ToList();
        Assert.Equal(["count:int", "ratio:double", "flag:bool", "text:string", "note:string?", "point:Workflowy.Cli.Tests.Point", "list:int[]", "id:System.Guid"], inputs);
        var broken = workflows.Single(w => w.GetProperty("name").GetString() == "Broken");
        Assert.Equal(["Load", "Fail", "Report", "Audit"], broken.GetProperty("tasks").EnumerateArray().Select(t => t.GetString()!));
        Assert.False(workflows.Single(w => w.GetProperty("name").GetString() == "Unserialized").GetProperty("startable").GetBoolean());
    }

    [Fact]
    public async Task Graph_WritesMermaidDotAndSvg()
    {
        var mermaid = await Cli.RunAsync(["graph", "Broken"]);
        Assert.Equal(0, mermaid.ExitCode);
        Assert.Equal(Broken.BrokenRun.Mermaid.TrimEnd('\n') + "\n", mermaid.Out);

        var dot = await Cli.RunAsync(["graph", "Workflowy.Cli.Tests.Broken", "--format", "dot"]);
        Assert.Equal(Broken.BrokenRun.Dot.TrimEnd('\n') + "\n", dot.Out);

        var file = Path.Combine(_folder.Path, "broken.svg");
        var svg = await Cli.RunAsync(["graph", "Broken", "-f", "svg", "-o", file]);
        Assert.Equal(0, svg.ExitCode);
        Assert.StartsWith("<svg", File.ReadAllText(file).TrimStart());

        var wrong = await Cli.RunAsync(["graph", "Broken", "--format", "png"]);
        Assert.Equal(2, wrong.ExitCode);
    }

    [Fact]
    public async Task Run_TypesEachInput_ByItsType()
    {
        var result = await Cli.RunAsync(
        [
            "run", "TypedInputs", "--json",
            "--input", "count=42", "--input", "ratio=0.5", "--input", "flag=True", "--input", "text=007",
            "--input", "note:=null", "--input", "point={\"X\":1,\"Y\":2}", "--input", "list=[1,2,3]",
            "--input", "id=0f8fad5b-d9cb-469f-a165-70867728950e",
        ]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = result.Json();
        Assert.Equal("Completed", json.GetProperty("status").GetString());
        Assert.Equal("42|0.5|True|007|<null>|1,2|1,2,3|0f8fad5bd9cb469fa16570867728950e", json.GetProperty("results").GetProperty("Echo").GetString());
    }

    [Theory]
    [InlineData("times=x", "The input 'times' (int): 'x' is not a number.")]
    [InlineData("shout=maybe", "The input 'shout' (bool): 'maybe' is not true or false.")]
    [InlineData("colour=red", "'colour' is not an input of workflow Greeting")]
    [InlineData("name", "--input 'name' is not name=value")]
    public async Task Run_AMalformedInput_IsExitCode2_NamingIt(string bad, string message)
    {
        var inputs = new Dictionary<string, string> { ["name"] = "name=Ada", ["times"] = "times=1", ["shout"] = "shout=false" };
        var key = bad.Split('=')[0];
        inputs[inputs.ContainsKey(key) && bad.Contains('=') ? key : "extra"] = bad;
        var args = new List<string> { "run", "Greeting" };
        foreach (var input in inputs.Values)
        {
            args.Add("--input");
            args.Add(input);
        }

        var result = await Cli.RunAsync([.. args]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(message, result.Error);
        Assert.Equal(string.Empty, result.Out);
    }

    [Fact]
    public async Task Run_AMissingInput_IsExitCode2_NamingIt()
    {
        var result = await Cli.RunAsync(["run", "Greeting", "--input", "name=Ada", "--input", "shout=true"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("The input 'times' (int) of workflow Greeting is missing: pass --input times=<value>.", result.Error);
    }

    [Fact]
    public async Task Run_AnInputGivenTwice_IsExitCode2()
    {
        var result = await Cli.RunAsync(["run", "Greeting", "-i", "name=Ada", "-i", "name=Bob", "-i", "times=1", "-i", "shout=true"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("The input 'name' is given twice.", result.Error);
    }

    [Fact]
    public async Task Run_AValueOutOfRange_IsRefusedByStartAsync_NamingTheInput()
    {
        var result = await Cli.RunAsync(["run", "Greeting", "-i", "name=Ada", "-i", "times=99999999999", "-i", "shout=true"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("The input 'times' of workflow 'Workflowy.Cli.Tests.Greeting' cannot be read as int", result.Error);
    }

    [Fact]
    public async Task Run_InputsJson_FromStandardInputAndFromAFile()
    {
        var fromStdin = await Cli.RunAsync(["run", "Greeting", "--inputs-json", "-", "--json"], stdin: """{ "name": "Ada", "times": 2, "shout": false }""");
        Assert.True(fromStdin.ExitCode == 0, fromStdin.ToString());
        Assert.Equal("hello Ada hello Ada", fromStdin.Json().GetProperty("results").GetProperty("Greet").GetString());

        var file = Path.Combine(_folder.Path, "inputs.json");
        File.WriteAllText(file, """{ "name": "Bob", "times": 1, "shout": true }""");
        var fromFile = await Cli.RunAsync(["run", "Greeting", "--inputs-json", file]);
        Assert.Equal(0, fromFile.ExitCode);
        Assert.Contains("\"HELLO BOB\"", fromFile.Out);

        var missing = await Cli.RunAsync(["run", "Greeting", "--inputs-json", "-"], stdin: """{ "name": "Ada", "times": 2 }""");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("The input 'shout' (bool) of workflow 'Workflowy.Cli.Tests.Greeting' is missing", missing.Error);

        var both = await Cli.RunAsync(["run", "Greeting", "--inputs-json", file, "--input", "name=Ada"]);
        Assert.Equal(2, both.ExitCode);
    }

    [Fact]
    public async Task Run_ThatFails_IsExitCode1_WithASummaryOfStatesDurationsAndTheFailureChain()
    {
        var result = await Cli.RunAsync(["run", "Broken", "--input", "size=3"], createRunner: Cli.Continuing);

        Assert.True(result.ExitCode == 1, result.ToString());
        var text = result.Out;
        Assert.Contains("Load               running", text);
        Assert.Contains("Fail               retrying: attempt 1 failed (InvalidOperationException: the disk is full (3))", text);
        Assert.Contains("── Run summary: Broken run ", text);
        Assert.Contains("status    Failed (exit code 1)", text);
        Assert.Contains("tasks     4: 2 completed, 1 failed, 1 skipped", text);
        Assert.Contains("slowest   ", text);
        Assert.Contains("✗ Fail failed after 2 attempts", text);
        Assert.Contains("the last failure was InvalidOperationException: the disk is full (3)", text);
        Assert.Contains("⊘ Report skipped ← Fail failed", text);
        Assert.Contains("Audit  \"audited 3\"", text);
    }

    [Fact]
    public async Task RunJson_ThatFails_ParsesBack_WithTasksFailuresAndChains()
    {
        var result = await Cli.RunAsync(["run", "Broken", "--input", "size=3", "--json"], createRunner: Cli.Continuing);

        Assert.Equal(1, result.ExitCode);
        var json = result.Json();
        Assert.Equal("Failed", json.GetProperty("status").GetString());
        Assert.Equal(1, json.GetProperty("exitCode").GetInt32());
        Assert.Equal(2, json.GetProperty("counts").GetProperty("completed").GetInt32());
        var fail = json.GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "Fail");
        Assert.Equal("Failed", fail.GetProperty("state").GetString());
        Assert.Equal(2, fail.GetProperty("attempts").GetInt32());
        Assert.True(fail.GetProperty("durationMs").GetDouble() >= 0);
        Assert.Equal(["Fail"], fail.GetProperty("throughline").EnumerateArray().Select(e => e.GetString()!));
        var report = json.GetProperty("failures").EnumerateArray().Single(f => f.GetProperty("task").GetString() == "Report");
        Assert.Equal("Skipped", report.GetProperty("state").GetString());
        Assert.Equal(["Report", "Fail"], report.GetProperty("chain").EnumerateArray().Select(e => e.GetString()!));
        Assert.Contains("the disk is full (3)", report.GetProperty("rootError").GetString());
        Assert.Equal("audited 3", json.GetProperty("results").GetProperty("Audit").GetString());
    }

    [Fact]
    public async Task Run_CancelledByTheToken_IsExitCode1_WithTheCancelledTasksNamed()
    {
        using var cancellation = new System.Threading.CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var result = await Cli.RunAsync(["run", "Slow", "--input", "ms=20000"], cancellationToken: cancellation.Token);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("status    Cancelled (exit code 1)", result.Out);
        Assert.Contains("⊘ Fetch, Parse, Index, Publish cancelled", result.Out);
    }

    [Fact]
    public async Task Run_UnknownOrUnstartableWorkflow_IsExitCode2()
    {
        var unknown = await Cli.RunAsync(["run", "Nope"]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("There is no workflow 'Nope'. Workflows: ", unknown.Error);

        var unserialized = await Cli.RunAsync(["run", "Unserialized"]);
        Assert.Equal(2, unserialized.ExitCode);
        Assert.Contains("cannot be run by name: it has no [WorkflowSerialization] context", unserialized.Error);

        var json = await Cli.RunAsync(["run", "Nope", "--json"]);
        Assert.Equal(2, json.Json().GetProperty("exitCode").GetInt32());
        Assert.Contains("There is no workflow 'Nope'", json.Json().GetProperty("error").GetString());
    }

    [Fact]
    public async Task UsageErrors_AreExitCode2()
    {
        Assert.Equal(2, (await Cli.RunAsync(["frobnicate"])).ExitCode);
        Assert.Equal(2, (await Cli.RunAsync(["run"])).ExitCode);
        Assert.Equal(2, (await Cli.RunAsync(["runs", "--limit", "0", "--store", _folder.StoreSpec])).ExitCode);
        Assert.Equal(2, (await Cli.RunAsync(["runs", "--state", "sleeping", "--store", _folder.StoreSpec])).ExitCode);
        var none = await Cli.RunAsync([]);
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("Usage:", none.Out);
        var help = await Cli.RunAsync(["run", "--help"]);
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--inputs-json", help.Out);
    }

    [Theory]
    [InlineData("runs")]
    [InlineData("show")]
    [InlineData("resume")]
    [InlineData("rerun")]
    [InlineData("cancel")]
    [InlineData("event")]
    public async Task StoreCommands_WithoutAStore_AreExitCode2_SayingSo(string command)
    {
        var args = command == "runs" ? new[] { command } : [command, "some-id"];

        var result = await Cli.RunAsync(args);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--store json:<folder>", result.Error);
    }

    [Fact]
    public async Task AStoreSpecOfAnUnknownKind_IsExitCode2_AndTheHostsResolverIsAsked()
    {
        var unknown = await Cli.RunAsync(["runs", "--store", "sqlite:x.db"]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("'sqlite:x.db' is not a store this program knows", unknown.Error);

        var memory = new InMemoryWorkflowStore();
        var output = new StringWriter();
        var code = await WorkflowyCli.RunAsync(["runs"], new WorkflowyCliOptions
        {
            Out = output,
            Error = new StringWriter(),
            GetEnvironmentVariable = name => name == "WORKFLOWY_STORE" ? "memory:" : null,
            StoreResolver = spec => spec == "memory:" ? memory : null,
        });
        Assert.Equal(0, code);
        Assert.Contains("No runs.", output.ToString());
    }

    [Fact]
    public async Task RunsShowResumeRerun_OnAJsonStore()
    {
        var store = _folder.StoreSpec;
        var failed = await Cli.RunAsync(["run", "Broken", "-i", "size=5", "--run-id", "b-1", "--store", store]);
        Assert.Equal(1, failed.ExitCode);
        var done = await Cli.RunAsync(["run", "Greeting", "-i", "name=Ada", "-i", "times=1", "-i", "shout=false", "--run-id", "g-1", "--store", store]);
        Assert.Equal(0, done.ExitCode);

        var runs = await Cli.RunAsync(["runs", "--store", store, "--json"]);
        Assert.True(runs.ExitCode == 0, runs.ToString());
        var listed = runs.Json().GetProperty("runs").EnumerateArray().ToDictionary(r => r.GetProperty("runId").GetString()!);
        Assert.Equal("Failed", listed["b-1"].GetProperty("status").GetString());
        Assert.Equal(2, listed["b-1"].GetProperty("tasks").GetProperty("completed").GetInt32());
        Assert.Equal("Completed", listed["g-1"].GetProperty("status").GetString());
        var failedOnly = await Cli.RunAsync(["runs", "--store", store, "--state", "failed"]);
        Assert.Contains("b-1", failedOnly.Out);
        Assert.DoesNotContain("g-1", failedOnly.Out);
        var ofGreeting = await Cli.RunAsync(["runs", "--store", store, "--workflow", "Greeting", "--limit", "1"]);
        Assert.Contains("g-1", ofGreeting.Out);
        Assert.DoesNotContain("b-1", ofGreeting.Out);

        var show = await Cli.RunAsync(["show", "b-1", "--store", store]);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("── Run: Broken run b-1", show.Out);
        Assert.Contains("Fail    failed               2", show.Out);
        Assert.Contains("Report  not recorded", show.Out);
        Assert.Contains("InvalidOperationException: the disk is full (5)", show.Out);
        var showJson = (await Cli.RunAsync(["show", "b-1", "--store", store, "--json"])).Json();
        Assert.Equal("store", showJson.GetProperty("source").GetString());
        Assert.Equal("NotRecorded", showJson.GetProperty("tasks")[2].GetProperty("state").GetString());

        // Resume (under ErrorPolicy.Continue): Load and Audit are restored, Fail runs again and fails, Report is skipped.
        var resumed = await Cli.RunAsync(["resume", "b-1", "--store", store, "--json"], createRunner: Cli.Continuing);
        Assert.Equal(1, resumed.ExitCode);
        var tasks = resumed.Json().GetProperty("tasks").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.True(tasks["Load"].GetProperty("restored").GetBoolean());
        Assert.True(tasks["Audit"].GetProperty("restored").GetBoolean());
        Assert.Equal("Skipped", tasks["Report"].GetProperty("state").GetString());
        var afterResume = (await Cli.RunAsync(["show", "b-1", "--store", store, "--json"])).Json();
        Assert.Equal("Skipped", afterResume.GetProperty("tasks")[2].GetProperty("state").GetString());

        var rerun = await Cli.RunAsync(["rerun", "g-1", "--store", store, "--run-id", "g-2", "--json"]);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Equal("g-1", rerun.Json().GetProperty("rerunOf").GetString());
        Assert.Equal("g-2", rerun.Json().GetProperty("runId").GetString());
        Assert.Equal("hello Ada", rerun.Json().GetProperty("results").GetProperty("Greet").GetString());

        var unknown = await Cli.RunAsync(["show", "nope", "--store", store]);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("There is no run 'nope' in the store", unknown.Error);
    }

    [Fact]
    public async Task Cancel_AStoredRunningRun_IsRefusedWithoutMark_AndMarkedWithIt()
    {
        var store = new JsonFileWorkflowStore(_folder.Path);
        await store.SaveAsync(new RunCheckpoint("Workflowy.Cli.Tests.Greeting", "stale", """{"name":"Ada","times":1,"shout":false}""", [], new Dictionary<string, string>())
        {
            Status = RunStatus.Running,
            StartedAt = DateTimeOffset.UtcNow.AddHours(-1),
        });

        var refused = await Cli.RunAsync(["cancel", "stale", "--store", _folder.StoreSpec]);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("is not running in this process", refused.Error);
        Assert.Contains("pass --mark", refused.Error);
        Assert.Equal(RunStatus.Running, (await store.LoadAsync("Workflowy.Cli.Tests.Greeting", "stale"))!.Status);

        var marked = await Cli.RunAsync(["cancel", "stale", "--mark", "--store", _folder.StoreSpec, "--json"]);
        Assert.True(marked.ExitCode == 0, marked.ToString());
        Assert.Equal("marked", marked.Json().GetProperty("outcome").GetString());
        var checkpoint = await store.LoadAsync("Workflowy.Cli.Tests.Greeting", "stale");
        Assert.Equal(RunStatus.Cancelled, checkpoint!.Status);
        Assert.NotNull(checkpoint.EndedAt);
        Assert.NotNull(checkpoint.InputsJson);

        var again = await Cli.RunAsync(["cancel", "stale", "--store", _folder.StoreSpec]);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("already cancelled", again.Out);

        // A marked run resumes as any other.
        var resumed = await Cli.RunAsync(["resume", "stale", "--store", _folder.StoreSpec]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
    }

    [Fact]
    public async Task Cancel_ARunOfThisProcess_CancelsIt()
    {
        await using var runner = new WorkflowRunner { Store = new JsonFileWorkflowStore(_folder.Path) };
        var run = await WorkflowCatalog.Find("Waiting")!.StartAsync("{}", runner, "w-1");

        var result = await Cli.RunAsync(["cancel", "w-1", "--json"], runner: runner);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("cancelled", result.Json().GetProperty("outcome").GetString());
        Assert.Equal("Cancelled", result.Json().GetProperty("status").GetString());
        Assert.True(run.Completion.IsCanceled);
    }

    [Fact]
    public async Task Show_ARunOfThisProcess_ShowsItsHandles()
    {
        await using var runner = new WorkflowRunner();
        var run = await WorkflowCatalog.Find("Waiting")!.StartAsync("{}", runner, "w-2");
        try
        {
            var result = await Cli.RunAsync(["show", "w-2", "--json"], runner: runner);

            Assert.True(result.ExitCode == 0, result.ToString());
            var json = result.Json();
            Assert.Equal("this process", json.GetProperty("source").GetString());
            Assert.Equal("Running", json.GetProperty("status").GetString());
        }
        finally
        {
            run.Cancel();
        }
    }

    [Fact]
    public async Task Event_IsStored_AndWakesARunWaitingForIt()
    {
        var store = new JsonFileWorkflowStore(_folder.Path);
        await using var runner = new WorkflowRunner { Store = store, EventPollInterval = TimeSpan.FromMilliseconds(50) };
        var run = await WorkflowCatalog.Find("Waiting")!.StartAsync("{}", runner, "w-3");

        // Another process's CLI would publish through the store; here the CLI makes its own runner on the same folder.
        var result = await Cli.RunAsync(["event", "go:w-3", "\"yes\"", "--store", _folder.StoreSpec]);

        Assert.True(result.ExitCode == 0, result.ToString());
        await run.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("got \"yes\"", JsonDocument.Parse(run.ResultJson("Wait")).RootElement.GetString());
        Assert.Equal("\"yes\"", await store.GetEventAsync("go:w-3"));

        var bad = await Cli.RunAsync(["event", "go:w-3", "{not json", "--store", _folder.StoreSpec]);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("is not JSON", bad.Error);
    }

    [Fact]
    public async Task AConfiguredRunner_IsUsed_AndStoreOptionIsRefused()
    {
        await using var runner = new WorkflowRunner { Store = new InMemoryWorkflowStore() };
        var run = await Cli.RunAsync(["run", "Greeting", "-i", "name=Ada", "-i", "times=1", "-i", "shout=false", "--run-id", "r-1"], runner: runner);
        Assert.Equal(0, run.ExitCode);
        var runs = await Cli.RunAsync(["runs"], runner: runner);
        Assert.Contains("r-1", runs.Out);

        var refused = await Cli.RunAsync(["runs", "--store", _folder.StoreSpec], runner: runner);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--store is not available", refused.Error);
    }

    [Fact]
    public async Task Terminal_GetsTheLiveDisplayAndColours_NoColorAndPlainDoNot()
    {
        var live = await Cli.RunAsync(["run", "Slow", "--input", "ms=400"], interactive: true);
        Assert.True(live.ExitCode == 0, live.ToString());
        Assert.Contains("\u001b[", live.Out);
        Assert.Contains("4 tasks", live.Out);
        Assert.Contains("Run summary", live.Out);
        Assert.DoesNotContain("+0.", live.Out);

        foreach (var (args, environment) in new (string[], Dictionary<string, string>)[]
        {
            (["run", "Slow", "--input", "ms=50"], new() { ["NO_COLOR"] = "1" }),
            (["run", "Slow", "--input", "ms=50", "--plain"], new()),
        })
        {
            var plain = await Cli.RunAsync(args, interactive: true, environment: environment);
            Assert.Equal(0, plain.ExitCode);
            Assert.DoesNotContain("\u001b[", plain.Out);
            Assert.Contains("Fetch              completed in", plain.Out);
        }
    }

    [Theory]
    [InlineData("int", "Number", false)]
    [InlineData("long?", "Number", true)]
    [InlineData("System.Decimal", "Number", false)]
    [InlineData("global::System.Int32", "Number", false)]
    [InlineData("bool?", "Boolean", true)]
    [InlineData("string?", "Text", true)]
    [InlineData("System.Guid", "Text", false)]
    [InlineData("DateTimeOffset", "Text", false)]
    [InlineData("Shop.Cart", "Json", false)]
    [InlineData("int[]", "Json", false)]
    [InlineData("System.Nullable<int>", "Number", true)]
    public void InputKinds_FollowTheTypeName(string typeName, string kind, bool nullable) =>
        Assert.Equal((Enum.Parse<Inputs.Kind>(kind), nullable), Inputs.KindOf(typeName));
}
