using System;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// Waits of any length on a <see cref="TimeProvider"/>. Its timers (and <c>Task.Delay</c>, <c>Task.WaitAsync</c>) refuse
/// anything above about 49.7 days (<c>uint.MaxValue - 1</c> ms); a longer wait is armed a day at a time and re-armed from
/// the timer's own callback with what is left, measured on the provider's clock. Waits of a day or less take the
/// provider's primitives directly, so they cost nothing more than before.
/// </summary>
internal static class LongWait
{
    /// <summary>The longest stretch armed at once.</summary>
    internal static readonly TimeSpan MaxChunk = TimeSpan.FromDays(1);

    /// <summary>A one-shot timer that calls <paramref name="callback"/> once <paramref name="dueTime"/> has elapsed.</summary>
    public static ITimer CreateTimer(TimeProvider time, TimerCallback callback, object? state, TimeSpan dueTime) =>
        dueTime <= MaxChunk
            ? time.CreateTimer(callback, state, dueTime, Timeout.InfiniteTimeSpan)
            : new LongTimer(time, callback, state, dueTime);

    /// <summary>As <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/>, for any positive delay.</summary>
    public static Task Delay(TimeSpan delay, TimeProvider time, CancellationToken cancellationToken = default)
    {
        if (delay <= MaxChunk)
        {
            return Task.Delay(delay, time, cancellationToken);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        return new LongDelay(delay, time, cancellationToken).Task;
    }

    /// <summary>As <see cref="Task{TResult}.WaitAsync(TimeSpan, TimeProvider, CancellationToken)"/>, for any timeout.</summary>
    public static Task<T> WaitAsync<T>(Task<T> task, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (task.IsCompleted)
        {
            return task;
        }

        if (timeout <= MaxChunk)
        {
            return task.WaitAsync(timeout, time, cancellationToken);
        }

        return WaitLongAsync(task, timeout, time, cancellationToken);

        static async Task<T> WaitLongAsync(Task<T> task, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Delay(timeout, time, stop.Token);
            if (await Task.WhenAny(task, delay).ConfigureAwait(false) == task)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                return await task.ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"The task did not end within {timeout}.");
        }
    }

    /// <summary>A timer armed a chunk at a time until its due time has elapsed on the provider's clock.</summary>
    private sealed class LongTimer : ITimer
    {
        private readonly TimeProvider _time;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private readonly ITimer _timer;
        private readonly Lock _lock = new();
        private long _start;
        private TimeSpan _due;

        public LongTimer(TimeProvider time, TimerCallback callback, object? state, TimeSpan dueTime)
        {
            _time = time;
            _callback = callback;
            _state = state;
            _start = time.GetTimestamp();
            _due = dueTime;

            // The first chunk is a whole day: the callback cannot run before _timer is set.
            _timer = time.CreateTimer(static s => ((LongTimer)s!).Tick(), this, MaxChunk, Timeout.InfiniteTimeSpan);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (period != Timeout.InfiniteTimeSpan)
            {
                throw new NotSupportedException("A long wait fires once.");
            }

            lock (_lock)
            {
                _start = _time.GetTimestamp();
                _due = dueTime;
            }

            return _timer.Change(dueTime < MaxChunk ? dueTime : MaxChunk, Timeout.InfiniteTimeSpan);
        }

        public void Dispose() => _timer.Dispose();

        public ValueTask DisposeAsync() => _timer.DisposeAsync();

        private void Tick()
        {
            TimeSpan remaining;
            lock (_lock)
            {
                remaining = _due - _time.GetElapsedTime(_start);
            }

            if (remaining > TimeSpan.Zero)
            {
                try
                {
                    _timer.Change(remaining < MaxChunk ? remaining : MaxChunk, Timeout.InfiniteTimeSpan);
                }
                catch (ObjectDisposedException)
                {
                    // Disposed meanwhile: the wait was abandoned.
                }

                return;
            }

            _callback(_state);
        }
    }

    /// <summary>A delay longer than a timer allows: a long timer completing a task, ended early by a token.</summary>
    private sealed class LongDelay : TaskCompletionSource
    {
        private readonly ITimer _timer;
        private readonly CancellationToken _token;
        private readonly CancellationTokenRegistration _registration;

        public LongDelay(TimeSpan delay, TimeProvider time, CancellationToken cancellationToken)
        {
            _token = cancellationToken;
            _timer = new LongTimer(time, static s => ((LongDelay)s!).Elapsed(), this, delay);
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.UnsafeRegister(static s => ((LongDelay)s!).Cancelled(), this);
            }
        }

        private void Elapsed()
        {
            _timer.Dispose();
            _registration.Dispose();
            TrySetResult();
        }

        private void Cancelled()
        {
            _timer.Dispose();
            TrySetCanceled(_token);
        }
    }
}
