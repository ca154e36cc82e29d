using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace Workflowy.Benchmarks;

/// <summary>
/// The job of the runtime benchmarks: one process per benchmark, 3 warm-up and 9 measured iterations (the report's
/// median is the figure), workstation GC, allocations measured. Benchmarks of large graphs set
/// <c>OperationsPerInvoke</c> to the task count, so Mean, Median and Allocated are per task.
/// </summary>
public sealed class GraphBenchmarkConfig : ManualConfig
{
    /// <summary>Creates the config.</summary>
    public GraphBenchmarkConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(9)
            .WithUnrollFactor(1)
            .WithGcServer(false));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.Min, StatisticColumn.Max);
        WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend));
        WithOrderer(new BenchmarkDotNet.Order.DefaultOrderer(BenchmarkDotNet.Order.SummaryOrderPolicy.Declared));
    }
}
