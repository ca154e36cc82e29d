namespace Workflowy.Tests.Workflows;

/// <summary>Bodies that return null for results declared not nullable (issue 17, item 8), and one that may.</summary>
public sealed partial class NullResultWorkflow
{
    public int DependentCalls;
    public volatile bool ReturnNull = true;

    [Task]
    public string Name() => ReturnNull ? null! : "ada";

    [Task, DependsOn(nameof(Name))]
    public int Length(string name)
    {
        Interlocked.Increment(ref DependentCalls);
        return name.Length;
    }
}

/// <summary>Asynchronous bodies returning null: <c>Task&lt;string&gt;</c> and <c>ValueTask&lt;Order&gt;</c>, after an await.</summary>
public sealed partial class AsyncNullResultWorkflow
{
    public int DependentCalls;

    [Task]
    public async Task<string> Text()
    {
        await Task.Yield();
        return null!;
    }

    [Task]
    public async ValueTask<Order> Order()
    {
        await Task.Yield();
        return null!;
    }

    [Task]
    public Task<string> Ready() => Task.FromResult<string>(null!);

    [Task, DependsOn(nameof(Text))]
    public int Use(string text)
    {
        Interlocked.Increment(ref DependentCalls);
        return text.Length;
    }
}

/// <summary>Results declared nullable, and value types: null (or default) is a result like any other.</summary>
public sealed partial class NullableResultWorkflow
{
    [Task]
    public string? Maybe() => null;

    [Task]
    public async Task<Order?> MaybeLater()
    {
        await Task.Yield();
        return null;
    }

    [Task]
    public int? Number() => null;

    [Task, DependsOn(nameof(Maybe), nameof(MaybeLater), nameof(Number))]
    public string Describe(string? maybe, Order? maybeLater, int? number) => $"{maybe ?? "none"}/{maybeLater?.Id.ToString() ?? "none"}/{number?.ToString() ?? "none"}";
}

#nullable disable
/// <summary>Written without nullable annotations: the compiler knows nothing, so nothing is checked.</summary>
public sealed partial class ObliviousResultWorkflow
{
    [Task]
    public string Name() => null;

    [Task, DependsOn(nameof(Name))]
    public string Echo(string name) => name ?? "was null";
}
#nullable restore
