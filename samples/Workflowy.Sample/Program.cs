using System;
using System.Diagnostics;
using System.Linq;
using Workflowy;
using Workflowy.Cli;
using Workflowy.Sample;

if (args.Length > 0)
{
    // With arguments, the program is a command line for its workflows (docs/cli.md): list, graph, run, runs, show,
    // resume, rerun, cancel, event. ErrorPolicy.Continue: a failing task does not stop the others, and the summary at
    // the end of a run shows it (a logger writing to the terminal would be drawn over by the live display).
    return await WorkflowyCli.RunAsync(args, new WorkflowyCliOptions
    {
        CreateRunner = store => new WorkflowRunner { Store = store, ErrorPolicy = ErrorPolicy.Continue },
    });
}

// Without arguments: the demo run below.

var stopwatch = Stopwatch.StartNew();
var workflow = new OrderWorkflow();

// ErrorPolicy.Log: a failing task is logged and the run goes on; its dependents follow their own policy.
await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Log, Logger = new ConsoleLogger() };
var run = await workflow.RunAsync(cartId: 42, customer: "Ada", runner: runner);

Console.WriteLine($"Workflow {run.Graph.Name}, run {run.RunId}");
Console.WriteLine();
Console.WriteLine("What the tasks did, in order:");
foreach (var line in workflow.Log)
{
    Console.WriteLine($"  {line}");
}

Console.WriteLine();
Console.WriteLine("Task states:");
foreach (var task in run.Tasks)
{
    var why = task.Exception is null ? string.Empty : $"  ({task.Exception.GetType().Name}: {task.Exception.Message})";
    Console.WriteLine($"  {task.Name,-13} {task.State,-10} attempts: {task.Attempts}{why}");
}

Console.WriteLine();
Console.WriteLine($"Result: {run.Confirm.Result}");
Console.WriteLine($"Receipt: {run.SendReceipt.Result}");
Console.WriteLine();
Console.WriteLine("The graph, generated at compile time (Mermaid):");
Console.WriteLine(OrderWorkflow.OrderWorkflowRun.Mermaid);
Console.WriteLine($"Done in {stopwatch.ElapsedMilliseconds} ms.");

var expected = run.Confirm.State == TaskState.Completed
    && run.SendReceipt is { State: TaskState.Completed, Attempts: 2 }
    && run.LoyaltyPoints.State == TaskState.Failed
    && run.ThankYouNote.State == TaskState.Skipped;
return expected ? 0 : 1;
