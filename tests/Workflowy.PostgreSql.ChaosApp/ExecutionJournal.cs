using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace Workflowy.PostgreSql.ChaosApp;

/// <summary>
/// Records every body execution as a line <c>run key attempt unix-ms</c> in a file of its own (one per process start),
/// written and flushed before the body runs, so a process killed afterwards has already recorded it.
/// </summary>
public sealed class ExecutionJournal(string path) : IDisposable
{
    private readonly object _gate = new();
    private readonly FileStream _file = new(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1, FileOptions.None);

    public void Executed(string runId, string key, int attempt, DateTimeOffset startedAt)
    {
        var line = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{runId} {key} {attempt} {startedAt.ToUnixTimeMilliseconds()}\n"));
        lock (_gate)
        {
            _file.Write(line);
            _file.Flush();
        }
    }

    public void Dispose() => _file.Dispose();
}
