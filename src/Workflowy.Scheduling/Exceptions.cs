using System;

namespace Workflowy.Scheduling;

/// <summary>A schedule or trigger is configured wrongly: a bad cron expression (wrapping Cronos' <c>CronFormatException</c>), an unknown time zone, an option out of range.</summary>
public sealed class SchedulingConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SchedulingConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public SchedulingConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The scheduler's event inbox is full: the event was not taken (never silently dropped); publish again later.</summary>
public sealed class EventInboxFullException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EventInboxFullException(string eventName, int capacity)
        : base($"The scheduler's event inbox is full ({capacity} events waiting); event '{eventName}' was not taken. Publish it again later, or raise SchedulerOptions.InboxCapacity.")
    {
        EventName = eventName;
        Capacity = capacity;
    }

    /// <summary>The refused event's name.</summary>
    public string EventName { get; }

    /// <summary>The inbox's capacity.</summary>
    public int Capacity { get; }
}

/// <summary>A schedule store could not be read or written, or holds something that is not a schedule store's file.</summary>
public sealed class ScheduleStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ScheduleStoreException(string message, string path, Exception? innerException = null)
        : base($"{message} ({path})", innerException)
    {
        Path = path;
    }

    /// <summary>The file concerned.</summary>
    public string Path { get; }
}
