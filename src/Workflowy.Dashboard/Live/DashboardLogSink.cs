using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using Microsoft.Extensions.Logging;

namespace Workflowy.Dashboard;

/// <summary>
/// An <see cref="ILoggerProvider"/> that keeps the last log lines of each task of each run, keyed by the run id and task
/// name of the runtime's log scope (<c>RunId</c>, <c>Task</c>: the throughline scope every task body runs in), or of
/// <see cref="TaskContext.Current"/> when no scope says. Lines outside any task are not kept. Registered by
/// <c>AddWorkflowyDashboard</c>; the task page shows the lines and the live stream carries new ones.
/// </summary>
internal sealed class DashboardLogSink : ILoggerProvider, ISupportExternalScope
{
    private const int MaxTasksTracked = 4096;
    private readonly ConcurrentDictionary<string, TaskLog> _logs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private IExternalScopeProvider? _scopes;

    public int MaxLines { get; set; } = 500;

    public int MaxChars { get; set; } = 8192;

    /// <summary>Set by the dashboard once it has a runner: new lines go to the live stream.</summary>
    public Action<string, string, LogLineJson>? OnLine { get; set; }

    public TimeProvider Time { get; set; } = TimeProvider.System;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public IReadOnlyList<LogLineJson> LinesOf(string runId, string task) =>
        _logs.TryGetValue(Key(runId, task), out var log) ? log.Snapshot() : Array.Empty<LogLineJson>();

    public void Dispose()
    {
    }

    private static string Key(string runId, string task) => runId + "\n" + task;

    private void Add(string runId, string task, LogLineJson line)
    {
        var key = Key(runId, task);
        var log = _logs.GetOrAdd(key, static _ => new TaskLog());
        if (log.IsNew)
        {
            log.IsNew = false;
            _order.Enqueue(key);
            while (_order.Count > MaxTasksTracked && _order.TryDequeue(out var oldest))
            {
                _logs.TryRemove(oldest, out _);
            }
        }

        log.Add(line, MaxLines);
        OnLine?.Invoke(runId, task, line);
    }

    private (string RunId, string Task)? TaskOfThisLine()
    {
        if (_scopes is { } scopes)
        {
            var search = new ScopeSearch();
            scopes.ForEachScope(
                static (scope, found) =>
                {
                    if (scope is not IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        return;
                    }

                    string? runId = null, task = null;
                    foreach (var pair in pairs)
                    {
                        if (pair.Key == "RunId")
                        {
                            runId = pair.Value?.ToString();
                        }
                        else if (pair.Key == "Task")
                        {
                            task = pair.Value?.ToString();
                        }
                    }

                    if (runId is not null && task is not null)
                    {
                        // Scopes come outermost first: the innermost task scope (a nested run's task) wins.
                        found.RunId = runId;
                        found.Task = task;
                    }
                },
                search);
            if (search.RunId is not null && search.Task is not null)
            {
                return (search.RunId, search.Task);
            }
        }

        return TaskContext.Current is { } context ? (context.RunId, context.TaskName) : null;
    }

    private sealed class ScopeSearch
    {
        public string? RunId { get; set; }

        public string? Task { get; set; }
    }

    private sealed class TaskLog
    {
        private readonly Queue<LogLineJson> _lines = new();

        public bool IsNew { get; set; } = true;

        public void Add(LogLineJson line, int max)
        {
            lock (_lines)
            {
                _lines.Enqueue(line);
                while (_lines.Count > Math.Max(1, max))
                {
                    _lines.Dequeue();
                }
            }
        }

        public IReadOnlyList<LogLineJson> Snapshot()
        {
            lock (_lines)
            {
                return _lines.ToArray();
            }
        }
    }

    private sealed class Logger(DashboardLogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => sink._scopes?.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.None || sink.TaskOfThisLine() is not { } owner)
            {
                return;
            }

            var message = formatter(state, exception);
            if (exception is not null)
            {
                message += " " + exception.GetType().FullName + ": " + exception.Message;
            }

            if (message.Length > sink.MaxChars)
            {
                message = message[..sink.MaxChars] + " …(cut)";
            }

            sink.Add(owner.RunId, owner.Task, new LogLineJson(sink.Time.GetUtcNow(), logLevel.ToString(), category, message));
        }
    }
}
