using System;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Workflowy.Benchmarks.Graphs;

namespace Workflowy.Benchmarks;

/// <summary>
/// Large dynamic graphs, each run in the same process by Workflowy (<c>run.Submit</c>) and by its baselines: the
/// synchronous topological loop (the floor), hand-written async/await over <c>Task&lt;int&gt;</c>s, TPL Dataflow (a
/// block per node, and one <c>TransformBlock</c> where the shape allows), and the minimal scheduler (the baseline of the
/// ratio column: the practical limit). Trivial bodies; every invocation builds and runs the whole graph and checks its
/// checksum. Figures are per task (<c>OperationsPerInvoke</c>). Run one scenario at a time, e.g.
/// <c>--filter '*IndependentTasks*'</c>.
/// </summary>
[Config(typeof(GraphBenchmarkConfig))]
[MemoryDiagnoser]
public abstract class DynamicGraphBenchmarks
{
    private WorkflowRunner _runner = null!;
    private int _expected;

    /// <summary>The scenario's graph.</summary>
    protected Dag Graph { get; private set; } = null!;

    /// <summary>Makes the graph and the runner, and computes the expected checksum with the floor.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Graph = CreateGraph();
        _runner = new WorkflowRunner();
        _expected = Floor.Run(Graph);
    }

    /// <summary>Disposes the runner.</summary>
    [GlobalCleanup]
    public void Cleanup() => _runner.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Creates the scenario's graph.</summary>
    protected abstract Dag CreateGraph();

    /// <summary>The floor.</summary>
    protected int RunFloor() => Check(Floor.Run(Graph));

    /// <summary>Hand-written async/await.</summary>
    protected async Task<int> RunHandWrittenAsync() => Check(await HandWrittenAsync.RunAsync(Graph).ConfigureAwait(false));

    /// <summary>Dataflow, one block per node.</summary>
    protected async Task<int> RunDataflowBlockPerNode() => Check(await DataflowGraphs.BlockPerNodeAsync(Graph).ConfigureAwait(false));

    /// <summary>The minimal scheduler, one worker per core.</summary>
    protected async Task<int> RunMinimalScheduler() => Check(await MinimalScheduler.RunAsync(Graph, Environment.ProcessorCount).ConfigureAwait(false));

    /// <summary>The minimal scheduler before 2026-12-03 (one shared channel), for comparison.</summary>
    protected async Task<int> RunChannelScheduler() => Check(await ChannelScheduler.RunAsync(Graph, Environment.ProcessorCount).ConfigureAwait(false));

    /// <summary>Workflowy: <c>CreateRun</c>, <c>Submit</c> per node, <c>Complete</c>, <c>await Completion</c>.</summary>
    protected async Task<int> RunWorkflowy() => Check(await WorkflowySubmit.RunAsync(_runner, Graph).ConfigureAwait(false));

    /// <summary>Workflowy, the whole graph submitted to a run created with <c>startNow: false</c>, then started.</summary>
    protected async Task<int> RunWorkflowySubmitThenStart() => Check(await WorkflowySubmit.RunAsync(_runner, Graph, startNow: false).ConfigureAwait(false));

    /// <summary>Fails the benchmark when an implementation computed a wrong result.</summary>
    protected int Check(int checksum) => checksum == _expected
        ? checksum
        : throw new InvalidOperationException($"{Graph.Name}: checksum {checksum}, expected {_expected}.");
}

/// <summary>(A) 100,000 independent tasks.</summary>
public class IndependentTasks : DynamicGraphBenchmarks
{
    private const int Tasks = 100_000;

    /// <inheritdoc />
    protected override Dag CreateGraph() => Dag.Independent(Tasks);

    /// <summary>The floor.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public int Floor() => RunFloor();

    /// <summary>Hand-written async/await.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> HandWrittenAsync() => RunHandWrittenAsync();

    /// <summary>Dataflow, one block per node.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> DataflowBlockPerNode() => RunDataflowBlockPerNode();

    /// <summary>Dataflow, one TransformBlock.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public async Task<int> DataflowOneBlock() => Check(await DataflowGraphs.OneBlockIndependentAsync(Tasks).ConfigureAwait(false));

    /// <summary>The minimal scheduler.</summary>
    [Benchmark(OperationsPerInvoke = Tasks, Baseline = true)]
    public Task<int> MinimalScheduler() => RunMinimalScheduler();

    /// <summary>The minimal scheduler before 2026-12-03.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> ChannelScheduler() => RunChannelScheduler();

