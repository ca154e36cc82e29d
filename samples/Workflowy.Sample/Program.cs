using System;
using System.Linq;
using System.Diagnostics;
using Workflowy;
using Workflowy.Sample;

var stopwatch = Stopwatch.StartNew();
var workflow = new OrderWorkflow();
var run = await workflow.RunAsync(cartId: 42, customer: "Ada");

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
    Console.WriteLine($"  {task.Name,-10} {task.State,-10} attempts: {task.Attempts}");
}

Console.WriteLine();
Console.WriteLine($"Result: {await run.Confirm}");
Console.WriteLine();
Console.WriteLine("The graph, generated at compile time (Mermaid):");
Console.WriteLine(OrderWorkflow.OrderWorkflowRun.Mermaid);
Console.WriteLine($"Done in {stopwatch.ElapsedMilliseconds} ms.");
return run.Tasks.All(t => t.State == TaskState.Completed) ? 0 : 1;
