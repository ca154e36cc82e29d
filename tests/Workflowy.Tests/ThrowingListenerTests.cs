using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Workflowy.Tests;

/// <summary>
/// Issue 17, item 2: activity and meter listeners are the user's code, called synchronously where the runtime starts
/// and stops spans and records measurements. One that throws costs its span or measurement, never the run.
/// </summary>
[Collection(AloneCollection.Name)]
public class ThrowingListenerTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ListenersThatThrow_ChangeNothingInTheRun(bool async)
    {
        using var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == WorkflowyDiagnostics.Name,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = static _ => throw new InvalidOperationException("started"),
            ActivityStopped = static _ => throw new InvalidOperationException("stopped"),
        };
        ActivitySource.AddActivityListener(activities);
        using var meters = new MeterListener
        {
            InstrumentPublished = static (instrument, listener) =>
            {
                if (instrument.Meter.Name == WorkflowyDiagnostics.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>(static (_, _, _, _) => throw new InvalidOperationException("long"));
        meters.SetMeasurementEventCallback<double>(static (_, _, _, _) => throw new InvalidOperationException("double"));
        meters.SetMeasurementEventCallback<int>(static (_, _, _, _) => throw new InvalidOperationException("int"));
        meters.Start();

        await using var runner = new WorkflowRunner { ErrorPolicy = ErrorPolicy.Continue };
        var run = runner.CreateRun("throwing-listeners");
        var calls = 0;
        var flaky = async
            ? run.Submit(new TaskOptions { Retries = 1, Backoff = Backoff.None }, async () =>
            {
                await Task.Yield();
                return Interlocked.Increment(ref calls) == 1 ? throw new FormatException("first") : 1;
            })
            : run.Submit(new TaskOptions { Retries = 1, Backoff = Backoff.None }, () =>
                Interlocked.Increment(ref calls) == 1 ? throw new FormatException("first") : 1);
        var broken = run.Submit(new Func<int>(() => throw new FormatException("always")));
        var after = run.Submit(flaky, static x => x + 1);
        await run.CompleteAsync().WaitAsync(Guard);

        Assert.Equal(2, after.Result);
        Assert.Equal(2, flaky.Attempts);
        Assert.IsType<FormatException>(broken.Exception);
        Assert.True(run.Completion.IsCompletedSuccessfully);
    }
}
