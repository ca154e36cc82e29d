namespace Workflowy.Tests.Workflows;

/// <summary>
/// A task that fails at once, one that starts next to it, and a dependent of the first on the serial backend (which a
/// test gives to an executor that holds what it is given): for a failure that ends the run while it is starting.
/// </summary>
public sealed partial class FailsWhileStartingWorkflow
{
    [Task]
    public int Failing() => throw new FormatException("fails");

    [Task]
    public int Pause() => 0;

    [Task(Backend = Backend.Serial), DependsOn(nameof(Failing))]
    public int Dependent(int failing) => failing;
}
