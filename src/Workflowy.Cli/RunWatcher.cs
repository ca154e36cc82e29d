using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Threading;

namespace Workflowy.Cli;

/// <summary>When the CLI saw a task start its first attempt and end, on the Stopwatch clock.</summary>
internal sealed class TaskTiming
{
    public long FirstStart;
    public long End;
    public DateTimeOffset? StartedAt;
    public DateTimeOffset? EndedAt;
    public long LastProgressLine;

    public TimeSpan? Duration => FirstStart == 0 ? null : Stopwatch.GetElapsedTime(FirstStart, End == 0 ? Stopwatch.GetTimestamp() : End);
}

/// <summary>
/// Watches the runs of a runner through its <see cref="WorkflowRunner.TaskStateChanged"/> and
/// <see cref="WorkflowRunner.ProgressChanged"/> events, from before the run starts: times each task (the handles have
/// no clock of their own) and, in plain mode, writes one line per change. Events that arrive before the CLI knows its
/// run (<see cref="Attach"/>) are kept and written then, if they are of that run.
/// </summary>
internal sealed class RunWatcher : IDisposable
{
    private static readonly TimeSpan ProgressLineInterval = TimeSpan.FromSeconds(1);

    private readonly WorkflowRunner _runner;
    private readonly Printer? _lines;
    private readonly ConcurrentDictionary<TaskHandle, TaskTiming> _timings = new();
    private readonly Lock _gate = new();
    private readonly List<(TaskHandle Task, string Line)> _early = new();
    private readonly long _start = Stopwatch.GetTimestamp();
    private WorkflowRun? _run;
    private long _end;

    /// <param name="runner">The runner whose events to watch.</param>
    /// <param name="lines">Where to write a line per change (plain mode), or null.</param>
    public RunWatcher(WorkflowRunner runner, Printer? lines)
    {
        _runner = runner;
        _lines = lines;
        StartedAt = DateTimeOffset.UtcNow;
        runner.TaskStateChanged += OnStateChanged;
        runner.ProgressChanged += OnProgress;
    }

    public DateTimeOffset StartedAt { get; }

    public DateTimeOffset? EndedAt { get; private set; }

    /// <summary>Since the watcher started, until <see cref="Stop"/>.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_start, Volatile.Read(ref _end) is var end and not 0 ? end : Stopwatch.GetTimestamp());

    public TaskTiming? TimingOf(TaskHandle task) => _timings.TryGetValue(task, out var timing) ? timing : null;

    /// <summary>The run this command watches; writes the lines of its changes seen so far.</summary>
    public void Attach(WorkflowRun run)
    {
        lock (_gate)
        {
            _run = run;
            foreach (var (task, line) in _early)
            {
                if (ReferenceEquals(task.Run, run))
                {
                    _lines?.Line(line);
                }
            }

            _early.Clear();
        }
    }

    /// <summary>Stops the clock (the run has ended).</summary>
    public void Stop()
    {
        Volatile.Write(ref _end, Stopwatch.GetTimestamp());
        EndedAt = DateTimeOffset.UtcNow;
    }

    public void Dispose()
    {
        _runner.TaskStateChanged -= OnStateChanged;
        _runner.ProgressChanged -= OnProgress;
    }

    private void OnStateChanged(object? sender, TaskStateChangedEventArgs e)
    {
        var now = Stopwatch.GetTimestamp();
        var timing = _timings.GetOrAdd(e.Task, static _ => new TaskTiming());
        if (e.NewState == TaskState.Running && timing.FirstStart == 0)
        {
            timing.FirstStart = now;
            timing.StartedAt = DateTimeOffset.UtcNow;
        }
        else if (e.NewState >= TaskState.Completed)
        {
            timing.End = now;
            timing.EndedAt = DateTimeOffset.UtcNow;
        }

        if (_lines is not null && LineOf(e, timing) is { } text)
        {
            Write(e.Task, text);
        }
    }

    private void OnProgress(object? sender, TaskProgressEventArgs e)
    {
        if (_lines is null)
        {
            return;
        }

        var timing = _timings.GetOrAdd(e.Task, static _ => new TaskTiming());
        var now = Stopwatch.GetTimestamp();
        var last = Volatile.Read(ref timing.LastProgressLine);
        if ((last != 0 && Stopwatch.GetElapsedTime(last, now) < ProgressLineInterval && e.Fraction < 1)
            || Interlocked.CompareExchange(ref timing.LastProgressLine, now, last) != last)
        {
            return;
        }

        var message = e.Message is null ? string.Empty : "  " + e.Message;
        Write(e.Task, Prefix(e.Task) + string.Create(CultureInfo.InvariantCulture, $"{e.Fraction * 100,3:0}%{message}"));
    }

    private void Write(TaskHandle task, string text)
    {
        lock (_gate)
        {
            if (_run is null)
            {
                _early.Add((task, text));
            }
            else if (ReferenceEquals(task.Run, _run))
            {
                _lines!.Line(text);
            }
        }
    }

    private string Prefix(TaskHandle task) =>
        string.Create(CultureInfo.InvariantCulture, $"  {"+" + Elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture),8}s  {task.Name,-18} ");

    private string? LineOf(TaskStateChangedEventArgs e, TaskTiming timing)
    {
        var prefix = Prefix(e.Task);
        return e.NewState switch
        {
            TaskState.Running => e.Attempt > 1
                ? prefix + string.Create(CultureInfo.InvariantCulture, $"running (attempt {e.Attempt})")
                : prefix + "running",
            TaskState.Retrying => prefix + string.Create(
                CultureInfo.InvariantCulture,
                $"retrying: attempt {e.Attempt} failed ({Error(e.Exception)}){(e.NextAttemptAt is { } next ? $", next attempt in {Printer.Duration(next - _runner.TimeProvider.GetUtcNow())}" : string.Empty)}"),
            TaskState.Completed => timing.FirstStart == 0
                ? prefix + "completed (restored from the checkpoint)"
                : prefix + $"completed in {Printer.Duration(timing.Duration)}{Attempts(e.Attempt)}",
            TaskState.Failed => prefix + $"failed{Attempts(e.Attempt)}: {Error(e.Exception)}",
            TaskState.Skipped => prefix + $"skipped: {Error(e.Exception)}",
            TaskState.Cancelled => prefix + "cancelled",
            _ => null,
        };
    }

    private static string Attempts(int attempts) =>
        attempts > 1 ? string.Create(CultureInfo.InvariantCulture, $" after {attempts} attempts") : string.Empty;

    private static string Error(Exception? exception) =>
        exception is null ? "no error" : $"{exception.GetType().Name}: {exception.Message}";
}
