using System;
using System.Collections.Generic;
using System.IO;

namespace Workflowy;

/// <summary>
/// How a <see cref="ProcessTaskExecutor"/> starts and bounds its child worker processes. The defaults start the
/// application itself again (<see cref="Environment.ProcessPath"/>, and the entry assembly when it runs under the
/// <c>dotnet</c> host).
/// </summary>
public sealed class ProcessWorkerOptions
{
    private readonly int _maxWorkers = Math.Max(1, System.Environment.ProcessorCount);
    private readonly TimeSpan _startTimeout = TimeSpan.FromSeconds(60);
    private readonly TimeSpan _idleTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The most child processes alive at once, which is also the most Process tasks running at once (default: the processor count).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int MaxWorkers
    {
        get => _maxWorkers;
        init => _maxWorkers = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxWorkers), value, "At least one worker process.");
    }

    /// <summary>The program to start (default: <see cref="Environment.ProcessPath"/>, this application).</summary>
    public string? FileName { get; init; }

    /// <summary>
    /// Its arguments (default: none, or the entry assembly's path when <see cref="FileName"/> is left default and the
    /// application runs under the <c>dotnet</c> host, as in <c>dotnet app.dll</c>).
    /// </summary>
    public IReadOnlyList<string>? Arguments { get; init; }

    /// <summary>Environment variables set in the children (a null value removes one), e.g. <c>DOTNET_GCHeapHardLimit</c>.</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }

    /// <summary>How long a child has to say hello after it starts (default: 60 s); a child that does not is killed (<see cref="ProcessWorkerStartException"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public TimeSpan StartTimeout
    {
        get => _startTimeout;
        init => _startTimeout = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(StartTimeout), value, "The start timeout must be positive.");
    }

    /// <summary>How long an idle child is kept for the next task before it is told to exit (default: 30 s).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive.</exception>
    public TimeSpan IdleTimeout
    {
        get => _idleTimeout;
        init => _idleTimeout = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(IdleTimeout), value, "The idle timeout must be positive.");
    }

    /// <summary>The program and arguments a child is started with.</summary>
    internal (string FileName, IReadOnlyList<string> Arguments) Command()
    {
        if (FileName is { } fileName)
        {
            return (fileName, Arguments ?? []);
        }

        var path = System.Environment.ProcessPath
            ?? throw new ProcessWorkerStartException("The path of this process is unknown, so no worker process can be started; set ProcessWorkerOptions.FileName.");
        if (Arguments is { } arguments)
        {
            return (path, arguments);
        }

        // Under the dotnet host (dotnet app.dll) the application is its first command-line argument.
        var name = Path.GetFileNameWithoutExtension(path);
        if (string.Equals(name, "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            var entry = System.Environment.GetCommandLineArgs()[0];
            return (path, [entry]);
        }

        return (path, []);
    }
}
