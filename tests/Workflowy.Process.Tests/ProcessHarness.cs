using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Reflection;

namespace Workflowy.Process.Tests;

/// <summary>A runner whose Process tasks run in children started as <c>dotnet &lt;app dll&gt;</c>; stops every child it saw by its pid.</summary>
internal sealed class ProcessHarness : IAsyncDisposable
{
    private readonly HashSet<int> _seen = [];

    public ProcessHarness(int maxWorkers = 2, TimeProvider? time = null, IReadOnlyDictionary<string, string?>? environment = null, params string[] extraArguments)
    {
        Executor = new ProcessTaskExecutor(new ProcessWorkerOptions
        {
            FileName = Host,
            Arguments = [AppPath, .. extraArguments],
            MaxWorkers = maxWorkers,
            Environment = environment,
            StartTimeout = TimeSpan.FromMinutes(3), // a loaded machine starts processes slowly
        });
        Runner = new WorkflowRunner
        {
            Executors = new Dictionary<Backend, TaskExecutor> { [Backend.Process] = Executor },
            TimeProvider = time ?? TimeProvider.System,
        };
        Runner.TaskStateChanged += (_, _) => Remember();
    }

    public ProcessTaskExecutor Executor { get; }

    public WorkflowRunner Runner { get; }

    /// <summary>The dotnet host running the tests (the app runs under the same one).</summary>
    public static string Host { get; } = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>The app's dll: embedded at build time (the app project's TargetPath), checked to exist.</summary>
    public static string AppPath { get; } = FindApp();

    /// <summary>Notes the children alive now, to stop them at the end.</summary>
    public void Remember()
    {
        lock (_seen)
        {
            foreach (var pid in Executor.WorkerProcessIds)
            {
                _seen.Add(pid);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Remember();
        Executor.Dispose();
        await Runner.DisposeAsync();
        int[] pids;
        lock (_seen)
        {
            pids = [.. _seen];
        }

        foreach (var pid in pids)
        {
            await KillAsync(pid);
        }
    }

    /// <summary>Kills a process by its id (SIGKILL on Unix) and waits for it to be gone; nothing if it is gone already.</summary>
    public static async Task KillAsync(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
            await process.WaitForExitAsync();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // Not running.
        }
    }

    /// <summary>Waits for a process to end (it was killed by the executor, or told to exit).</summary>
    public static async Task WaitForExitAsync(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            await process.WaitForExitAsync();
        }
        catch (ArgumentException)
        {
            // Gone already.
        }
    }

    private static string FindApp()
    {
        var path = typeof(ProcessHarness).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "ProcessApp")?.Value;
        if (path is null || !File.Exists(path))
        {
            throw new InvalidOperationException($"The Process test app was not found at '{path}'; build tests/Workflowy.Process.App (it is a ProjectReference of this project).");
        }

        return path;
    }
}
