using System;
using System.Text;

namespace Workflowy.Scheduling;

/// <summary>
/// FNV-1a over UTF-8: the same value in every process (never <c>string.GetHashCode</c>, which is randomised per process).
/// Seeds cron <c>H</c> fields and jitter offsets.
/// </summary>
internal static class StableHash
{
    private const uint Offset32 = 2166136261;
    private const uint Prime32 = 16777619;
    private const ulong Offset64 = 14695981039346656037;
    private const ulong Prime64 = 1099511628211;

    public static int Hash32(string text)
    {
        var hash = Offset32;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * Prime32;
        }

        return unchecked((int)hash);
    }

    public static ulong Hash64(string text, long salt)
    {
        var hash = Offset64;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * Prime64;
        }

        for (var i = 0; i < 8; i++)
        {
            hash = (hash ^ (byte)(salt >> (8 * i))) * Prime64;
        }

        // A final avalanche (splitmix64) so that neighbouring salts spread over the whole range.
        hash ^= hash >> 30;
        hash *= 0xbf58476d1ce4e5b9UL;
        hash ^= hash >> 27;
        hash *= 0x94d049bb133111ebUL;
        hash ^= hash >> 31;
        return hash;
    }

    /// <summary>The jitter of one occurrence: <c>0 ≤ d &lt; jitter</c>, a function of the schedule id and the scheduled time only.</summary>
    public static TimeSpan JitterOf(string scheduleId, DateTimeOffset scheduled, TimeSpan jitter) =>
        jitter <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks((long)(Hash64(scheduleId, scheduled.UtcTicks) % (ulong)jitter.Ticks));
}
