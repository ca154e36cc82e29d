using Workflowy.Tests.Workflows;

namespace Workflowy.Tests;

/// <summary>
/// A body that returns null for a result type declared not nullable fails its task with a message naming it, instead of
/// handing null to its dependents (issue 17, item 8).
/// </summary>
public sealed class NullResultTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ASynchronousBodyReturningNull_ForANonNullableResult_FailsItsTask_NamingIt()
    {
        var workflow = new NullResultWorkflow();
        var run = workflow.Start(new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue });
        await run.Completion.WaitAsync(Guard);

        Assert.Equal(TaskState.Failed, run.Name.State);
        var error = Assert.IsType<WorkflowException>(run.Name.Exception);
        Assert.Equal("Task 'Name' in run " + run.RunId + " returned null, but its result type string is not nullable; return a value, or declare the result string?.", error.Message);
        Assert.Equal(("Name", run.RunId), (error.TaskName, error.RunId));
        Assert.Equal(TaskState.Failed, run.Length.State);
        Assert.IsType<DependencyFailedException>(run.Length.Exception);
        Assert.Equal(0, workflow.DependentCalls);
    }

    [Fact]
    public async Task UnderErrorPolicyRaise_TheRunFailsWithThatError()
    {
        var workflow = new NullResultWorkflow();
        var error = await Assert.ThrowsAsync<WorkflowException>(() => workflow.RunAsync().WaitAsync(Guard));

        Assert.Contains("returned null, but its result type string is not nullable", error.Message);
        Assert.Equal(0, workflow.DependentCalls);
    }

    [Fact]
    public async Task AsynchronousBodiesReturningNull_FailTheirTasks_TaskAndValueTask()
    {
        var workflow = new AsyncNullResultWorkflow();
        var run = workflow.Start(new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue });
        await run.Completion.WaitAsync(Guard);

        Assert.Contains("Task 'Text' in run " + run.RunId + " returned null, but its result type string is not nullable", Assert.IsType<WorkflowException>(run.Text.Exception).Message);
        Assert.Contains("Task 'Order' in run " + run.RunId + " returned null, but its result type Workflowy.Tests.Workflows.Order is not nullable; return a value, or declare the result Workflowy.Tests.Workflows.Order?.", Assert.IsType<WorkflowException>(run.Order.Exception).Message);
        Assert.Contains("Task 'Ready' in run " + run.RunId + " returned null", Assert.IsType<WorkflowException>(run.Ready.Exception).Message);
        Assert.IsType<DependencyFailedException>(run.Use.Exception);
        Assert.Equal(0, workflow.DependentCalls);
    }

    [Fact]
    public async Task NullableResultsAndValueTypes_MayBeNull()
    {
        var run = await new NullableResultWorkflow().RunAsync().WaitAsync(Guard);

        Assert.Equal("none/none/none", run.Describe.Result);
    }

    [Fact]
    public async Task WithoutNullableAnnotations_NothingIsChecked()
    {
        var run = await new ObliviousResultWorkflow().RunAsync().WaitAsync(Guard);

        Assert.Null(run.Name.Result);
        Assert.Equal("was null", run.Echo.Result);
    }

    [Fact]
    public async Task ARetriedTask_ThatReturnsAValueLater_Completes()
    {
        var workflow = new NullResultWorkflow();
        var runner = new WorkflowRunner();
        var run = workflow.Start(runner);
        await Assert.ThrowsAsync<WorkflowException>(() => run.Completion.WaitAsync(Guard));

        workflow.ReturnNull = false;
        await run.RerunAsync().WaitAsync(Guard);
        Assert.Equal(3, run.Length.Result);
    }
}
