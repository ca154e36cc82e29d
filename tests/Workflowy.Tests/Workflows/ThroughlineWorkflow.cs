using System.Collections.Concurrent;
using System.Collections.Generic;
using Microsoft.Extensions.Logging;

namespace Workflowy.Tests.Workflows;

/// <summary>Tasks on every backend that record the throughline they see, and log through a logger.</summary>
public sealed partial class ThroughlineWorkflow
{
    public readonly ConcurrentDictionary<string, string> Chains = new();
    public ILogger? Logger;

    [Task(Backend = Backend.Async)]
    public async Task<int> Fetch()
    {
        await Task.Yield();
        Chains["Fetch"] = string.Join(" > ", Throughline.Chain);
        Logger?.LogInformation("fetching");
        return 1;
    }

    [Task(Backend = Backend.Thread), DependsOn(nameof(Fetch))]
    public int Crunch(int fetch)
    {
        Chains["Crunch"] = string.Join(" > ", Throughline.Chain);
        Chains["Crunch/Task.Run"] = Task.Run(() => string.Join(" > ", Throughline.Chain)).GetAwaiter().GetResult();
        return fetch + 1;
    }

    [Task(Backend = Backend.Serial), DependsOn(nameof(Fetch))]
    public int Write(int fetch)
    {
        Chains["Write"] = string.Join(" > ", Throughline.Chain);
        return fetch + 2;
    }

    [Task, DependsOn(nameof(Crunch), nameof(Write))]
    public async Task<string> Spawn(int crunch, int write, TaskContext context)
    {
        var child = context.Run.Submit(new TaskOptions { Name = "child" }, c =>
        {
            using (Throughline.Push("inner-step"))
            {
                Chains["child"] = string.Join(" > ", Throughline.Chain);
            }

            return crunch + write;
        });
        return $"sum {await child}";
    }

    [Task(OnDependencyFailure = DependencyFailure.Skip), DependsOn(nameof(Spawn))]
    public void Explode(string spawn)
    {
        using (Throughline.Push("fetch-prices"))
        {
            throw new InvalidOperationException("price service down");
        }
    }
}
