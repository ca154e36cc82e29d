using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;

namespace Workflowy;

/// <summary>
/// The tasks of a run as they become terminal, for <see cref="WorkflowRun.WhenEach"/>: each enumeration registers an
/// observer that first gets the tasks already terminal (in the order they became so), then the rest as they end.
/// </summary>
internal sealed class CompletionFeed
{
    private readonly object _lock = new();
    private readonly List<Observer> _observers = new();
    private volatile bool _hasObservers;

    /// <summary>Whether anyone observes (read on every terminal task: a volatile bool, no lock).</summary>
    public bool HasObservers => _hasObservers;

    /// <summary>Registers an observer and replays the tasks of <paramref name="run"/> already terminal, in the order they became terminal.</summary>
    public Observer Observe(WorkflowRun run)
    {
        var observer = new Observer();
        lock (_lock)
        {
            _observers.Add(observer);
            _hasObservers = true;
            Interlocked.MemoryBarrier();

            // Tasks get their sequence when they are counted, just after they are published: one that became terminal
            // but is not counted yet (sequence 0) did not see this observer, so it is replayed, after the counted ones.
            var terminal = new List<TaskHandle>();
            foreach (var task in run.Tasks)
            {
                if (Volatile.Read(ref task.Sequence) >= 0 && task.IsTerminal)
                {
                    terminal.Add(task);
                }
            }

            terminal.Sort(static (a, b) => (a.Sequence == 0 ? int.MaxValue : a.Sequence).CompareTo(b.Sequence == 0 ? int.MaxValue : b.Sequence));
            foreach (var task in terminal)
            {
                observer.Deliver(task);
            }

            if (run.HasEnded)
            {
                observer.Complete();
            }
        }

        return observer;
    }

    public void Unobserve(Observer observer)
    {
        lock (_lock)
        {
            _observers.Remove(observer);
            _hasObservers = _observers.Count > 0;
        }
    }

    public void Publish(TaskHandle handle)
    {
        lock (_lock)
        {
            foreach (var observer in _observers)
            {
                observer.Deliver(handle);
            }
        }
    }

    public void Complete()
    {
        lock (_lock)
        {
            foreach (var observer in _observers)
            {
                observer.Complete();
            }
        }
    }

    /// <summary>One enumeration of <see cref="WorkflowRun.WhenEach"/>: a channel, and the tasks it already delivered.</summary>
    internal sealed class Observer
    {
        private readonly Channel<TaskHandle> _channel = Channel.CreateUnbounded<TaskHandle>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        private readonly HashSet<TaskHandle> _delivered = new(ReferenceEqualityComparer.Instance);

        public ChannelReader<TaskHandle> Reader => _channel.Reader;

        public void Deliver(TaskHandle handle)
        {
            // Replay and live publication may both see a task: deliver it once (an observer lives within one pass of
            // the run, so a task becomes terminal once while it observes).
            if (_delivered.Add(handle))
            {
                _channel.Writer.TryWrite(handle);
            }
        }

        public void Complete() => _channel.Writer.TryComplete();
    }
}
