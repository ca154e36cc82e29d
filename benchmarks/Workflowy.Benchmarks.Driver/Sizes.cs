using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Workflowy;

/// <summary>Instance sizes of the objects a task allocates, measured by allocating them uninitialized.</summary>
public static class Sizes
{
    /// <summary>Prints each type's size in bytes.</summary>
    public static void Print()
    {
        var runtime = typeof(TaskHandle).Assembly;
        var types = new (string Name, Type Type)[]
        {
            ("TaskHandle<int>", typeof(TaskHandle<int>)),
            ("TaskHandle", typeof(TaskHandle)),
            ("SubmittedTask<int> (Submit(() => ...))", runtime.GetType("Workflowy.SubmittedTask`1")!.MakeGenericType(typeof(int))),
            ("SubmittedTask<int, int> (Submit(a, x => ...))", runtime.GetType("Workflowy.SubmittedTask`2")!.MakeGenericType(typeof(int), typeof(int))),
            ("SubmittedTask<int, int, int> (Submit(a, b, ...))", runtime.GetType("Workflowy.SubmittedTask`3")!.MakeGenericType(typeof(int), typeof(int), typeof(int))),
            ("TaskContext", typeof(TaskContext)),
            ("ThroughlineFrame", typeof(ThroughlineFrame)),
            ("List<TaskHandle>", typeof(List<TaskHandle>)),
            ("ExecutionContext", typeof(System.Threading.ExecutionContext)),
        };
        foreach (var (name, type) in types)
        {
            Console.WriteLine($"{name,-48} {SizeOf(type),5} B");
        }

        Console.WriteLine($"{"string 'task-12345'",-34} {SizeOfString("task-12345"),5} B");
        Console.WriteLine($"{"string 'submitted/12345'",-34} {SizeOfString("submitted/12345"),5} B");
        Console.WriteLine($"{"TaskHandle[1]",-34} {SizeOfArray(1),5} B");
        Console.WriteLine($"{"TaskHandle[2]",-34} {SizeOfArray(2),5} B");
        Console.WriteLine($"{"TaskHandle[4] (List's first array)",-34} {SizeOfArray(4),5} B");
        var local = new System.Threading.AsyncLocal<object?>();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            local.Value = i % 2 == 0 ? local : null;
        }

        Console.WriteLine($"{"AsyncLocal set (EC + value map)",-34} {(GC.GetAllocatedBytesForCurrentThread() - before) / 1000,5} B");
        _ = runtime;
    }

    private static long SizeOf(Type type)
    {
        RuntimeHelpers.GetUninitializedObject(type);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            RuntimeHelpers.GetUninitializedObject(type);
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
    }

    private static long SizeOfString(string s)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            _ = new string(s.AsSpan());
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
    }

    private static long SizeOfArray(int length)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            _ = new TaskHandle[length];
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
    }
}
