using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Workflowy.PostgreSql.Tests.Chaos;

/// <summary>
/// One worker process of tests/Workflowy.PostgreSql.ChaosApp (<c>dotnet &lt;dll&gt; worker ...</c>): started, killed with
/// SIGKILL, paused with SIGSTOP and resumed with SIGCONT, always by the process id it was started with.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;

    private WorkerProcess(Process process, Guid id, string journal)
    {
        _process = process;
        Id = id;
        Journal = journal;
    }

    /// <summary>The app's dll: embedded at build time (the app project's TargetPath).</summary>
    public static string AppPath { get; } = typeof(WorkerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ChaosApp").Value!;

    public Guid Id { get; }

    public string Journal { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public static async Task<WorkerProcess> StartAsync(string connectionString, string schema, string journal, int leaseMs, int batch, int concurrency)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet";
        var info = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { AppPath, "worker", connectionString, schema, journal, leaseMs.ToString(CultureInfo.InvariantCulture), batch.ToString(CultureInfo.InvariantCulture), concurrency.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("The worker process did not start.");
        _ = process.StandardError.ReadToEndAsync();
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (line is null || !line.StartsWith("ready ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException($"The worker process did not get ready: '{line}'.");
        }

        _ = process.StandardOutput.ReadToEndAsync();
        return new WorkerProcess(process, Guid.Parse(line["ready ".Length..]), journal);
    }

    /// <summary>kill -9.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public void Pause() => Signal("STOP");

    public void Resume() => Signal("CONT");

    private void Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
    }

    /// <summary>Ends the process: closes its input (it stops), else kills it.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Resume();
            _process.StandardInput.Close();
            if (!_process.WaitForExit(15_000))
            {
                _process.Kill();
            }
        }

        _process.Dispose();
    }
}
