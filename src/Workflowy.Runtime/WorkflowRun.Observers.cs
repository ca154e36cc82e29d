using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;

namespace Workflowy;

public abstract partial class WorkflowRun
{
    private readonly object _observersLock = new();
    private List<CompletionObserver>? _observers;
    private volatile bool _hasObservers;

    /// <summary>Registers an observer and replays the tasks already terminal, in the order they became terminal.</summary>
    private CompletionObserver Observe()
    {
        var observer = new CompletionObserver();
        lock (_observersLock)
        {
            (_observers ??= new List<CompletionObserver>()).Add(observer);
            _hasObservers = true;
            Interlocked.MemoryBarrier();

            // Tasks get their sequence when they are counted, just after they are published: one that became terminal
            // but is not counted yet (sequence 0) did not see this observer, so it is replayed, after the counted ones.
            var terminal = new List<TaskHandle>();
            foreach (var task in Tasks)
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

            if (HasEnded)
            {
                observer.Complete();
            }
        }

        return observer;
    }

    private void Unobserve(CompletionObserver observer)
    {
        lock (_observersLock)
        {
            _observers?.Remove(observer);
            _hasObservers = _observers is { Count: > 0 };
        }
    }

    private void Publish(TaskHandle handle)
    {
        lock (_observersLock)
        {
            if (_observers is null)
            {
                return;
            }

            foreach (var observer in _observers)
            {
                observer.Deliver(handle);
            }
        }
    }

    private void CompleteObservers()
    {
        lock (_observersLock)
        {
            if (_observers is null)
            {
                return;
            }

            foreach (var observer in _observers)
            {
                observer.Complete();
            }
        }
    }

    /// <summary>One enumeration of <see cref="WhenEach"/>: a channel, and the tasks it already delivered.</summary>
    private sealed class CompletionObserver
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
