using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Text;

namespace Workflowy.KillTest.Tests;

/// <summary>One process of the kill-test app, started as <c>dotnet &lt;dll&gt; &lt;log&gt; &lt;store&gt; &lt;run id&gt; ...</c>.</summary>
internal sealed class AppProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Stopwatch _clock;

    private AppProcess(Process process, Stopwatch clock)
    {
        _process = process;
        _clock = clock;
    }

    /// <summary>The app's dll: embedded at build time (the app project's TargetPath), checked to exist.</summary>
    public static string AppPath { get; } = FindApp();

    /// <summary>The process id (the app journals it).</summary>
    public int Id => _process.Id;

    /// <summary>Time since the process was started.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>Whether it has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Its exit code (after it exited).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>What it printed on stdout (complete once <see cref="WaitForExit"/> returned).</summary>
    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>What it printed on stderr.</summary>
    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts the app on <paramref name="log"/>, <paramref name="store"/> and <paramref name="runId"/>, with more options (<c>--store sqlite</c>, the lease's) if given.</summary>
    public static AppProcess Start(string log, string store, string runId, int checkpointIntervalMs, params string[] options)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(store)!,
        };
        info.ArgumentList.Add(AppPath);
        info.ArgumentList.Add(log);
        info.ArgumentList.Add(store);
        info.ArgumentList.Add(runId);
        info.ArgumentList.Add("--checkpoint-interval");
        info.ArgumentList.Add(checkpointIntervalMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var option in options)
        {
            info.ArgumentList.Add(option);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";

        var process = new Process { StartInfo = info };
        var app = new AppProcess(process, new Stopwatch());
        process.OutputDataReceived += (_, e) => app.Append(app._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(app._stderr, e.Data);
        app._clock.Start();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return app;
    }

    /// <summary>Waits until the process has been running for <paramref name="elapsed"/> in all, or has exited; true if it exited.</summary>
    public bool WaitUntil(TimeSpan elapsed)
    {
        var left = elapsed - _clock.Elapsed;
        return left <= TimeSpan.Zero ? _process.HasExited : _process.WaitForExit(left);
    }

    /// <summary>
    /// Waits until the part of the journal at <paramref name="path"/> after byte <paramref name="offset"/> (what this
    /// process wrote) satisfies <paramref name="condition"/>, polling every millisecond; false if the process exited
    /// first or the time ran out.
    /// </summary>
    public bool WaitForJournal(string path, long offset, Func<string, bool> condition, TimeSpan timeout)
    {
        var deadline = _clock.Elapsed + timeout;
        while (_clock.Elapsed < deadline)
        {
            var exited = _process.HasExited;
            if (LengthOf(path) > offset && condition(Tail(path, offset)))
            {
                return true;
            }

            if (exited)
            {
                return false;
            }

            Thread.Sleep(1);
        }

        return false;
    }

    /// <summary>Waits <paramref name="span"/> more, or until the process exits; true if it exited.</summary>
    public bool WaitFor(TimeSpan span) => span <= TimeSpan.Zero ? _process.HasExited : _process.WaitForExit(span);

    private static string Tail(string path, long offset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Position = offset;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>The length of a file, 0 if it does not exist.</summary>
    public static long LengthOf(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    /// <summary>Kills the process (and its children) and waits until it is gone; false if it had exited already.</summary>
    public bool Kill()
    {
        var killed = false;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                killed = true;
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }

        WaitForExit(TimeSpan.FromSeconds(30));
        return killed;
    }

    /// <summary>Waits for the process to exit and for its output to be read; throws if it does not exit in time.</summary>
    public void WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The kill-test app (pid {Id}) did not exit within {timeout.TotalSeconds} s.");
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }

        _process.Dispose();
    }

    private void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.AppendLine(line);
        }
    }

    private static string FindApp()
    {
        var path = typeof(AppProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "KillTestApp")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException($"The kill-test app was not found at '{path}'; build tests/Workflowy.KillTest.App (it is a ProjectReference of this project).");
        }

        return path;
    }
}
