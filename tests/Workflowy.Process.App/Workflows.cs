using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using Workflowy;

namespace Workflowy.Process.App;

public sealed record Echo(int Pid, int Value);

[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(Echo))]
internal sealed partial class ProcessAppJson : JsonSerializerContext
{
}

/// <summary>Two Process tasks (one depending on the other) and one in-process task.</summary>
[WorkflowSerialization(typeof(ProcessAppJson))]
public sealed partial class ProcessWorkflow
{
    [Task(Backend = Backend.Process)]
    public static Echo Square(int value) => new(Environment.ProcessId, value * value);

    [Task(Backend = Backend.Process), DependsOn(nameof(Square))]
    public static async Task<string> Describe(Echo square, string label)
    {
        await Task.Yield();
        return $"{label}:{square.Value}@{square.Pid}";
    }

    [Task]
    public static int InParent() => Environment.ProcessId;
}

/// <summary>Six independent Process tasks, for the bound on children.</summary>
[WorkflowSerialization(typeof(ProcessAppJson))]
public sealed partial class WideWorkflow
{
    [Task(Backend = Backend.Process)] public static int A(TaskContext context) => Pid(context);
    [Task(Backend = Backend.Process)] public static int B(TaskContext context) => Pid(context);
    [Task(Backend = Backend.Process)] public static int C(TaskContext context) => Pid(context);
    [Task(Backend = Backend.Process)] public static int D(TaskContext context) => Pid(context);
    [Task(Backend = Backend.Process)] public static int E(TaskContext context) => Pid(context);
    [Task(Backend = Backend.Process)] public static int F(TaskContext context) => Pid(context);

    private static int Pid(TaskContext context)
    {
        context.ReportProgress(0.5, "running");
        return Environment.ProcessId;
    }
}

/// <summary>A child that misbehaves on the first attempt only (the task retries once); the second returns its pid.</summary>
[WorkflowSerialization(typeof(ProcessAppJson))]
public sealed partial class CrashOnceWorkflow
{
    [Task(Backend = Backend.Process, Retries = 1, Backoff = Backoff.None)]
    public static int OnceThenPid(string mode, TaskContext context)
    {
        if (context.Attempt == 1)
        {
            Misbehaviour.Act(mode, context);
        }

        return Environment.ProcessId;
    }
}

/// <summary>A child that misbehaves on its only attempt.</summary>
[WorkflowSerialization(typeof(ProcessAppJson))]
public sealed partial class CrashAlwaysWorkflow
{
    [Task(Backend = Backend.Process)]
    public static int Always(string mode, TaskContext context)
    {
        Misbehaviour.Act(mode, context);
        return Environment.ProcessId;
    }
}

/// <summary>The ways a child ends badly, by name.</summary>
internal static class Misbehaviour
{
    public static void Act(string mode, TaskContext context)
    {
        switch (mode)
        {
            case "failfast":
                Environment.FailFast("A deliberate fail-fast in a Process task.");
                break;
            case "stackoverflow":
                Recurse(0);
                break;
            case "oom":
                var hog = new List<byte[]>();
                while (true)
                {
                    var block = new byte[16 * 1024 * 1024];
                    block.AsSpan().Fill(1);
                    hog.Add(block);
                }

            case "exit":
                Environment.Exit(42);
                break;
            case "throw":
                throw new InvalidOperationException("A deliberate failure in the child.");
            case "block":
                // Tells the parent who it is (progress crosses the pipe), then never returns: to be killed.
                context.ReportProgress(0.5, "pid:" + Environment.ProcessId);
                Thread.Sleep(Timeout.Infinite);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Recurse(int depth) => Recurse(depth + 1) + 1;
}

/// <summary>A Process task that blocks until killed, with a timeout.</summary>
[WorkflowSerialization(typeof(ProcessAppJson))]
public sealed partial class HungWorkflow
{
    [Task(Backend = Backend.Process, TimeoutSeconds = 30)]
    public static int Hang(TaskContext context)
    {
        context.ReportProgress(0.5, "pid:" + Environment.ProcessId);
        Thread.Sleep(Timeout.Infinite);
        return 0;
    }
}
