using System;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.Hosting.Tests;

[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
internal sealed partial class HostingJson : JsonSerializerContext
{
}

/// <summary>A service a workflow takes in its constructor.</summary>
public interface IGreeting
{
    string Greet(string name);
}

public sealed class Greeting(string salutation) : IGreeting
{
    public string Greet(string name) => $"{salutation}, {name}";
}

/// <summary>No parameterless constructor: made only by the container (the catalogue asks the runner's Services).</summary>
[WorkflowSerialization(typeof(HostingJson))]
public sealed partial class Welcome(IGreeting greeting)
{
    [Task]
    public string Compose(string name) => greeting.Greet(name);

    [Task, DependsOn(nameof(Compose))]
    public int Length(string compose) => compose.Length;
}

/// <summary>
/// What <see cref="Deploy"/> does, per host: counts its bodies and holds its Roll task until <see cref="Release"/>
/// (already released for a host that should run it through).
/// </summary>
public sealed class DeployProbe
{
    private int _prepared;
    private int _rolled;

    public DeployProbe(bool released = false)
    {
        if (released)
        {
            Release.SetResult();
        }
    }

    public TaskCompletionSource RollStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Prepared => Volatile.Read(ref _prepared);

    public int Rolled => Volatile.Read(ref _rolled);

    public void OnPrepare() => Interlocked.Increment(ref _prepared);

    public void OnRolled() => Interlocked.Increment(ref _rolled);
}

/// <summary>Prepare, then a Roll that waits for the probe (cancellably), then Notify; constructed by the container.</summary>
[WorkflowSerialization(typeof(HostingJson))]
public sealed partial class Deploy(DeployProbe probe)
{
    [Task]
    public string Prepare(string version)
    {
        probe.OnPrepare();
        return "pkg-" + version;
    }

    [Task, DependsOn(nameof(Prepare))]
    public async Task<string> Roll(string prepare, CancellationToken cancellationToken)
    {
        probe.RollStarted.TrySetResult();
        await probe.Release.Task.WaitAsync(cancellationToken);
        probe.OnRolled();
        return prepare + " rolled";
    }

    [Task, DependsOn(nameof(Roll))]
    public string Notify(string roll) => roll + ", notified";
}

/// <summary>One task that fails, for the logger from the container.</summary>
public sealed partial class Breaks
{
    [Task]
    public int Fail() => throw new InvalidOperationException("broken on purpose");
}

/// <summary>Two plain tasks, for traces and metrics.</summary>
public sealed partial class Traced
{
    [Task]
    public int Seed(int start) => start + 1;

    [Task, DependsOn(nameof(Seed))]
    public int Double(int seed) => seed * 2;
}
