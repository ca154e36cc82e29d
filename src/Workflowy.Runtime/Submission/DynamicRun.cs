using System;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// A run of dynamic tasks only (<see cref="WorkflowRunner.CreateRun(string)"/>). It stays open for submissions until
/// <see cref="Complete"/> is called, then ends when its tasks are terminal.
/// </summary>
public sealed class DynamicRun : WorkflowRun
{
    private int _begun;

    internal DynamicRun(string name, WorkflowRunner runner, string? runId = null, bool startNow = true)
        : this(name, runner, runId, startNow, ambient: false)
    {
    }

    private DynamicRun(string name, WorkflowRunner runner, string? runId, bool startNow, bool ambient)
        : base(WorkflowGraph.Empty(name), runner, open: true)
    {
        if (ambient)
        {
            MarkAmbient();
        }

        UseRunId(runId);
        if (startNow)
        {
            Start();
        }
        else
        {
            // Submissions made before Start run in the creator's context, like the run's own.
            CaptureContext();
        }
    }

    /// <summary>
    /// The runner's own run of dynamic tasks, behind <see cref="WorkflowRunner.Submit{T}(Func{TaskContext, T}, ReadOnlySpan{TaskHandle})"/>:
    /// unrelated submissions share it, so a failure is raised to whoever awaits the failed task and the other tasks
    /// still run, whatever the runner's <see cref="ErrorPolicy"/>.
    /// </summary>
    internal static DynamicRun CreateAmbient(WorkflowRunner runner) => new("runner", runner, runId: null, startNow: true, ambient: true);

    /// <summary>
    /// Starts a run created with <c>startNow: false</c> (<see cref="WorkflowRunner.CreateRun(string, bool)"/>): the
    /// tasks submitted so far that have no unfinished dependency are queued together, and the rest follow as their
    /// dependencies end. Submitting a whole graph first and starting it after is cheaper than racing the workers with
    /// it: a chain then runs on one worker without a hand-over per task. Throws if the run has started.
    /// </summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _begun, 1) != 0)
        {
            throw new InvalidOperationException($"{this} has already started.");
        }

        Begin(CancellationToken.None);
    }

    /// <summary>
    /// No more submissions from outside its tasks: the run ends once every task is terminal. A run not started yet is
    /// started.
    /// </summary>
    public void Complete()
    {
        if (Volatile.Read(ref _begun) == 0 && Interlocked.Exchange(ref _begun, 1) == 0)
        {
            Begin(CancellationToken.None);
        }

        ReleaseHold();
    }

    /// <summary>Completes the run and waits for it to end.</summary>
    public Task CompleteAsync()
    {
        Complete();
        return Completion;
    }

    /// <inheritdoc />
    protected override ValueTask ExecuteAsync(int index, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("A dynamic run has no graph tasks.");

    /// <inheritdoc />
    protected override bool ObservesCancellation(int index) => false;
}
