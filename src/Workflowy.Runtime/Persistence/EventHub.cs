using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>Events published in this process, and the tasks waiting for them.</summary>
internal sealed class EventHub
{
    private readonly object _lock = new();
    private readonly Dictionary<string, string> _published = new(System.StringComparer.Ordinal);
    private readonly Dictionary<string, List<TaskCompletionSource<string>>> _waiters = new(System.StringComparer.Ordinal);

    public void Publish(string name, string payload)
    {
        List<TaskCompletionSource<string>>? waiters;
        lock (_lock)
        {
            _published[name] = payload;
            _waiters.Remove(name, out waiters);
        }

        if (waiters is not null)
        {
            foreach (var waiter in waiters)
            {
                waiter.TrySetResult(payload);
            }
        }
    }

    public bool TryGet(string name, out string payload)
    {
        lock (_lock)
        {
            return _published.TryGetValue(name, out payload!);
        }
    }

    /// <summary>A task that ends with the payload when the event is published in this process.</summary>
    public Task<string> WaitAsync(string name, CancellationToken cancellationToken)
    {
        var waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (_published.TryGetValue(name, out var payload))
            {
                return Task.FromResult(payload);
            }

            if (!_waiters.TryGetValue(name, out var list))
            {
                list = new List<TaskCompletionSource<string>>();
                _waiters[name] = list;
            }

            list.Add(waiter);
        }

        return waiter.Task.WaitAsync(cancellationToken);
    }
}
