using System;
using System.Globalization;
using Cronos;

namespace Workflowy.Scheduling;

/// <summary>
/// When a schedule fires: <see cref="Every"/> (fixed rate or fixed delay), <see cref="Cron(string, string)"/> (Cronos, 5 or 6 fields or a
/// macro, in a time zone) or <see cref="At(DateTimeOffset)"/> (one instant). Immutable; validated when made.
/// </summary>
public abstract class ScheduleSpec
{
    private protected ScheduleSpec()
    {
    }

    /// <summary>A short description, e.g. <c>every 00:00:10</c>, <c>cron 0 2 * * * (Europe/Paris)</c>, <c>at 2026-12-24T17:00:00.0000000+00:00</c>.</summary>
    public abstract string Description { get; }

    /// <summary>Every <paramref name="interval"/>: occurrences at <c>anchor + k·interval</c> (k ≥ 1, or k ≥ 0 with <paramref name="startImmediately"/>), the anchor being the schedule's first registration; or, with <see cref="IntervalMeasure.FromCompletion"/>, one interval after the previous run completed.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The interval is not positive.</exception>
    public static ScheduleSpec Every(TimeSpan interval, bool startImmediately = false, IntervalMeasure measure = IntervalMeasure.FixedRate)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "The interval of an Every schedule must be positive.");
        }

        return new EverySpec(interval, startImmediately, measure);
    }

    /// <summary>A cron expression: 5 fields (minute first), 6 fields (second first) or a macro (<c>@daily</c>, ...), in a time zone given by IANA or Windows id (default UTC). <c>H</c> takes a stable seed from the schedule id.</summary>
    /// <exception cref="SchedulingConfigurationException">The expression is invalid (wrapping Cronos' <see cref="CronFormatException"/>), has another field count, or the zone is not on this machine.</exception>
    public static ScheduleSpec Cron(string expression) => Cron(expression, TimeZoneInfo.Utc);

    /// <summary>A cron expression in the time zone with this IANA or Windows id (resolved now: an unknown id fails here).</summary>
    /// <exception cref="SchedulingConfigurationException">The expression is invalid or the zone is not on this machine.</exception>
    public static ScheduleSpec Cron(string expression, string? timeZone)
    {
        ArgumentNullException.ThrowIfNull(expression);
        TimeZoneInfo zone;
        if (string.IsNullOrEmpty(timeZone) || timeZone is "UTC" or "Etc/UTC")
        {
            zone = TimeZoneInfo.Utc;
        }
        else
        {
            try
            {
                zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                throw new SchedulingConfigurationException($"Cron expression \"{expression}\": time zone '{timeZone}' was not found on this machine.", ex);
            }
        }

        return Cron(expression, zone);
    }

    /// <summary>A cron expression in the given zone (e.g. one made with <see cref="TimeZoneInfo.CreateCustomTimeZone(string, TimeSpan, string, string, string, TimeZoneInfo.AdjustmentRule[])"/>).</summary>
    /// <exception cref="SchedulingConfigurationException">The expression is invalid.</exception>
    public static ScheduleSpec Cron(string expression, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(timeZone);
        CronSpec.Check(expression);
        return new CronSpec(expression.Trim(), timeZone);
    }

    /// <summary>One instant. A past instant at registration goes through the misfire policy (default: one run now).</summary>
    public static ScheduleSpec At(DateTimeOffset instant) => new AtSpec(instant.ToUniversalTime());

    /// <summary>A local date and time in a zone: a time in a DST gap moves to the end of the gap; an ambiguous one takes the first (daylight) offset, as Cronos does.</summary>
    public static ScheduleSpec At(DateTime localTime, TimeZoneInfo timeZone)
    {
        ArgumentNullException.ThrowIfNull(timeZone);
        var local = DateTime.SpecifyKind(localTime, DateTimeKind.Unspecified);
        if (timeZone.IsInvalidTime(local))
        {
            // Walk forward to the end of the gap.
            var probe = local;
            while (timeZone.IsInvalidTime(probe))
            {
                probe = probe.AddMinutes(1);
            }

            probe = new DateTime(probe.Year, probe.Month, probe.Day, probe.Hour, probe.Minute, 0, DateTimeKind.Unspecified);
            while (timeZone.IsInvalidTime(probe))
            {
                probe = probe.AddMinutes(1);
            }

            return new AtSpec(new DateTimeOffset(probe, timeZone.GetUtcOffset(probe)).ToUniversalTime());
        }

        if (timeZone.IsAmbiguousTime(local))
        {
            var offsets = timeZone.GetAmbiguousTimeOffsets(local);
            var daylight = offsets[0] > offsets[1] ? offsets[0] : offsets[1];
            return new AtSpec(new DateTimeOffset(local, daylight).ToUniversalTime());
        }

        return new AtSpec(new DateTimeOffset(local, timeZone.GetUtcOffset(local)).ToUniversalTime());
    }

    /// <summary>Parses the text of a <c>[At]</c> attribute: ISO-8601 with an explicit offset.</summary>
    internal static DateTimeOffset ParseInstant(string text)
    {
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant) || !HasOffset(text))
        {
            throw new SchedulingConfigurationException($"At(\"{text}\") needs an ISO-8601 date-time with an explicit offset, e.g. \"2026-03-08T02:30:00-05:00\".");
        }

        return instant;
    }

    private static bool HasOffset(string text)
    {
        var t = text.AsSpan().Trim();
        var timeAt = t.IndexOf('T');
        if (timeAt < 0)
        {
            return false;
        }

        var time = t[timeAt..];
        return time.EndsWith("Z", StringComparison.OrdinalIgnoreCase) || time.LastIndexOfAny('+', '-') > 0;
    }

    /// <summary>The first scheduled time strictly after <paramref name="afterExclusive"/>, or null when there is none.</summary>
    internal abstract DateTimeOffset? Next(DateTimeOffset anchor, DateTimeOffset afterExclusive);

    /// <summary>The first scheduled time of a schedule registered at <paramref name="anchor"/> that has not fired yet.</summary>
    internal abstract DateTimeOffset? First(DateTimeOffset anchor, string scheduleId);

    /// <summary>Binds what depends on the schedule id (the cron <c>H</c> seed).</summary>
    internal virtual ScheduleSpec Bind(string scheduleId) => this;

    /// <summary>The smallest gap between two occurrences, when known (jitter must be smaller).</summary>
    internal virtual TimeSpan? MinimumGap => null;

    /// <inheritdoc />
    public override string ToString() => Description;
}

