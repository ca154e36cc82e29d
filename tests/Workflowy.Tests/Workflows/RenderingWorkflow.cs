using System.IO;

namespace Workflowy.Tests.Workflows;

/// <summary>
/// A run that ends with every terminal state, deterministically, when run under <see cref="ErrorPolicy.Continue"/>
/// (for the rendering tests and the picture in docs/graphs.md):
/// <list type="bullet">
/// <item><c>Extract</c>, <c>Summarize</c>, <c>Publish</c>: completed.</item>
/// <item><c>Transform</c>: completed on its second attempt.</item>
/// <item><c>Validate</c>: failed after 3 attempts; <c>Load</c> (depends on it): failed; <c>Audit</c>: skipped.</item>
/// <item><c>Archive</c>: cancels itself, cancelled; <c>Cleanup</c> (RunAnyway) runs after it: completed.</item>
/// </list>
/// Depths 0 to 4; <c>Extract → Publish</c> and <c>Archive → Cleanup</c> span several rows.
/// </summary>
public sealed partial class RenderingWorkflow
{
    private int _transformFailures = 1;

    [Task]
    public int Extract() => 42;

    [Task]
    public void Archive(TaskContext context)
    {
        context.Task.Cancel();
        context.CancellationToken.ThrowIfCancellationRequested();
    }

    [Task(Retries = 2, Backoff = Backoff.None), DependsOn(nameof(Extract))]
    public int Validate(int extract) => throw new InvalidDataException($"row {extract}: bad date");

    [Task(Retries = 1, Backoff = Backoff.None), DependsOn(nameof(Extract))]
    public int Transform(int extract) =>
        Interlocked.Decrement(ref _transformFailures) >= 0 ? throw new IOException("transient") : extract + 1;

    [Task, DependsOn(nameof(Validate), nameof(Transform))]
    public int Load(int validate, int transform) => validate + transform;

    [Task(OnDependencyFailure = DependencyFailure.Skip), DependsOn(nameof(Validate))]
    public int Audit(int validate) => validate;

    [Task, DependsOn(nameof(Transform))]
    public string Summarize(int transform) => $"rows: {transform}";

    [Task, DependsOn(nameof(Summarize), nameof(Extract))]
    public string Publish(string summarize, int extract) => $"{summarize} of {extract}";

    [Task(OnDependencyFailure = DependencyFailure.RunAnyway), DependsOn(nameof(Archive), nameof(Publish))]
    public string Cleanup(string? publish) => publish ?? "nothing";
}
