namespace Workflowy;

/// <summary>The state of one task in one run. See docs/execution.md for the transitions.</summary>
public enum TaskState
{
    /// <summary>Waiting for its dependencies (or never started, when the run ended early).</summary>
    Pending = 0,

    /// <summary>Every dependency is terminal; queued for a worker.</summary>
    Ready = 1,

    /// <summary>An attempt of the body is executing.</summary>
    Running = 2,

    /// <summary>An attempt failed and the task waits (backoff) to try again.</summary>
    Retrying = 3,

    /// <summary>The body returned; the result is available.</summary>
    Completed = 4,

    /// <summary>The body failed for good (after its retries, or by a timeout), or a dependency did not complete.</summary>
    Failed = 5,

    /// <summary>Cancelled before it started, during a backoff wait, or while running.</summary>
    Cancelled = 6,

    /// <summary>Not run because a dependency did not complete and its policy is <see cref="DependencyFailure.Skip"/>.</summary>
    Skipped = 7,
}

/// <summary>What a runner does when a task fails.</summary>
public enum ErrorPolicy
{
    /// <summary>The first failure ends the run: in-flight tasks are cancelled and awaited, tasks that never
    /// started stay <see cref="TaskState.Pending"/>, and <c>RunAsync</c> throws the failure.</summary>
    Raise = 0,

    /// <summary>Failures are logged (<see cref="WorkflowRunner.Logger"/>) and the run goes on: every task ends
    /// terminal and <c>RunAsync</c> returns the run.</summary>
    Log = 1,

    /// <summary>As <see cref="Log"/>, silently: failures are only on the handles.</summary>
    Continue = 2,
}

/// <summary>The delay between attempts of a task that is retried.</summary>
public enum Backoff
{
    /// <summary>Retry at once.</summary>
    None = 0,

    /// <summary>base × k after the k-th failed attempt, capped.</summary>
    Linear = 1,

    /// <summary>base × 2^(k−1) after the k-th failed attempt, capped.</summary>
    Exponential = 2,
}

/// <summary>What a task does when one of its dependencies did not complete (failed, cancelled or skipped).</summary>
public enum DependencyFailure
{
    /// <summary>The task fails with a <see cref="DependencyFailedException"/> naming the dependencies.</summary>
    Fail = 0,

    /// <summary>The task is <see cref="TaskState.Skipped"/>; its own dependents see a dependency that did not complete.</summary>
    Skip = 1,

    /// <summary>The task runs anyway; a parameter bound to the result of a dependency that did not complete receives <c>default</c>.</summary>
    RunAnyway = 2,
}

/// <summary>
/// Which <see cref="Backoff"/> and <see cref="DependencyFailure"/> values are defined, without reflection. Kept next to
/// the enums: a new member is added here too (<c>TaskOptionsValidationTests</c> compares these with the enums' members).
/// </summary>
internal static class OptionInfo
{
    /// <summary>The defined backoffs, for messages.</summary>
    public const string BackoffNames = "Backoff.None, Backoff.Linear or Backoff.Exponential";

    /// <summary>The defined dependency-failure policies, for messages.</summary>
    public const string DependencyFailureNames = "DependencyFailure.Fail, DependencyFailure.Skip or DependencyFailure.RunAnyway";

    /// <summary>Whether <paramref name="backoff"/> is a named member of <see cref="Backoff"/>.</summary>
    public static bool IsDefined(Backoff backoff) => backoff is Backoff.None or Backoff.Linear or Backoff.Exponential;

    /// <summary>Whether <paramref name="policy"/> is a named member of <see cref="DependencyFailure"/>.</summary>
    public static bool IsDefined(DependencyFailure policy) =>
        policy is DependencyFailure.Fail or DependencyFailure.Skip or DependencyFailure.RunAnyway;
}