    /// <summary>Workflowy.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> Workflowy() => RunWorkflowy();

    /// <summary>Workflowy: the graph submitted to a run that starts after (<c>CreateRun(name, startNow: false)</c>).</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> WorkflowySubmitThenStart() => RunWorkflowySubmitThenStart();
}

/// <summary>(B) A chain of 10,000 tasks, each consuming the previous result.</summary>
public class ChainOfTasks : DynamicGraphBenchmarks
{
    private const int Tasks = 10_000;

    /// <inheritdoc />
    protected override Dag CreateGraph() => Dag.Chain(Tasks);

    /// <summary>The floor.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public int Floor() => RunFloor();

    /// <summary>Hand-written async/await.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> HandWrittenAsync() => RunHandWrittenAsync();

    /// <summary>Dataflow, one block per node.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> DataflowBlockPerNode() => RunDataflowBlockPerNode();

    /// <summary>The minimal scheduler.</summary>
    [Benchmark(OperationsPerInvoke = Tasks, Baseline = true)]
    public Task<int> MinimalScheduler() => RunMinimalScheduler();

    /// <summary>The minimal scheduler before 2026-12-03.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> ChannelScheduler() => RunChannelScheduler();

    /// <summary>Workflowy.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> Workflowy() => RunWorkflowy();

    /// <summary>Workflowy: the graph submitted to a run that starts after (<c>CreateRun(name, startNow: false)</c>).</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> WorkflowySubmitThenStart() => RunWorkflowySubmitThenStart();
}

/// <summary>(C) 100 layers of 1,000 tasks, each depending on 2 tasks of the previous layer (fixed seed).</summary>
public class LayeredTasks : DynamicGraphBenchmarks
{
    private const int Layers = 100;
    private const int Width = 1_000;
    private const int Tasks = Layers * Width;

    /// <inheritdoc />
    protected override Dag CreateGraph() => Dag.Layered(Layers, Width);

    /// <summary>The floor.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public int Floor() => RunFloor();

    /// <summary>Hand-written async/await.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> HandWrittenAsync() => RunHandWrittenAsync();

    /// <summary>Dataflow, one block per node.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> DataflowBlockPerNode() => RunDataflowBlockPerNode();

    /// <summary>The minimal scheduler.</summary>
    [Benchmark(OperationsPerInvoke = Tasks, Baseline = true)]
    public Task<int> MinimalScheduler() => RunMinimalScheduler();

    /// <summary>The minimal scheduler before 2026-12-03.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> ChannelScheduler() => RunChannelScheduler();

    /// <summary>Workflowy.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> Workflowy() => RunWorkflowy();

    /// <summary>Workflowy: the graph submitted to a run that starts after (<c>CreateRun(name, startNow: false)</c>).</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> WorkflowySubmitThenStart() => RunWorkflowySubmitThenStart();
}

/// <summary>(D) 1 → 10,000 → 1: one task, 10,000 depending on it, one depending on them all.</summary>
public class FanOutFanIn : DynamicGraphBenchmarks
{
    private const int Width = 10_000;
    private const int Tasks = Width + 2;

    /// <inheritdoc />
    protected override Dag CreateGraph() => Dag.FanOutFanIn(Width);

    /// <summary>The floor.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public int Floor() => RunFloor();

    /// <summary>Hand-written async/await.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> HandWrittenAsync() => RunHandWrittenAsync();

    /// <summary>Dataflow, one block per node.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> DataflowBlockPerNode() => RunDataflowBlockPerNode();

    /// <summary>Dataflow, one TransformBlock over the fan-out.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public async Task<int> DataflowOneBlock() => Check(await DataflowGraphs.OneBlockFanOutFanInAsync(Width).ConfigureAwait(false));

    /// <summary>The minimal scheduler.</summary>
    [Benchmark(OperationsPerInvoke = Tasks, Baseline = true)]
    public Task<int> MinimalScheduler() => RunMinimalScheduler();

    /// <summary>The minimal scheduler before 2026-12-03.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> ChannelScheduler() => RunChannelScheduler();

    /// <summary>Workflowy.</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> Workflowy() => RunWorkflowy();

    /// <summary>Workflowy: the graph submitted to a run that starts after (<c>CreateRun(name, startNow: false)</c>).</summary>
    [Benchmark(OperationsPerInvoke = Tasks)]
    public Task<int> WorkflowySubmitThenStart() => RunWorkflowySubmitThenStart();
}
