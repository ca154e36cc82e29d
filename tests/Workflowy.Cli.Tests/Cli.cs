using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.Cli.Tests;

/// <summary>What one CLI invocation gave: exit code, standard output and standard error.</summary>
public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Out);
        return document.RootElement.Clone();
    }

    public override string ToString() => $"exit {ExitCode}\n--- out ---\n{Out}\n--- error ---\n{Error}";
}

/// <summary>Runs the CLI in this process with captured writers.</summary>
public static class Cli
{
    public static async Task<CliResult> RunAsync(
        string[] args,
        Func<IWorkflowStore?, WorkflowRunner>? createRunner = null,
        IWorkflowStore? store = null,
        WorkflowRunner? runner = null,
        bool interactive = false,
        string? stdin = null,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var options = new WorkflowyCliOptions
        {
            Out = output,
            Error = error,
            In = new StringReader(stdin ?? string.Empty),
            Interactive = interactive,
            Width = 100,
            Store = store,
            Runner = runner,
            CreateRunner = createRunner,
            GetEnvironmentVariable = name => environment is not null && environment.TryGetValue(name, out var value) ? value : null,
        };
        var code = await WorkflowyCli.RunAsync(args, options, cancellationToken);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>A runner that keeps going after a failure (ErrorPolicy.Continue), so dependents follow their policy.</summary>
    public static WorkflowRunner Continuing(IWorkflowStore? store) => new() { Store = store, ErrorPolicy = ErrorPolicy.Continue };
}

/// <summary>Runs a program as a real process (started here, stopped by its own <see cref="Process"/> object).</summary>
public static class CliProcess
{
    /// <summary>This assembly, whose Main is the CLI over its workflows (run with <c>dotnet exec</c>).</summary>
    public static string TestApp => typeof(CliProcess).Assembly.Location;

    /// <summary>samples/Workflowy.Sample's dll (embedded at build time), checked to exist.</summary>
    public static string SampleApp { get; } = FindSample();

    public static string Dotnet =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Runs <c>dotnet exec &lt;dll&gt; args</c> and waits for it (at most <paramref name="timeout"/>).</summary>
    public static Task<CliResult> RunDllAsync(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null) =>
        RunAsync(Dotnet, new[] { "exec", dll }.Concat(args), environment, timeout);

    /// <summary>Runs a program and waits for it; on timeout kills it (by its id, with its children) and fails.</summary>
    public static async Task<CliResult> RunAsync(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("NO_COLOR");
        info.Environment.Remove("WORKFLOWY_STORE");
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"{file} {string.Join(' ', info.ArgumentList)} did not exit within {timeout ?? TimeSpan.FromSeconds(90)}; killed it (pid {process.Id}).\n{await stdout}\n{await stderr}");
        }
        finally
        {
            process.StandardInput.Close();
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    private static string FindSample()
    {
        var path = typeof(CliProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "SampleApp")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException($"The sample was not found at '{path}'; build samples/Workflowy.Sample (a ProjectReference of this project).");
        }

        return path;
    }
}

/// <summary>A temporary folder for a JSON store, removed at the end.</summary>
public sealed class TempFolder : IDisposable
{
    public TempFolder() => Directory.CreateDirectory(Path);

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "workflowy-cli-" + Guid.NewGuid().ToString("N"));

    public string StoreSpec => "json:" + Path;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
