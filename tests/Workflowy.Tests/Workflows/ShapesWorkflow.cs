namespace Workflowy.Tests.Workflows;

/// <summary>Every supported return shape, static and instance methods, and the injected parameters.</summary>
public sealed partial class ShapesWorkflow
{
    public int VoidCalls;
    public int TaskCalls;
    public int ValueTaskCalls;
    public TaskContext? SeenContext;
    public bool SawCancellableToken;

    [Task]
    public void Void() => Interlocked.Increment(ref VoidCalls);

    [Task]
    public static int Value() => 7;

    [Task]
    [DependsOn(nameof(Void))]
    public async Task PlainTask()
    {
        await Task.Yield();
        Interlocked.Increment(ref TaskCalls);
    }

    [Task]
    [DependsOn(nameof(Value))]
    public static async Task<int> TaskOfT(int value)
    {
        await Task.Yield();
        return value * 2;
    }

    [Task]
    public ValueTask PlainValueTask()
    {
        Interlocked.Increment(ref ValueTaskCalls);
        return default;
    }

    [Task]
    [DependsOn(nameof(TaskOfT))]
    public ValueTask<string> ValueTaskOfT(int taskOfT, TaskContext context, CancellationToken token)
    {
        SeenContext = context;
        SawCancellableToken = token.CanBeCanceled;
        return new ValueTask<string>($"{context.TaskName}:{taskOfT}");
    }

    [Task(Name = "final-step")]
    [DependsOn(nameof(PlainTask), nameof(PlainValueTask), "ValueTaskOfT")]
    public string? Final(string valueTaskOfT) => valueTaskOfT.Length > 100 ? null : valueTaskOfT.ToUpperInvariant();
}
