using System;
using System.Linq;
using Workflowy;
using Workflowy.Process.App;

// The one line an application adds for Backend.Process: a child started by the runner becomes a worker here.
// (--without-worker-hook exists only so that a test can show what happens when an application lacks that line.)
if (WorkflowyProcessWorker.IsWorker && !args.Contains("--without-worker-hook"))
{
    return await WorkflowyProcessWorker.RunAsync();
}

if (args.Contains("--without-worker-hook"))
{
    Console.WriteLine("An application that forgot the worker hook and just prints this.");
    return 0;
}

// Run as an application: the workflow's Process tasks run in children of this process.
var run = await new ProcessWorkflow().RunAsync(7, "seven");
Console.WriteLine($"{run.Describe.Result} (parent {Environment.ProcessId})");
return 0;
