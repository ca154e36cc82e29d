using System;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.Approval;

/// <summary>What the build produced.</summary>
public sealed record BuildOutput(string Version, string Artifact);

/// <summary>What the tests found.</summary>
public sealed record TestReport(int Passed, int Failed);

/// <summary>The payload of the approval event: who approved, and when.</summary>
public sealed record Approval(string By, DateTimeOffset At);

/// <summary>What was deployed where.</summary>
public sealed record Deployment(string Id, string Environment, string Artifact);

/// <summary>Inputs, results, the approval payload and the deployment id (a recorded side effect).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(BuildOutput))]
[JsonSerializable(typeof(TestReport))]
[JsonSerializable(typeof(Approval))]
[JsonSerializable(typeof(Deployment))]
internal sealed partial class ApprovalJson : JsonSerializerContext
{
}

/// <summary>
/// build → test → approve (waits for the event <c>approved:&lt;runId&gt;</c>) → deploy → notify. Checkpointed: with
/// a store, every completed task is recorded, and <see cref="ResumeAsync"/> continues the run in another process.
/// Each body prints what it does, so the output shows which bodies ran in which process.
/// </summary>
[WorkflowSerialization(typeof(ApprovalJson))]
public sealed partial class DeployWorkflow
{
    [Task]
    public async Task<BuildOutput> Build(string version, CancellationToken cancellationToken)
    {
        Say("build", $"compiling {version}");
        await Task.Delay(300, cancellationToken);
        return new BuildOutput(version, $"shop-{version}.tar.gz");
    }

    [Task, DependsOn(nameof(Build))]
    public async Task<TestReport> Test(BuildOutput build, CancellationToken cancellationToken)
    {
        Say("test", $"testing {build.Artifact}");
        await Task.Delay(300, cancellationToken);
        return new TestReport(Passed: 128, Failed: 0);
    }

    [Task, DependsOn(nameof(Test))]
    public async Task<Approval> Approve(TestReport test, string environment, TaskContext context)
    {
        // One event per run. An event published before the wait counts; one published by another process is found in
        // the store (polled every WorkflowRunner.EventPollInterval).
        var name = $"approved:{context.RunId}";
        Say("approve", $"{test.Passed} tests passed; waiting for '{name}' to deploy to {environment}");
        var approval = await context.WaitForEventAsync<Approval>(name)
            ?? throw new InvalidOperationException($"The event '{name}' carries no approval.");
        Say("approve", $"approved by {approval.By} at {approval.At:u}");
        return approval;
    }

    [Task, DependsOn(nameof(Build), nameof(Approve))]
    public async Task<Deployment> Deploy(BuildOutput build, Approval approve, string environment, TaskContext context)
    {
        // The deployment id is recorded with the run before SideEffectAsync returns: if this task runs again (a crash
        // before its completion was checkpointed), it gets the same id back instead of starting a second rollout.
        var id = await context.SideEffectAsync("rollout", async cancellationToken =>
        {
            var rollout = $"{environment}-{Guid.NewGuid().ToString("N")[..8]}";
            Say("deploy", $"rolling out {build.Artifact} to {environment} as {rollout}");
            await Task.Delay(300, cancellationToken);
            return rollout;
        });
        return new Deployment(id, environment, build.Artifact);
    }

    [Task, DependsOn(nameof(Deploy), nameof(Approve))]
    public string Notify(Deployment deploy, Approval approve)
    {
        var message = $"{deploy.Artifact} is live on {deploy.Environment} (rollout {deploy.Id}, approved by {approve.By})";
        Say("notify", message);
        return message;
    }

    private static void Say(string task, string message) => Console.WriteLine($"  [{task}] {message}");
}