internal sealed class EverySpec(TimeSpan interval, bool startImmediately, IntervalMeasure measure) : ScheduleSpec
{
    public TimeSpan Interval { get; } = interval;

    public bool StartImmediately { get; } = startImmediately;

    public IntervalMeasure Measure { get; } = measure;

    public override string Description =>
        $"every {Interval.ToString("c", CultureInfo.InvariantCulture)}{(Measure == IntervalMeasure.FromCompletion ? " from completion" : "")}{(StartImmediately ? " (start immediately)" : "")}";

    internal override TimeSpan? MinimumGap => Interval;

    internal override DateTimeOffset? First(DateTimeOffset anchor, string scheduleId) => StartImmediately ? anchor : anchor + Interval;

    internal override DateTimeOffset? Next(DateTimeOffset anchor, DateTimeOffset afterExclusive)
    {
        if (Measure == IntervalMeasure.FromCompletion)
        {
            return afterExclusive + Interval;
        }

        if (afterExclusive < anchor)
        {
            return StartImmediately ? anchor : anchor + Interval;
        }

        var k = ((afterExclusive - anchor).Ticks / Interval.Ticks) + 1;
        return anchor + TimeSpan.FromTicks(k * Interval.Ticks);
    }
}

internal sealed class CronSpec : ScheduleSpec
{
    private readonly CronExpression? _expression;

    public CronSpec(string text, TimeZoneInfo zone, CronExpression? bound = null)
    {
        Text = text;
        Zone = zone;
        _expression = bound;
    }

    public string Text { get; }

    public TimeZoneInfo Zone { get; }

    public override string Description => Zone == TimeZoneInfo.Utc ? $"cron {Text}" : $"cron {Text} ({Zone.Id})";

    /// <summary>Parses with the rule of R3: a macro, 5 fields (standard) or 6 (seconds first); anything else is refused.</summary>
    internal static CronExpression Parse(string expression, int? seed)
    {
        var text = expression.Trim();
        try
        {
            if (text.StartsWith('@'))
            {
                return seed is { } s ? CronExpression.Parse(text, s) : CronExpression.Parse(text);
            }

            var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            var format = fields switch
            {
                5 => CronFormat.Standard,
                6 => CronFormat.IncludeSeconds,
                _ => throw new SchedulingConfigurationException(
                    $"Cron expression \"{text}\" has {fields} fields; use 5 (minute hour day-of-month month day-of-week) or 6 (second minute hour day-of-month month day-of-week). Quartz-style year fields are not supported."),
            };
            return seed is { } seeded ? CronExpression.Parse(text, format, seeded) : CronExpression.Parse(text, format);
        }
        catch (CronFormatException ex)
        {
            throw new SchedulingConfigurationException($"Cron expression \"{text}\" is invalid: {ex.Message}", ex);
        }
    }

    /// <summary>Validates at registration (with a placeholder seed: <c>H</c> is bound to the schedule id later).</summary>
    internal static void Check(string expression) => Parse(expression, 0);

    internal override ScheduleSpec Bind(string scheduleId) => new CronSpec(Text, Zone, Parse(Text, StableHash.Hash32(scheduleId) & int.MaxValue));

    private CronExpression Expression => _expression ?? throw new InvalidOperationException("The cron schedule is not bound to a schedule id.");

    internal override DateTimeOffset? First(DateTimeOffset anchor, string scheduleId) => Next(anchor, anchor);

    internal override DateTimeOffset? Next(DateTimeOffset anchor, DateTimeOffset afterExclusive) =>
        Expression.GetNextOccurrence(afterExclusive.ToUniversalTime(), Zone, inclusive: false)?.ToUniversalTime();

    /// <summary>The next occurrences in the zone's offsets (for display).</summary>
    internal DateTimeOffset? NextLocal(DateTimeOffset afterExclusive) => Expression.GetNextOccurrence(afterExclusive.ToUniversalTime(), Zone, inclusive: false);
}

internal sealed class AtSpec(DateTimeOffset instant) : ScheduleSpec
{
    public DateTimeOffset Instant { get; } = instant;

    public override string Description => $"at {Instant.ToString("O", CultureInfo.InvariantCulture)}";

    internal override DateTimeOffset? First(DateTimeOffset anchor, string scheduleId) => Instant;

    internal override DateTimeOffset? Next(DateTimeOffset anchor, DateTimeOffset afterExclusive) => afterExclusive < Instant ? Instant : null;
}
