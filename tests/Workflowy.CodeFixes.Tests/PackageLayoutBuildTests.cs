using System.Diagnostics;
using System.IO;
using Workflowy.Analyzers;
using Workflowy.SourceGeneration;

namespace Workflowy.CodeFixes.Tests;

/// <summary>
/// The package puts the code fixes next to the generator and the analyzers (analyzers/dotnet/cs), so the command-line
/// compiler gets them as analyzer assemblies too, without the workspaces layer they reference. A real build must still
/// load the generator and the analyzers and stay free of warnings (CS8032 "cannot create analyzer", AD0001, ...).
/// </summary>
public sealed class PackageLayoutBuildTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "workflowy-codefix-consumer-" + Guid.NewGuid().ToString("N"));

    public PackageLayoutBuildTests() => Directory.CreateDirectory(_directory);

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
    public void ConsumerWithTheCodeFixAssemblyAsAnAnalyzer_BuildsWithoutWarnings_AndStillReportsWorkflowErrors()
    {
        WriteProject("valid", """
            using Workflowy;

            var run = await new Pipeline().RunAsync(text: " ok ");
            System.Console.WriteLine(run.Trim.Result);

            public partial class Pipeline
            {
                [Task] public string Trim(string text) => text.Trim();
            }
            """);
        WriteProject("invalid", """
            using System.Threading.Tasks;
            using Workflowy;

            public class NotPartial
            {
                [Task(Backend = Backend.Thread)] public Task<int> Load() => Task.FromResult(1);
                [Task, DependsOn("Lod")] public int Use() => 1;
            }

            public static class Program { public static void Main() { } }
            """);

        var (validExit, validOutput) = Dotnet("build valid/consumer.csproj");
        var (invalidExit, invalidOutput) = Dotnet("build invalid/consumer.csproj");

        Assert.True(validExit == 0, validOutput);
        Assert.DoesNotMatch(@"warning [A-Z]+[0-9]+", validOutput);
        Assert.Contains("0 Warning(s)", validOutput);
        Assert.NotEqual(0, invalidExit);
        foreach (var id in new[] { "WFY002", "WFY003", "WFY004" })
        {
            Assert.Matches($"error {id}:", invalidOutput);
        }

        foreach (var id in new[] { "CS8032", "CS8784", "CS8785", "CS9057", "AD0001" })
        {
            Assert.DoesNotContain(id, validOutput + invalidOutput);
        }
    }

    private void WriteProject(string name, string program)
    {
        var directory = Path.Combine(_directory, name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <ImplicitUsings>disable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="Workflowy" HintPath="{typeof(TaskHandle).Assembly.Location}" />
                <Analyzer Include="{typeof(WorkflowGenerator).Assembly.Location}" />
                <Analyzer Include="{typeof(WorkflowAnalyzer).Assembly.Location}" />
                <Analyzer Include="{typeof(MakePartialCodeFixProvider).Assembly.Location}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(directory, "Program.cs"), program);
        File.WriteAllText(Path.Combine(_directory, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(_directory, "Directory.Packages.props"), "<Project />");
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
