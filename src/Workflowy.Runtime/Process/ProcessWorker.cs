using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// The parent's side of one child worker process: started, greeted, asked to run one task at a time, killed by its
/// process id when the attempt is cancelled or times out, and disposed when it crashed or idled out.
/// </summary>
internal sealed class ProcessWorker : IDisposable
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly Process _process;
    private readonly string _command;
    private long _nextId;
    private int _killed;

    private ProcessWorker(Process process, string command)
    {
        _process = process;
        _command = command;
        ProcessId = process.Id;
    }

    public int ProcessId { get; }

    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>Starts a child and waits for its hello line.</summary>
    public static async Task<ProcessWorker> StartAsync(ProcessWorkerOptions options, CancellationToken cancellationToken)
    {
        var (fileName, arguments) = options.Command();
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false, // the child's stderr (and its bodies' console output) is the parent's
            StandardOutputEncoding = Utf8,
            StandardInputEncoding = Utf8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (options.Environment is { } environment)
        {
            foreach (var (name, value) in environment)
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
        }

        info.Environment[WorkflowyProcessWorker.EnvironmentVariable] = ProcessMessage.ProtocolName;
        var command = arguments.Count == 0 ? fileName : fileName + " " + string.Join(" ", arguments);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new ProcessWorkerStartException($"The worker process '{command}' did not start.");
        }
        catch (Exception ex) when (ex is not ProcessWorkerStartException)
        {
            throw new ProcessWorkerStartException($"The worker process '{command}' could not be started: {ex.Message}. Set ProcessWorkerOptions.FileName and Arguments to this application.", ex);
        }

        var worker = new ProcessWorker(process, command);
        try
        {
            await worker.HandshakeAsync(options.StartTimeout, cancellationToken).ConfigureAwait(false);
            return worker;
        }
        catch
        {
            worker.Kill();
            worker.Dispose();
            throw;
        }
    }

    private async Task HandshakeAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var line = await _process.StandardOutput.ReadLineAsync(limit.Token).ConfigureAwait(false);
                if (line is null)
                {
                    await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                    throw NotAWorker($"exited with code {_process.ExitCode} before saying hello");
                }

                // Lines an application prints before it reaches the hook are not the protocol's: skip them.
                if (TryRead(line) is { Kind: ProcessMessage.Hello } hello)
                {
                    if (hello.Protocol != ProcessMessage.ProtocolName)
                    {
                        throw new ProcessWorkerStartException($"The worker process {ProcessId} ('{_command}') speaks '{hello.Protocol}', not '{ProcessMessage.ProtocolName}': it runs another version of Workflowy.");
                    }

                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw NotAWorker($"did not say hello within {timeout.TotalSeconds:0.###} s (it was killed)");
        }
    }

    private ProcessWorkerStartException NotAWorker(string what) => new(
        $"The worker process {ProcessId} ('{_command}') {what}: it did not start as a Workflowy worker. The application's Main must begin with " +
        "'if (WorkflowyProcessWorker.IsWorker) return await WorkflowyProcessWorker.RunAsync();' (see docs/process-backend.md), " +
        "and ProcessWorkerOptions.FileName/Arguments must start this application.");

    /// <summary>Runs one task in the child; returns its result message. Cancelling kills the child.</summary>
    public async Task<ProcessMessage> InvokeAsync(ProcessMessage request, Action<double, string?> progress, CancellationToken cancellationToken)
    {
        request.Id = ++_nextId;
        using var registration = cancellationToken.UnsafeRegister(static state => ((ProcessWorker)state!).Kill(), this);
        try
        {
            await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(request, ProcessProtocolJson.Default.ProcessMessage).AsMemory(), CancellationToken.None).ConfigureAwait(false);
            await _process.StandardInput.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            while (true)
            {
                var line = await _process.StandardOutput.ReadLineAsync(CancellationToken.None).ConfigureAwait(false);
                if (line is null)
                {
                    break;
                }

                var message = TryRead(line);
                if (message is null || message.Id != request.Id)
                {
                    continue;
                }

                if (message.Kind == ProcessMessage.Progress)
                {
                    progress(message.Fraction, message.Message);
                    continue;
                }

                if (message.Kind is ProcessMessage.Result or ProcessMessage.Error)
                {
                    return message;
                }
            }
        }
        catch (IOException)
        {
            // The pipe broke: the child is gone; said below.
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw await CrashedAsync(request.Task, null).ConfigureAwait(false);
    }

    /// <summary>The child ended (or is ending): waits for its exit code and describes it.</summary>
    public async Task<ProcessWorkerCrashedException> CrashedAsync(string? taskName, string? reason)
    {
        int? exitCode = null;
        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            exitCode = _process.ExitCode;
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException)
        {
            Kill();
        }

        int? signal = exitCode is > 128 and < 160 && !OperatingSystem.IsWindows() ? exitCode - 128 : null;
        var how = reason ?? (signal is { } s ? $"was ended by signal {s} ({SignalName(s)}; exit code {exitCode})" : exitCode is { } code ? $"exited with code {code}" : "stopped answering");
        return new ProcessWorkerCrashedException($"The worker process {ProcessId} running task '{taskName}' {how} before the task finished.", ProcessId, exitCode, signal)
        {
            TaskName = taskName,
        };
    }

    private static string SignalName(int signal) => signal switch
    {
        6 => "SIGABRT: a fail-fast, a stack overflow or another runtime abort",
        9 => "SIGKILL: killed, or out of memory",
        11 => "SIGSEGV: a native crash",
        15 => "SIGTERM",
        _ => "signal",
    };

    private static ProcessMessage? TryRead(string line)
    {
        if (line.Length == 0 || line[0] != '{')
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(line, ProcessProtocolJson.Default.ProcessMessage);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Kills the child by its process id (idempotent).</summary>
    public void Kill()
    {
        if (Interlocked.Exchange(ref _killed, 1) != 0)
        {
            return;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // It has exited already.
        }
    }

    /// <summary>Asks an idle child to exit: its stdin closes, and it ends its loop.</summary>
    public void Close()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Gone already.
        }
    }

    public void Dispose() => _process.Dispose();
}
