using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Workflowy;

// A handle's links to other work: its dynamic dependents (readied when it ends) and its children (tasks it submitted,
// runs it started: cancelled when it ends, unless detached).
public partial class TaskHandle
{
    /// <summary>Adds a dynamic dependent; false if this task is already terminal (its outcome must be applied at once).</summary>
    /// <remarks>
    /// The dependents are kept in one field: none, one handle inline (most tasks have one at most), or an array filled
    /// from the start and ended by its first null slot, grown by doubling under a lock on the array.
    /// </remarks>
    internal bool TryAddDependent(TaskHandle dependent)
    {
        while (true)
        {
            var current = Volatile.Read(ref _dependents);
            if (ReferenceEquals(current, Sealed))
            {
                return false;
            }

            if (current is null)
            {
                if (Interlocked.CompareExchange(ref _dependents, dependent, null) is null)
                {
                    return true;
                }

                continue;
            }

            if (current is TaskHandle single)
            {
                if (ReferenceEquals(Interlocked.CompareExchange(ref _dependents, new[] { single, dependent }, single), single))
                {
                    return true;
                }

                continue;
            }

            var array = (TaskHandle?[])current;
            lock (array)
            {
                if (!ReferenceEquals(Volatile.Read(ref _dependents), array))
                {
                    continue;
                }

                // The filled slots are a prefix: find its end by bisection.
                int low = 0, high = array.Length;
                while (low < high)
                {
                    var middle = (low + high) >>> 1;
                    if (array[middle] is null)
                    {
                        high = middle;
                    }
                    else
                    {
                        low = middle + 1;
                    }
                }

                var count = low;

                if (count < array.Length)
                {
                    Volatile.Write(ref array[count], dependent);
                    return true;
                }

                var grown = new TaskHandle?[array.Length * 2];
                Array.Copy(array, grown, array.Length);
                grown[count] = dependent;

                // A compare-exchange, not a write: the dependents may have been sealed since the check above (the
                // sealer then waits for this lock and must find them sealed, not replaced).
                if (ReferenceEquals(Interlocked.CompareExchange(ref _dependents, grown, array), array))
                {
                    return true;
                }

                continue;
            }
        }
    }

    /// <summary>Seals the dynamic dependents (no more can be added) and returns them: null, one handle, or a null-ended array.</summary>
    internal object? SealDependents()
    {
        var current = Interlocked.Exchange(ref _dependents, Sealed);
        if (current is TaskHandle?[] array)
        {
            lock (array)
            {
                // Taking the lock waits for an add in progress.
                return array;
            }
        }

        return current;
    }

    internal void AddChild(object child)
    {
        var extras = Extras;
        var list = Volatile.Read(ref extras.Children);
        if (list is null)
        {
            var created = new List<object>();
            list = Interlocked.CompareExchange(ref extras.Children, created, null) ?? created;
        }

        lock (list)
        {
            list.Add(child);
        }

        if (IsTerminal)
        {
            CancelChildren();
        }
    }

    internal void RemoveChild(object child)
    {
        if (ExtrasOrNull?.Children is { } list)
        {
            lock (list)
            {
                list.Remove(child);
            }
        }
    }

    /// <summary>Cancels the children (submitted tasks, nested runs) that are not detached.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void CancelChildren()
    {
        if (ExtrasOrNull?.Children is { } list)
        {
            CancelChildren(list);
        }
    }

    private static void CancelChildren(List<object> list)
    {

        object[] children;
        lock (list)
        {
            children = list.ToArray();
        }

        foreach (var child in children)
        {
            switch (child)
            {
                case TaskHandle { Detached: false } task:
                    task.Cancel();
                    break;
                case WorkflowRun { IsDetached: false } run:
                    run.Cancel();
                    break;
            }
        }
    }
}
