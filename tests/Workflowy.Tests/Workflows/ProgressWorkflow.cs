namespace Workflowy.Tests.Workflows;

/// <summary>A task that reports progress part way, then completes.</summary>
public partial class ProgressWorkflow
{
    [Task]
    public int Report(TaskContext context)
    {
        context.ReportProgress(0.25, "a quarter");
        context.ReportProgress(0.5, "half");
        return 1;
    }

    [Task, DependsOn(nameof(Report))]
    public int After(int report) => report + 1;
}
