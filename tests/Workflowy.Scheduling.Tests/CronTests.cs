using Cronos;

namespace Workflowy.Scheduling.Tests;

/// <summary>Cases 4–11 of the spec's §4: cron through Cronos, field counts, DST in a hermetic New York zone, DOM ∧ DOW, exhaustion.</summary>
public sealed class CronTests
{
    /// <summary>America/New_York's rules (2007 on) as a custom zone: no tzdata needed.</summary>
    public static readonly TimeZoneInfo NewYork = TimeZoneInfo.CreateCustomTimeZone(
        "Test/New_York",
        TimeSpan.FromHours(-5),
        "New York (test)",
        "EST",
        "EDT",
        [
            TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(
                new DateTime(2007, 1, 1),
                DateTime.MaxValue.Date,
                TimeSpan.FromHours(1),
                TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0), 3, 2, DayOfWeek.Sunday),
                TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0), 11, 1, DayOfWeek.Sunday)),
        ]);

    private static async Task<DateTimeOffset[]> FireAsync(string expression, TimeZoneInfo zone, DateTimeOffset from, DateTimeOffset until)
    {
        await using var h = new Harness(from);
        await h.Scheduler.AddScheduleAsync("cron", ScheduleSpec.Cron(expression, zone), nameof(Tick));
        await h.Scheduler.StartAsync();
        await h.AdvanceToAsync(until);
        var outcomes = await h.OutcomesAsync("cron");
        Assert.All(outcomes, o => Assert.Equal((OccurrenceOutcome.Fired, false), (o.Outcome, o.IsLate)));
        return [.. outcomes.Select(o => TimeZoneInfo.ConvertTime(o.ScheduledTime, zone))];
    }

    private static DateTimeOffset Ny(int month, int day, int hour, int minute, int offset) => new(2026, month, day, hour, minute, 0, TimeSpan.FromHours(offset));

    [Fact]
    public async Task Case04_FiveFieldsInUtc()
    {
        var start = new DateTimeOffset(2026, 1, 1, 10, 7, 30, TimeSpan.Zero);
        var fired = await FireAsync("*/15 * * * *", TimeZoneInfo.Utc, start, start.AddMinutes(40));
        Assert.Equal([start.Date.AddHours(10).AddMinutes(15), start.Date.AddHours(10).AddMinutes(30), start.Date.AddHours(10).AddMinutes(45)], fired.Select(f => f.UtcDateTime));
        Assert.All(fired, f => Assert.Equal(0, f.Second));
    }

    [Fact]
    public async Task Case05_SixFieldsRunEveryTenSeconds()
    {
        var fired = await FireAsync("*/10 * * * * *", TimeZoneInfo.Utc, Harness.T0, Harness.T0.AddSeconds(35));
        Assert.Equal([Harness.T0.AddSeconds(10), Harness.T0.AddSeconds(20), Harness.T0.AddSeconds(30)], fired);
    }

    [Theory]
    [InlineData("* * * *", "has 4 fields; use 5")]
    [InlineData("0 0 12 ? * WED 2026", "has 7 fields; use 5")]
    public void Case05_WrongFieldCountsAreRejected(string expression, string message)
    {
        var ex = Assert.Throws<SchedulingConfigurationException>(() => ScheduleSpec.Cron(expression));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Case05_CronosMessageIsKept()
    {
        var ex = Assert.Throws<SchedulingConfigurationException>(() => ScheduleSpec.Cron("61 * * * *"));
        Assert.Contains("Minutes: Value must be a number between 0 and 59 (all inclusive).", ex.Message, StringComparison.Ordinal);
        Assert.IsType<CronFormatException>(ex.InnerException);
    }

    [Fact]
    public async Task Case06_SpringGapDaily()
    {
        var fired = await FireAsync("30 2 * * *", NewYork, Ny(3, 6, 12, 0, -5), Ny(3, 9, 12, 0, -4));
        Assert.Equal([Ny(3, 7, 2, 30, -5), Ny(3, 8, 3, 0, -4), Ny(3, 9, 2, 30, -4)], fired);
        Assert.Equal(TimeSpan.FromHours(-4), fired[1].Offset);
        Assert.Equal(new DateTimeOffset(2026, 3, 8, 7, 0, 0, TimeSpan.Zero), fired[1].ToUniversalTime());
    }

    [Fact]
    public async Task Case07_SpringGapIntervalInsideTheGapFiresOnce()
    {
        var fired = await FireAsync("*/15 2 * * *", NewYork, Ny(3, 8, 0, 0, -5), Ny(3, 9, 2, 0, -4));
        Assert.Equal([Ny(3, 8, 3, 0, -4), Ny(3, 9, 2, 0, -4)], fired);
    }

    [Fact]
    public async Task Case08_FallOverlapNonIntervalFiresOnceInDaylightTime()
    {
        var fired = await FireAsync("30 1 * * *", NewYork, Ny(10, 30, 12, 0, -4), Ny(11, 2, 12, 0, -5));
        Assert.Equal([Ny(10, 31, 1, 30, -4), Ny(11, 1, 1, 30, -4), Ny(11, 2, 1, 30, -5)], fired);
        Assert.Equal([TimeSpan.FromHours(-4), TimeSpan.FromHours(-4), TimeSpan.FromHours(-5)], fired.Select(f => f.Offset));
    }

    [Fact]
    public async Task Case09_FallOverlapIntervalFiresInBothOffsets()
    {
        var fired = await FireAsync("*/30 * * * *", NewYork, Ny(11, 1, 0, 15, -4), Ny(11, 1, 2, 0, -5));
        Assert.Equal([Ny(11, 1, 0, 30, -4), Ny(11, 1, 1, 0, -4), Ny(11, 1, 1, 30, -4), Ny(11, 1, 1, 0, -5), Ny(11, 1, 1, 30, -5), Ny(11, 1, 2, 0, -5)], fired);
        Assert.Equal([TimeSpan.FromHours(-4), TimeSpan.FromHours(-4), TimeSpan.FromHours(-4), TimeSpan.FromHours(-5), TimeSpan.FromHours(-5), TimeSpan.FromHours(-5)], fired.Select(f => f.Offset));
        var utc = fired.Select(f => f.UtcDateTime).ToArray();
        Assert.All(utc.Zip(utc.Skip(1)), pair => Assert.Equal(TimeSpan.FromMinutes(30), pair.Second - pair.First));
    }

    [Fact]
    public async Task Case10_DayOfMonthAndDayOfWeekCombineWithAnd()
    {
        await using var h = new Harness();
        var info = await h.Scheduler.AddScheduleAsync("friday13", ScheduleSpec.Cron("0 0 13 * 5"), nameof(Tick));
        Assert.Equal(new DateTimeOffset(2026, 2, 13, 0, 0, 0, TimeSpan.Zero), info.NextFireTime);
    }

    [Fact]
    public async Task Case11_NeverFiringCronIsExhausted()
    {
        await using var h = new Harness();
        await h.Scheduler.AddScheduleAsync("feb30", ScheduleSpec.Cron("0 0 30 2 *"), nameof(Tick));
        await h.Scheduler.StartAsync();
        await h.Scheduler.WhenIdleAsync();
        var info = h.Scheduler.GetSchedule("feb30")!;
        Assert.Equal(ScheduleState.Exhausted, info.State);
        Assert.Null(info.NextFireTime);
        Assert.Null(h.Scheduler.NextWakeUp);
        Assert.Empty(await h.OutcomesAsync("feb30"));
    }

    [Fact]
    public void IanaAndWindowsZoneIdsResolveAndUnknownOnesFailAtRegistration()
    {
        Assert.Contains("America/New_York", ScheduleSpec.Cron("0 2 * * *", "America/New_York").Description, StringComparison.Ordinal);
        var ex = Assert.Throws<SchedulingConfigurationException>(() => ScheduleSpec.Cron("0 2 * * *", "Mars/Olympus_Mons"));
        Assert.Contains("time zone 'Mars/Olympus_Mons' was not found on this machine", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpcomingListsTheNextOccurrences()
    {
        await using var h = new Harness(new DateTimeOffset(2026, 1, 1, 10, 7, 30, TimeSpan.Zero));
        await h.Scheduler.AddScheduleAsync("q", ScheduleSpec.Cron("*/15 * * * *"), nameof(Tick));
        var day = new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal([day.AddMinutes(15), day.AddMinutes(30), day.AddMinutes(45)], h.Scheduler.GetUpcoming("q", 3));
    }
}
