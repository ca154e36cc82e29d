using System;
using System.Diagnostics;

namespace Workflowy;

/// <summary>Where a task body runs.</summary>
public enum Backend
{
    /// <summary>The runner's <see cref="WorkflowRunner.DefaultBackend"/> for synchronous bodies; <see cref="Async"/> for bodies that return a task.</summary>
    Default = 0,

    /// <summary>The body is invoked on a runner worker; a returned <c>Task</c>/<c>ValueTask</c> is awaited without holding the worker.</summary>
    Async = 1,

    /// <summary>The body is synchronous and runs to its end on a thread-pool worker, occupying one of the runner's workers.
    /// A body that returns a task cannot use this backend (diagnostic WFY002).</summary>
    Thread = 2,

    /// <summary>The body runs on the runner's dedicated serial worker: one job at a time, in the order they became
    /// ready, with the execution context (async locals) of whoever started the run or submitted the task.</summary>
    Serial = 3,

    /// <summary>
    /// The body runs in a child worker process of the same application (started and reused by the runner's
    /// <see cref="ProcessTaskExecutor"/>, at most <see cref="ProcessWorkerOptions.MaxWorkers"/> of them), found there
    /// through the workflow catalogue by its task name; inputs, dependency results and the result cross as JSON through
    /// the workflow's <c>[WorkflowSerialization]</c> context (WFY040). A child that crashes fails the attempt with
    /// <see cref="ProcessWorkerCrashedException"/> and the retry policy applies. The application's <c>Main</c> must
    /// start with <c>if (WorkflowyProcessWorker.IsWorker) return await WorkflowyProcessWorker.RunAsync();</c>.
    /// See docs/process-backend.md.
    /// </summary>
    Process = 4,
}

/// <summary>
/// Which <see cref="Backend"/> values are defined, without reflection. Kept next to the enum: a new backend is added
/// here too (<c>TaskOptionsValidationTests</c> compares this with the enum's members).
/// </summary>
internal static class BackendInfo
{
    /// <summary>The defined backends, for messages.</summary>
    public const string Names = "Backend.Default, Backend.Async, Backend.Thread, Backend.Serial or Backend.Process";

    /// <summary>The backends a task runs on once <see cref="Backend.Default"/> is resolved: each has an executor in every runner.</summary>
    public static readonly Backend[] Executable = [Backend.Async, Backend.Thread, Backend.Serial, Backend.Process];

    /// <summary>Whether <paramref name="backend"/> is a named member of <see cref="Backend"/>.</summary>
    public static bool IsDefined(Backend backend) => backend is Backend.Default or Backend.Async or Backend.Thread or Backend.Serial or Backend.Process;

    /// <summary>
    /// Whether <paramref name="backend"/> fits the byte a handle keeps it in: a named member, or a value a sibling
    /// package gives an executor for (<see cref="WorkflowRunner.Executors"/>); whether a runner runs it is checked at submit.
    /// </summary>
    public static bool IsStorable(Backend backend) => (int)backend is >= 0 and <= byte.MaxValue;
}

/// <summary>
/// Marks a method of a <c>partial</c> class as a workflow task. The Workflowy source generator turns the
/// class's tasks into a typed run object and a validated dependency graph. Option values are checked at compile
/// time (WFY005, WFY007).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class TaskAttribute : Attribute
{
    /// <summary>Declares a task named after its method.</summary>
    public TaskAttribute()
    {
    }

    /// <summary>Declares a task with an explicit name.</summary>
    public TaskAttribute(string name) => Name = name;

    /// <summary>The task's name in the graph (default: the method name). Dependencies may use either.</summary>
    public string? Name { get; set; }

    /// <summary>Where the body runs (default: <see cref="Backend.Default"/>).</summary>
    public Backend Backend { get; set; }

    /// <summary>Additional attempts after a failure (≥ 0; default 0). Do not combine with <see cref="MaxAttempts"/>.</summary>
    public int Retries { get; set; }

    /// <summary>Attempts in all (≥ 1; default 1). Do not combine with <see cref="Retries"/>.</summary>
    public int MaxAttempts { get; set; }

    /// <summary>The delay between attempts (default: <see cref="Workflowy.Backoff.Exponential"/>).</summary>
    public Backoff Backoff { get; set; } = Backoff.Exponential;

    /// <summary>The backoff base in seconds (≥ 0; default 1).</summary>
    public double BackoffBaseSeconds { get; set; } = 1;

    /// <summary>The longest backoff delay in seconds (≥ 0; default 30).</summary>
    public double BackoffCapSeconds { get; set; } = 30;

    /// <summary>Random jitter as a fraction of the delay, between 0 and 1 (default 0): each delay is reduced by up to this fraction.</summary>
    public double BackoffJitter { get; set; }

    /// <summary>The exception types that are retried (default: any exception, except the task's cancellation and its own timeout).</summary>
    public Type[]? RetryOn { get; set; }

    /// <summary>Per-attempt timeout in seconds (&gt; 0; default: none). A timeout is terminal: it is not retried.</summary>
    public double TimeoutSeconds { get; set; }

    /// <summary>What happens when a dependency did not complete (default: <see cref="DependencyFailure.Fail"/>).</summary>
    public DependencyFailure OnDependencyFailure { get; set; }
}

/// <summary>
/// Declares that a task runs after the named tasks. Write <c>[DependsOn(nameof(A), nameof(B))]</c>;
/// the attribute may repeat. A dependency's result flows into the parameter named after it, or into
/// the one parameter its type is assignable to.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class DependsOnAttribute : Attribute
{
    /// <summary>Declares dependencies on the named tasks (task names or method names).</summary>
    public DependsOnAttribute(params string[] tasks) => Tasks = tasks ?? Array.Empty<string>();

    /// <summary>The names of the tasks this task depends on.</summary>
    public string[] Tasks { get; }
}

/// <summary>
/// Marks a <c>partial</c> method declaration (no body) of a workflow class as an entry point the generator
/// implements, as with <c>[GeneratedRegex]</c>: its name, accessibility and parameter order are yours. It returns
/// <c>Task&lt;XRun&gt;</c> (runs to the end, like <c>RunAsync</c>) or <c>XRun</c> (starts, like <c>Start</c>); its
/// parameters are the workflow inputs by name, plus optionally a <see cref="WorkflowRunner"/> and a
/// <see cref="System.Threading.CancellationToken"/>. Mismatches are reported as WFY017 with a fix.
/// </summary>
/// <example><code>[Workflow] public partial Task&lt;CheckoutRun&gt; CheckoutAsync(int cartId, CancellationToken ct);</code></example>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class WorkflowAttribute : Attribute
{
}

/// <summary>
/// Names the source-generated <see cref="System.Text.Json.Serialization.JsonSerializerContext"/> that serialises this
/// workflow's results and inputs for checkpoints (and its run state, side effects and events). Every task result type
/// and input type must be registered in it with <c>[JsonSerializable]</c> (diagnostic WFY019 otherwise). With it, the
/// generator adds <c>ResumeAsync(runId)</c> and results are restored from the store instead of recomputed.
/// </summary>
/// <example><code>[WorkflowSerialization(typeof(CheckoutJson))] public partial class Checkout { ... }</code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
[Conditional("WORKFLOWY_KEEP_ATTRIBUTES")]
public sealed class WorkflowSerializationAttribute : Attribute
{
    /// <summary>Names the serializer context type.</summary>
    public WorkflowSerializationAttribute(Type context) => Context = context;

    /// <summary>The serializer context type.</summary>
    public Type Context { get; }
}
