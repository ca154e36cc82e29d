using System.Diagnostics;
using System.IO;
using Workflowy.Analyzers;
using Workflowy.SourceGeneration;

namespace Workflowy.Tests;

/// <summary>
/// Builds real projects with the real compiler (dotnet build), referencing the runtime, the generator and the analyzers
/// the way a package consumer does. This catches what in-memory tests cannot: a generator the compiler refuses to
/// load (CS9057) and silently skips, or analyzers that never run.
/// </summary>
public sealed class ConsumerBuildTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "workflowy-consumer-" + Guid.NewGuid().ToString("N"));

    public ConsumerBuildTests() => Directory.CreateDirectory(_directory);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder is harmless.
        }
    }

    [Fact]
    public void ValidConsumer_BuildsAndRunsTheGeneratedWorkflow_AndListsRendersAndStartsItByNameFromJson()
    {
        WriteProject("""
            using System;
            using System.Linq;
            using System.Text.Json.Serialization;
            using System.Threading.Tasks;
            using Workflowy;

            var run = await new Pipeline().RunAsync(text: "consumer");
            Console.WriteLine($"RESULT={run.Shout.Result};STATES={string.Join(",", run.Tasks.Select(t => t.State))}");

            // The catalogue: what a host that knows workflows only by name does.
            Console.WriteLine("CATALOG=" + string.Join(",", WorkflowCatalog.All.Select(d => d.FullName)));
            var definition = WorkflowCatalog.Find("Pipeline") ?? throw new InvalidOperationException("Pipeline is not in the catalogue");
            Console.WriteLine("INPUTS=" + string.Join(",", definition.Inputs.Select(i => i.Name + ":" + i.TypeName)));
            Console.WriteLine("MERMAID=" + WorkflowRenderer.ToMermaid(definition.Graph).Replace("\n", "|"));
            var started = await definition.StartAsync("{ \"text\": \" by name \" }");
            await started.Completion;
            Console.WriteLine("BYNAME=" + started.ResultJson("Shout") + ";" + started.ResultJson("Length"));

            [WorkflowSerialization(typeof(PipelineJson))]
            public partial class Pipeline
            {
                [Task] public string Trim(string text) => text.Trim();
                [Task(Backend = Backend.Async), DependsOn(nameof(Trim))] public async Task<int> Length(string trim) { await Task.Yield(); return trim.Length; }
                [Task(Backend = Backend.Thread), DependsOn(nameof(Trim), nameof(Length))] public string Shout(string trim, int length) => $"{trim.ToUpperInvariant()}:{length}";
            }

            [JsonSerializable(typeof(string))]
            [JsonSerializable(typeof(int))]
            internal partial class PipelineJson : JsonSerializerContext
            {
            }
            """);

        var (exitCode, output) = Dotnet("run --project consumer.csproj");

        Assert.True(exitCode == 0, output);
        Assert.Contains("RESULT=CONSUMER:8;STATES=Completed,Completed,Completed", output);
        Assert.Contains("CATALOG=Pipeline" + Environment.NewLine, output);
        Assert.Contains("INPUTS=text:string" + Environment.NewLine, output);
        Assert.Contains("MERMAID=flowchart TD|    t0[\"Trim\"]|    t1[\"Length\"]|    t2[\"Shout\"]|    t0 --> t1|    t0 --> t2|    t1 --> t2|", output);
        Assert.Contains("BYNAME=\"BY NAME:7\";7", output);
    }

    [Fact]
    public void InvalidConsumer_TheFiveSpineDiagnosticsAreCompileErrors()
    {
        WriteProject("""
            using System.Threading.Tasks;
            using Workflowy;

            public partial class Cyclic
            {
                [Task, DependsOn(nameof(B))] public int A() => 1;
                [Task, DependsOn(nameof(A))] public int B() => 2;
            }

            public partial class AsyncOnThread
            {
                [Task(Backend = Backend.Thread)] public Task<int> Load() => Task.FromResult(1);
            }

            public partial class Unknown
            {
                [Task, DependsOn("Missing")] public int A() => 1;
            }

            public class NotPartial
            {
                [Task] public int A() => 1;
            }

            public partial class Ambiguous
            {
                [Task] public int X() => 1;
                [Task] public int Y() => 2;
                [Task, DependsOn(nameof(X), nameof(Y))] public int Sum(int value) => value;
            }

            public static class Program { public static void Main() { } }
            """);

        var (exitCode, output) = Dotnet("build consumer.csproj");

        Assert.NotEqual(0, exitCode);
        foreach (var id in new[] { "WFY001", "WFY002", "WFY003", "WFY004", "WFY006" })
        {
            Assert.Matches($"error {id}:", output);
        }

        Assert.DoesNotContain("CS9057", output);
        Assert.DoesNotContain("AD0001", output);
        Assert.DoesNotContain("CS8785", output);
        Assert.DoesNotContain(".g.cs(", output);
    }

    private void WriteProject(string program)
    {
        var runtime = typeof(TaskHandle).Assembly.Location;
        var generator = typeof(WorkflowGenerator).Assembly.Location;
        var analyzers = typeof(WorkflowAnalyzer).Assembly.Location;
        File.WriteAllText(Path.Combine(_directory, "consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <ImplicitUsings>disable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="Workflowy" HintPath="{runtime}" />
                <Analyzer Include="{generator}" />
                <Analyzer Include="{analyzers}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(_directory, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(_directory, "Directory.Packages.props"), "<Project />");
        File.WriteAllText(Path.Combine(_directory, "Program.cs"), program);
    }

    private (int ExitCode, string Output) Dotnet(string arguments)
    {
        var start = new ProcessStartInfo("dotnet", arguments + " -nologo")
        {
            WorkingDirectory = _directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBuildSDKsPath"] = null;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {arguments} did not finish in 5 minutes.");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
