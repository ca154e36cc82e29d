using System;
using System.Globalization;
using Cronos;

namespace Workflowy.Scheduling.SourceGeneration;

/// <summary>The value checks shared by the analyzer and the generator (the runtime applies the same rules).</summary>
internal static class Checks
{
    /// <summary>A fixed epoch (never the build machine's clock): "never fires" and gaps are measured from it.</summary>
    private static readonly DateTime Epoch = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static bool TryDuration(string? text, out TimeSpan value) =>
        TimeSpan.TryParseExact(text ?? "", "c", CultureInfo.InvariantCulture, out value) && value > TimeSpan.Zero;

    /// <summary>Parses as the runtime does: a macro, 5 fields or 6; the result says what is wrong.</summary>
    public static CronExpression? ParseCron(string expression, out int fieldCount, out string? error)
    {
        fieldCount = 0;
        error = null;
        var text = expression.Trim();
        try
        {
            if (text.StartsWith("@", StringComparison.Ordinal))
            {
                return CronExpression.Parse(text, 0);
            }

            fieldCount = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            if (fieldCount is not (5 or 6))
            {
                return null;
            }

            return CronExpression.Parse(text, fieldCount == 5 ? CronFormat.Standard : CronFormat.IncludeSeconds, 0);
        }
        catch (CronFormatException ex)
        {
            error = ex.Message;
            return null;
        }
    }

    public static bool NeverFires(CronExpression cron) => cron.GetNextOccurrence(Epoch) is null;

    /// <summary>The shortest gap between the first 500 occurrences after the epoch (in UTC).</summary>
    public static TimeSpan? ShortestGap(CronExpression cron)
    {
        DateTime? previous = null;
        TimeSpan? shortest = null;
        var at = Epoch;
        for (var i = 0; i < 500; i++)
        {
            var next = cron.GetNextOccurrence(at);
            if (next is null)
            {
                break;
            }

            if (previous is { } p && (shortest is null || next.Value - p < shortest))
            {
                shortest = next.Value - p;
            }

            previous = next;
            at = next.Value;
        }

        return shortest;
    }

    public static bool TryInstant(string? text, out DateTimeOffset value)
    {
        value = default;
        if (text is null || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out value))
        {
            return false;
        }

        var t = text.Trim();
        var timeAt = t.IndexOf('T');
        if (timeAt < 0)
        {
            return false;
        }

        var time = t.Substring(timeAt);
        return time.EndsWith("Z", StringComparison.OrdinalIgnoreCase) || time.LastIndexOfAny(new[] { '+', '-' }) > 0;
    }

    public static bool IsPath(string? path)
    {
        if (path is null || path.Length == 0)
        {
            return false;
        }

        foreach (var segment in path.Split('.'))
        {
            if (segment.Length == 0)
            {
                return false;
            }

            foreach (var c in segment)
            {
                if (!(char.IsLetterOrDigit(c) || c is '_' or '-' or '$'))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
