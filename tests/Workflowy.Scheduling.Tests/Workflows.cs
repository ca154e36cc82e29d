using System.Collections.Concurrent;
using System.Text.Json.Serialization;

namespace Workflowy.Scheduling.Tests;

/// <summary>Gates that test workflows wait on, by key (tests run in parallel: each uses its own key).</summary>
public static class Gates
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> All = new();

    public static TaskCompletionSource For(string key) => All.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Opens the gate: bodies waiting on it, and those that come to it later, go on (until <see cref="Reset"/>).</summary>
    public static void Release(string key) => For(key).TrySetResult();

    /// <summary>Closes the gate again for the bodies that come to it from now on.</summary>
    public static void Reset(string key) => All.TryRemove(key, out _);
}

/// <summary>Completes at once.</summary>
[WorkflowSerialization(typeof(TestJson))]
public partial class Tick
{
    [Task] public int One() => 1;
}

/// <summary>Waits until the test releases the gate named by <c>key</c>.</summary>
[WorkflowSerialization(typeof(TestJson))]
public partial class Blocking
{
    [Task] public async Task<int> Wait(string key, System.Threading.CancellationToken cancellationToken)
    {
        // The token lets the runner's disposal end a run the test never released.
        await Gates.For(key).Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return 1;
    }
}

/// <summary>Records the inputs it was started with.</summary>
[WorkflowSerialization(typeof(TestJson))]
public partial class OrderHandler
{
    public static readonly ConcurrentQueue<(string Key, int OrderId)> Seen = new();

    [Task] public int Handle(string key, int orderId)
    {
        Seen.Enqueue((key, orderId));
        return orderId;
    }
}

/// <summary>A source for status triggers: completes with 42, or fails as told.</summary>
[WorkflowSerialization(typeof(TestJson))]
public partial class Importer
{
    [Task] public int Import(string tenant, string fail)
    {
        return fail switch
        {
            "timeout" => throw new TimeoutException("slow"),
            "other" => throw new InvalidOperationException("broken"),
            _ => 42,
        };
    }
}

/// <summary>Started by a status trigger with the source's result.</summary>
[WorkflowSerialization(typeof(TestJson))]
public partial class AfterImport
{
    public static readonly ConcurrentQueue<(string Key, int Result)> Seen = new();

    [Task] public int Use(string key, int result)
    {
        Seen.Enqueue((key, result));
        return result;
    }
}

/// <summary>Two workflows triggering each other on completion (case 26).</summary>
[WorkflowSerialization(typeof(TestJson))]
public partial class PingFlow
{
    [Task] public int Ping(string key) => 1;
}

[WorkflowSerialization(typeof(TestJson))]
public partial class PongFlow
{
    [Task] public int Pong(string key) => 2;
}

/// <summary>Started by a composite trigger; records the condition that fired it.</summary>
[WorkflowSerialization(typeof(TestJson))]
public partial class Joined
{
    public static readonly ConcurrentQueue<(string Key, string Condition)> Seen = new();

    [Task] public int Note(string key, string condition)
    {
        Seen.Enqueue((key, condition));
        return 1;
    }
}

[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(DateTimeOffset))]
internal partial class TestJson : JsonSerializerContext
{
}
