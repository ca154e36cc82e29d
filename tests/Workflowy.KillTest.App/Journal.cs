using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;

namespace Workflowy.KillTest.App;

/// <summary>
/// The external log: one line per event (<c>start &lt;task&gt; &lt;pid&gt;</c>, <c>end &lt;task&gt; &lt;pid&gt;</c>,
/// <c>effect &lt;task&gt; &lt;pid&gt;</c>, <c>process &lt;pid&gt;</c>, <c>done &lt;pid&gt;</c>), each appended with a single
/// unbuffered write and flushed to disk before the body goes on, so a process killed at any point leaves a prefix of
/// complete lines (at most the last line can be cut short, and the reader ignores a line without its newline).
/// </summary>
public sealed class Journal : IDisposable
{
    private readonly object _lock = new();
    private readonly FileStream _stream;
    private readonly int _pid = Environment.ProcessId;

    /// <summary>Opens (or creates) the log for appending; other processes may read it meanwhile.</summary>
    public Journal(string path) =>
        _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);

    /// <summary>Journals that this process started.</summary>
    public void Process() => Write($"process {_pid}\n");

    /// <summary>Journals that the run of this process ended successfully.</summary>
    public void Done() => Write($"done {_pid}\n");

    /// <summary>Journals the start of a task body.</summary>
    public void Start([CallerMemberName] string task = "") => Write($"start {task} {_pid}\n");

    /// <summary>Journals the end of a task body and passes its result through.</summary>
    public T End<T>(T result, [CallerMemberName] string task = "")
    {
        Write($"end {task} {_pid}\n");
        return result;
    }

    /// <summary>Journals that a side effect's action ran.</summary>
    public void Effect([CallerMemberName] string task = "") => Write($"effect {task} {_pid}\n");

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    private void Write(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        lock (_lock)
        {
            _stream.Write(bytes);
            _stream.Flush(flushToDisk: true);
        }
    }
}
