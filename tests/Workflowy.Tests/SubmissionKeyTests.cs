using System.Collections.Generic;
using Workflowy.Tests.Workflows;

namespace Workflowy.Tests;

/// <summary>
/// An explicit <see cref="TaskOptions.Key"/> identifies one task of a run in its checkpoints, so a second task with the
/// same key is refused, except when it is the same child submitted again by a re-executed parent (retry or rerun).
/// </summary>
public class SubmissionKeyTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SecondSubmission_WithTheSameKey_IsRefused_NamingTheKeyAndTheRun()
    {
        await using var runner = new WorkflowRunner();
        var run = runner.CreateRun("keys");
        var first = run.Submit(new TaskOptions { Key = "invoice-7" }, static () => 1);

        var error = Assert.Throws<ArgumentException>(() => run.Submit(new TaskOptions { Key = "invoice-7" }, static () => 2));

        Assert.Contains("'invoice-7'", error.Message);
        Assert.Contains(run.ToString(), error.Message);
        Assert.Equal("options", error.ParamName);

        // The refused submission left nothing behind: one task, and the run still ends.
        run.Complete();
        await run.Completion.WaitAsync(Guard);
        Assert.Same(first, Assert.Single(run.Tasks.ToArray()));
        Assert.Equal(1, first.Result);
    }

    [Fact]
    public async Task SameKey_IsRefused_AlsoAfterTheFirstTaskCompleted()
    {
        await using var runner = new WorkflowRunner();
        var run = runner.CreateRun("keys");
        var first = run.Submit(new TaskOptions { Key = "a" }, static () => 1);
        await first.AsTask().WaitAsync(Guard);

        Assert.Throws<ArgumentException>(() => run.Submit(new TaskOptions { Key = "a" }, static () => 2));
        var other = run.Submit(new TaskOptions { Key = "b" }, static () => 3);

        run.Complete();
        await run.Completion.WaitAsync(Guard);
        Assert.Equal(3, other.Result);
        Assert.Equal(2, run.Tasks.Count);
    }

    [Fact]
    public async Task SameKey_InAnotherRun_IsAccepted()
    {
        await using var runner = new WorkflowRunner();
        var one = runner.CreateRun("one");
        var two = runner.CreateRun("two");

        var a = one.Submit(new TaskOptions { Key = "k" }, static () => 1);
        var b = two.Submit(new TaskOptions { Key = "k" }, static () => 2);
        await Task.WhenAll(one.CompleteAsync(), two.CompleteAsync()).WaitAsync(Guard);

        Assert.Equal((1, 2), (a.Result, b.Result));
    }

    [Fact]
    public async Task KeyOfAGraphTask_IsRefused()
    {
        var workflow = new ControlledWorkflow();
        var run = workflow.Start();
        try
        {
            var error = Assert.Throws<ArgumentException>(() => run.Submit(new TaskOptions { Key = "First" }, static () => 1));

            Assert.Contains("'First'", error.Message);
            Assert.Contains("graph task", error.Message);
        }
        finally
        {
            workflow.FirstGate.TrySetResult();
            workflow.SideGate.TrySetResult();
        }

        await run.Completion.WaitAsync(Guard);
        Assert.Equal(run.Graph.Count, run.Tasks.Count);
    }

    [Fact]
    public async Task TwoChildren_WithTheSameKey_InOneExecutionOfTheirParent_AreRefused()
    {
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun("keys");
        var parent = run.Submit(new TaskOptions { Name = "parent" }, static ctx =>
        {
            ctx.Run.Submit(new TaskOptions { Key = "child" }, static () => 1);
            ctx.Run.Submit(new TaskOptions { Key = "child" }, static () => 2);
            return 0;
        });
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal(TaskState.Failed, parent.State);
        Assert.IsType<ArgumentException>(parent.Exception);
        Assert.Contains("'child'", parent.Exception!.Message);
        Assert.Equal(2, run.Tasks.Count);
    }

    [Fact]
    public async Task ChildrenOfTwoParents_WithTheSameKey_AreRefused()
    {
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun("keys");
        var left = run.Submit(new TaskOptions { Name = "left" }, static ctx => ctx.Run.Submit(new TaskOptions { Key = "shared" }, static () => 1).Key);
        await left.AsTask().WaitAsync(Guard);
        var right = run.Submit(new TaskOptions { Name = "right" }, static ctx => ctx.Run.Submit(new TaskOptions { Key = "shared" }, static () => 2).Key);
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal("shared", left.Result);
        Assert.Equal(TaskState.Failed, right.State);
        Assert.IsType<ArgumentException>(right.Exception);
    }

    [Fact]
    public async Task ARetriedParent_SubmitsItsKeyedChildAgain()
    {
        await using var runner = new WorkflowRunner();
        var run = runner.CreateRun("keys");
        var children = new List<TaskHandle<int>>();
        var parent = run.Submit(new TaskOptions { Name = "parent", Retries = 2, Backoff = Backoff.None }, async ctx =>
        {
            var attempt = ctx.Attempt;
            var child = ctx.Run.Submit(new TaskOptions { Key = "child" }, () => attempt);
            lock (children)
            {
                children.Add(child);
            }

            await child;
            return attempt < 3 ? throw new InvalidOperationException("again") : attempt;
        });
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal(3, parent.Result);
        Assert.Equal(3, children.Count);
        Assert.All(children, child => Assert.Equal("child", child.Key));
        Assert.Equal(new[] { 1, 2, 3 }, children.Select(child => child.Result).Order());
    }

    [Fact]
    public async Task ARerunParent_SubmitsItsKeyedChildAgain()
    {
        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun("keys");
        var executions = 0;
        var parent = run.Submit(new TaskOptions { Name = "parent" }, ctx =>
        {
            var child = ctx.Run.Submit(new TaskOptions { Key = "child" }, static () => 1);
            return Interlocked.Increment(ref executions) == 1 ? throw new InvalidOperationException("repair me") : child.Key;
        });
        run.Complete();
        await run.Completion.WaitAsync(Guard);
        Assert.Equal(TaskState.Failed, parent.State);

        await run.RerunAsync().WaitAsync(Guard);

        Assert.Equal(TaskState.Completed, parent.State);
        Assert.Equal("child", parent.Result);
        Assert.Equal(2, executions);
    }

    [Fact]
    public async Task ARetriedParent_UnderAStore_LeavesOneRecordForItsKeyedChild()
    {
        var store = new InMemoryWorkflowStore();
        await using var runner = new WorkflowRunner { Store = store, SerializerContext = DurableJson.Default };
        var run = runner.CreateRun("keys");
        var parent = run.Submit(new TaskOptions { Name = "parent", Retries = 1, Backoff = Backoff.None }, static ctx =>
        {
            var child = ctx.Run.Submit(new TaskOptions { Key = "child" }, static () => "done");
            return ctx.Attempt == 1 ? throw new InvalidOperationException("again") : child.Key;
        });
        run.Complete();
        await run.Completion.WaitAsync(Guard);

        Assert.Equal("child", parent.Result);
        var checkpoint = await store.LoadAsync(run.WorkflowKey, run.RunId);
        Assert.Single(checkpoint!.Tasks, t => t.Key == "child");
    }
}
