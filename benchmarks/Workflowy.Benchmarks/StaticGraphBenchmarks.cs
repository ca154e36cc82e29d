using System;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using Workflowy.Benchmarks.Workflows;

namespace Workflowy.Benchmarks;

/// <summary>
/// The static graph: the generated 10-task <see cref="DiamondWorkflow"/> (layers 1-2-4-2-1, one asynchronous task) run
/// end to end with <c>RunAsync</c>, against the same graph hand-written with async/await and <c>Task.WhenAll</c>
/// (the baseline: synchronous bodies on the thread pool, as parallel as the workflow's), and the cheapest hand-written
/// program (synchronous bodies inline). Figures are per run of 10 tasks.
/// </summary>
[Config(typeof(GraphBenchmarkConfig))]
[MemoryDiagnoser]
public class StaticGraph
{
    private const int Seed = 3;
    private readonly DiamondWorkflow _workflow = new();
    private WorkflowRunner _runner = null!;
    private int _expected;

    /// <summary>Makes the runner and the expected result.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _runner = new WorkflowRunner();
        _expected = DiamondHandWritten.InlineAsync(_workflow, Seed).GetAwaiter().GetResult();
    }

    /// <summary>Disposes the runner.</summary>
    [GlobalCleanup]
    public void Cleanup() => _runner.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Hand-written: layers joined with Task.WhenAll, synchronous bodies with Task.Run.</summary>
    [Benchmark(Baseline = true)]
    public async Task<int> HandWrittenWhenAll() => Check(await DiamondHandWritten.ParallelAsync(_workflow, Seed).ConfigureAwait(false));

    /// <summary>Hand-written: synchronous bodies inline, the asynchronous one awaited.</summary>
    [Benchmark]
    public async Task<int> HandWrittenInline() => Check(await DiamondHandWritten.InlineAsync(_workflow, Seed).ConfigureAwait(false));

    /// <summary>The generated workflow: <c>RunAsync</c>, then the last task's result.</summary>
    [Benchmark]
    public async Task<int> Workflowy()
    {
        var run = await _workflow.RunAsync(Seed, _runner).ConfigureAwait(false);
        return Check(run.E.Result);
    }

    private int Check(int result) => result == _expected
        ? result
        : throw new InvalidOperationException($"Diamond: result {result}, expected {_expected}.");
}
