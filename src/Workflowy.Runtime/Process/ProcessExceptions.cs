using System;

namespace Workflowy;

/// <summary>
/// The child worker process running a <see cref="Backend.Process"/> task ended before answering: it crashed (a native
/// crash, <c>Environment.FailFast</c>, a stack overflow), ran out of memory, or was killed. The attempt fails with this
/// exception and the task's retry policy applies; the child is replaced for the next task.
/// </summary>
public sealed class ProcessWorkerCrashedException : WorkflowException
{
    /// <summary>Creates the exception.</summary>
    public ProcessWorkerCrashedException(string message, int processId, int? exitCode, int? signal)
        : base(message)
    {
        ProcessId = processId;
        ExitCode = exitCode;
        Signal = signal;
    }

    /// <summary>The child's process id.</summary>
    public int ProcessId { get; }

    /// <summary>The child's exit code (on Unix, 128 + the signal for a process ended by a signal); null if unknown.</summary>
    public int? ExitCode { get; }

    /// <summary>The signal that ended the child (6 SIGABRT for a fail-fast or a stack overflow, 9 SIGKILL for a kill), when it was one.</summary>
    public int? Signal { get; }
}

/// <summary>
/// A child worker process for <see cref="Backend.Process"/> did not start as a Workflowy worker: it could not be
/// started, exited, or did not say hello within <see cref="ProcessWorkerOptions.StartTimeout"/>. Most often the
/// application's <c>Main</c> lacks its first line,
/// <c>if (WorkflowyProcessWorker.IsWorker) return await WorkflowyProcessWorker.RunAsync();</c>.
/// </summary>
public sealed class ProcessWorkerStartException : WorkflowException
{
    /// <summary>Creates the exception.</summary>
    public ProcessWorkerStartException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The body of a <see cref="Backend.Process"/> task threw in its child process. Exceptions do not cross processes as
/// themselves: this one carries the child's exception type, message and stack trace (a <c>RetryOn</c> filter sees this
/// type; test <see cref="RemoteExceptionType"/> to tell failures apart).
/// </summary>
public sealed class ProcessTaskFailedException : WorkflowException
{
    /// <summary>Creates the exception.</summary>
    public ProcessTaskFailedException(string message, string remoteExceptionType, string? remoteStackTrace, int processId)
        : base(message)
    {
        RemoteExceptionType = remoteExceptionType;
        RemoteStackTrace = remoteStackTrace;
        ProcessId = processId;
    }

    /// <summary>The full name of the exception type the body threw in the child, e.g. <c>System.InvalidOperationException</c>.</summary>
    public string RemoteExceptionType { get; }

    /// <summary>Its stack trace in the child.</summary>
    public string? RemoteStackTrace { get; }

    /// <summary>The child's process id.</summary>
    public int ProcessId { get; }
}
