using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Threading.Channels;

namespace Workflowy.Dashboard;

/// <summary>
/// The one server-sent-events stream: every subscriber (an open page) gets each event as a ready SSE frame. A slow
/// subscriber loses its oldest frames rather than holding the runner back (events are raised on the runner's threads).
/// </summary>
internal sealed class LiveFeed
{
    private const int Capacity = 2048;
    private readonly object _lock = new();
    private readonly List<Channel<string>> _subscribers = new();

    public int SubscriberCount
    {
        get
        {
            lock (_lock)
            {
                return _subscribers.Count;
            }
        }
    }

    public Channel<string> Subscribe()
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(Capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
        });
        lock (_lock)
        {
            _subscribers.Add(channel);
        }

        return channel;
    }

    public void Unsubscribe(Channel<string> channel)
    {
        lock (_lock)
        {
            _subscribers.Remove(channel);
        }

        channel.Writer.TryComplete();
    }

    public void Publish(LiveEventJson value)
    {
        Channel<string>[] targets;
        lock (_lock)
        {
            if (_subscribers.Count == 0)
            {
                return;
            }

            targets = _subscribers.ToArray();
        }

        var frame = Frame(value.Kind, JsonSerializer.Serialize(value, DashboardJson.Default.LiveEventJson));
        foreach (var target in targets)
        {
            target.Writer.TryWrite(frame);
        }
    }

    /// <summary>An SSE frame: the event name and one data line (JSON has no raw line breaks).</summary>
    public static string Frame(string eventName, string json) => "event: " + eventName + "\ndata: " + json + "\n\n";

    public static string Comment(string text) => ": " + text.Replace('\n', ' ').Replace('\r', ' ') + "\n\n";

    public static DateTimeOffset Now(WorkflowRunner runner) => runner.TimeProvider.GetUtcNow();
}
