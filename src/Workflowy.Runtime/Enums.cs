namespace Workflowy;

/// <summary>The state of one task in one run.</summary>
public enum TaskState
{
    /// <summary>Waiting for its dependencies (or never started, when the run ended early).</summary>
    Pending = 0,

    /// <summary>Every dependency is terminal; queued for a worker.</summary>
    Ready = 1,

    /// <summary>The body is executing.</summary>
    Running = 2,

    /// <summary>An attempt failed and the task waits to try again.</summary>
    Retrying = 3,

    /// <summary>The body returned; the result is available.</summary>
    Completed = 4,

    /// <summary>The body threw, or a dependency did not complete.</summary>
    Failed = 5,

    /// <summary>Cancelled before it started, or the body observed its cancellation token.</summary>
    Cancelled = 6,

    /// <summary>Not run because of its dependency-failure policy.</summary>
    Skipped = 7,
}

/// <summary>What a runner does when a task fails.</summary>
public enum ErrorPolicy
{
    /// <summary>The first failure ends the run: in-flight tasks are cancelled and awaited, tasks that never
    /// started stay <see cref="TaskState.Pending"/>, and <c>RunAsync</c> throws the failure.</summary>
    Raise = 0,
}
