namespace Workflowy.Tests.Workflows;

/// <summary>Entry points declared by the user and implemented by the generator.</summary>
public sealed partial class EntryWorkflow
{
    [Task]
    public int Double(int value) => value * 2;

    [Task, DependsOn(nameof(Double))]
    public string Show(int @double, string label) => $"{label}={@double}";

    /// <summary>Runs to the end; inputs in the order I like.</summary>
    [Workflow]
    public partial Task<EntryWorkflowRun> ComputeAsync(string label, int value, CancellationToken ct);

    /// <summary>Starts and returns at once, with a runner.</summary>
    [Workflow]
    internal partial EntryWorkflowRun Launch(WorkflowRunner runner, int value, string label);
}
