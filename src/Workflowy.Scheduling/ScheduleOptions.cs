using System;

namespace Workflowy.Scheduling;

/// <summary>How a schedule handles lateness, overlap and jitter (R5–R7). Immutable once registered.</summary>
public sealed record ScheduleOptions
{
    /// <summary>The defaults: FireOnce, threshold 60 s, MaxCatchUp 10, overlap Skip, no jitter.</summary>
    public static ScheduleOptions Default { get; } = new();

    /// <summary>What happens to occurrences reached later than <see cref="MisfireThreshold"/> (default <see cref="MisfirePolicy.FireOnce"/>).</summary>
    public MisfirePolicy Misfire { get; init; } = MisfirePolicy.FireOnce;

    /// <summary>Lateness up to this is a normal (late) fire; beyond it the misfire policy decides. Default 60 s.</summary>
    public TimeSpan MisfireThreshold { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>For <see cref="MisfirePolicy.FireAll"/>: at most this many catch-up runs (the most recent); default 10, between 1 and 1000.</summary>
    public int MaxCatchUp { get; init; } = 10;

    /// <summary>What happens when an occurrence is due while the previous run is going (default <see cref="OverlapPolicy.Skip"/>).</summary>
    public OverlapPolicy Overlap { get; init; } = OverlapPolicy.Skip;

    /// <summary>The maximum delay added to each fire: a stable function of the schedule id and the scheduled time, in <c>[0, Jitter)</c>; must be smaller than the shortest gap between occurrences. Default none.</summary>
    public TimeSpan Jitter { get; init; }

    internal void Validate(string scheduleId, ScheduleSpec spec)
    {
        if (MisfireThreshold <= TimeSpan.Zero)
        {
            throw new SchedulingConfigurationException($"Schedule '{scheduleId}': MisfireThreshold must be positive, not {MisfireThreshold}.");
        }

        if (MaxCatchUp is < 1 or > 1000)
        {
            throw new SchedulingConfigurationException($"Schedule '{scheduleId}': MaxCatchUp must be between 1 and 1000, not {MaxCatchUp}.");
        }

        if (Jitter < TimeSpan.Zero)
        {
            throw new SchedulingConfigurationException($"Schedule '{scheduleId}': Jitter must not be negative.");
        }

        if (Jitter > TimeSpan.Zero && spec.MinimumGap is { } gap && Jitter >= gap)
        {
            throw new SchedulingConfigurationException($"Schedule '{scheduleId}': Jitter {Jitter} must be smaller than the schedule's shortest gap {gap}.");
        }
    }
}
