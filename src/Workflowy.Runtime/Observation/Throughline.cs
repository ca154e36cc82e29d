using System;
using System.Collections;
using System.Collections.Generic;
using System.Text;
using System.Threading;

namespace Workflowy;

/// <summary>
/// The semantic context: a stack of labelled frames that says what the program is trying to do. It flows across
/// awaits, thread-pool backends, the serial worker and into child tasks (it lives in the execution context), and
/// every running task pushes a frame named after itself, so <see cref="Chain"/> is the chain of task names (and your
/// own frames) that led to any line of code. Log scopes and exceptions thrown out of tasks carry it.
/// </summary>
/// <example>
/// <code>
/// using (Throughline.Push("order-run"))
/// {
///     await new Checkout().RunAsync(42);   // inside LoadCart: Throughline.Chain == ["order-run", "LoadCart"]
/// }
/// </code>
/// </example>
public static class Throughline
{
    /// <summary>The key under which exceptions carry the chain that was active where they were thrown.</summary>
    public const string ExceptionDataKey = "Workflowy.Throughline";

    private static readonly AsyncLocal<ThroughlineFrame?> s_current = new();

    /// <summary>
    /// The synchronous body running on this thread, and the execution context it started in. A synchronous body does
    /// not pay for a frame and an execution-context copy up front: while code runs on its thread in the context it
    /// started with, its frame is made and entered the first time anything asks for it (this class,
    /// <see cref="TaskContext.Current"/>, a body's context parameter, a task submitted from the body, an exception).
    /// Code in another context on that thread (a continuation of other work, <c>ExecutionContext.Run</c>) sees its own.
    /// </summary>
    [ThreadStatic]
    private static PendingBody? t_pending;

    /// <summary>The innermost frame, or null when nothing was pushed.</summary>
    public static ThroughlineFrame? Current => PendingHere() is { } task ? Materialize(task) : s_current.Value;

    /// <summary>The frame names from the outermost to the innermost (empty when nothing was pushed).</summary>
    public static IReadOnlyList<string> Chain => Current?.Chain ?? Array.Empty<string>();

    /// <summary>
    /// Pushes a frame; dispose the result to pop it (use <c>using</c>). Properties, if any, travel with the frame.
    /// </summary>
    public static Scope Push(string name, IReadOnlyDictionary<string, object?>? properties = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var previous = Current;
        s_current.Value = new ThroughlineFrame(name, properties, previous, task: null);
        return new Scope(previous);
    }

    /// <summary>The chain an exception carries (the innermost one recorded where it was thrown), if any.</summary>
    public static IReadOnlyList<string>? ChainOf(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e.Data[ExceptionDataKey] is string chain)
            {
                return chain.Split(" > ");
            }
        }

        return null;
    }

    /// <summary>Pushes a task's frame for the duration of a body (the caller restores the execution context).</summary>
    internal static ThroughlineFrame EnterTask(TaskHandle handle, ThroughlineFrame? parent)
    {
        var frame = new ThroughlineFrame(handle.Name, null, parent, handle);
        s_current.Value = frame;
        return frame;
    }

    /// <summary>
    /// Marks a synchronous body as running on this thread, in <paramref name="context"/>, without making its frame (see
    /// <see cref="t_pending"/>); returns what to pass to <see cref="ExitPending"/>.
    /// </summary>
    internal static PendingBody.Saved EnterPending(TaskHandle handle, ExecutionContext? context)
    {
        var pending = t_pending ??= new PendingBody();
        var previous = new PendingBody.Saved(pending, pending.Task, pending.Context);
        pending.Task = handle;
        pending.Context = context;
        return previous;
    }

    /// <summary>Ends a synchronous body entered with <see cref="EnterPending"/> (the caller restores the execution context).</summary>
    internal static void ExitPending(PendingBody.Saved previous)
    {
        previous.Pending.Task = previous.Task;
        previous.Pending.Context = previous.Context;
    }

    /// <summary>Enters the frame of <paramref name="handle"/> if it is the synchronous body pending here (a body that takes its context).</summary>
    internal static void EnterIfPending(TaskHandle handle)
    {
        if (ReferenceEquals(PendingHere(), handle))
        {
            Materialize(handle);
        }
    }

    /// <summary>Makes (without entering it) the frame of a synchronous body that failed, once its context is restored.</summary>
    internal static void MakeFrame(TaskHandle handle) => FrameOf(handle);

    /// <summary>The frame of the synchronous body pending here, made on first use, without entering it.</summary>
    internal static ThroughlineFrame? PendingFrame() => PendingHere() is { } task ? FrameOf(task) : null;

    /// <summary>The task whose body is running here: the pending synchronous body, else the innermost task frame.</summary>
    internal static TaskHandle? CurrentTask
    {
        get
        {
            if (PendingHere() is { } pending)
            {
                return pending;
            }

            for (var frame = s_current.Value; frame is not null; frame = frame.Parent)
            {
                if (frame.Task is { } task)
                {
                    return task;
                }
            }

            return null;
        }
    }

    /// <summary>The synchronous body pending on this thread, if the code asking runs in the context it started with.</summary>
    private static TaskHandle? PendingHere() =>
        t_pending is { Task: { } task } pending && ReferenceEquals(ExecutionContext.Capture(), pending.Context) ? task : null;

    /// <summary>
    /// Enters the pending body's frame into the execution context, so that it flows from here on. The body's context
    /// then differs from the one it started in, so this happens again only if the context is put back (an async
    /// method called synchronously restores it when it returns).
    /// </summary>
    private static ThroughlineFrame Materialize(TaskHandle task)
    {
        var frame = FrameOf(task);
        s_current.Value = frame;
        return frame;
    }

    // Called in the context the body started with: the execution context's frame is the outer one.
    private static ThroughlineFrame FrameOf(TaskHandle task)
    {
        var extras = task.Extras;
        return extras.Frame ??= new ThroughlineFrame(task.Name, null, s_current.Value, task);
    }

    /// <summary>Sets the current frame back (when the execution context cannot be restored as a whole).</summary>
    internal static void Restore(ThroughlineFrame? frame) => s_current.Value = frame;

    /// <summary>Records the chain on an exception that does not carry one yet (the innermost record wins).</summary>
    internal static void Tag(Exception exception, ThroughlineFrame? frame)
    {
        if (frame is null)
        {
            return;
        }

        try
        {
            if (!exception.Data.Contains(ExceptionDataKey))
            {
                exception.Data[ExceptionDataKey] = frame.ToString();
            }
        }
        catch (Exception)
        {
            // Some exceptions have read-only Data; the chain is then only in the log scope.
        }
    }

    /// <summary>
    /// Tags an exception with the chain active where it was thrown; returns false. Used as an exception filter where
    /// the runtime catches what a synchronous body threw: filters run before the body's <c>finally</c> blocks, so its
    /// own frames (<see cref="Push"/> scopes) are still current. No process-wide first-chance handler taxes the
    /// exceptions the rest of the application throws.
    /// </summary>
    internal static bool TagWhereThrown(Exception exception)
    {
        if ((PendingFrame() ?? s_current.Value) is { } frame)
        {
            Tag(exception, frame);
        }

        return false;
    }

    /// <summary>The synchronous body running on a thread (one per thread, reused), and the context it started in.</summary>
    internal sealed class PendingBody
    {
        public TaskHandle? Task;
        public ExecutionContext? Context;

        /// <summary>What <see cref="EnterPending"/> replaced, put back by <see cref="ExitPending"/>.</summary>
        internal readonly record struct Saved(PendingBody Pending, TaskHandle? Task, ExecutionContext? Context);
    }

    /// <summary>Restores the frame that was current when it was pushed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly ThroughlineFrame? _previous;

        internal Scope(ThroughlineFrame? previous) => _previous = previous;

        /// <summary>Pops the frame.</summary>
        public void Dispose() => s_current.Value = _previous;
    }
}

/// <summary>One immutable frame of the <see cref="Throughline"/>.</summary>
public sealed class ThroughlineFrame
{
    private string[]? _chain;

    internal ThroughlineFrame(string name, IReadOnlyDictionary<string, object?>? properties, ThroughlineFrame? parent, TaskHandle? task)
    {
        Name = name;
        Properties = properties ?? EmptyProperties.Instance;
        Parent = parent;
        Task = task;
        Depth = parent is null ? 1 : parent.Depth + 1;
    }

    /// <summary>The frame's label.</summary>
    public string Name { get; }

    /// <summary>Properties pushed with the frame.</summary>
    public IReadOnlyDictionary<string, object?> Properties { get; }

    /// <summary>The enclosing frame.</summary>
    public ThroughlineFrame? Parent { get; }

    /// <summary>The task this frame stands for, if a running task pushed it.</summary>
    public TaskHandle? Task { get; }

    /// <summary>How many frames deep this one is (1 for an outermost frame).</summary>
    public int Depth { get; }

    /// <summary>The names from the outermost frame to this one.</summary>
    public IReadOnlyList<string> Chain
    {
        get
        {
            if (_chain is null)
            {
                var chain = new string[Depth];
                var frame = this;
                for (var i = Depth - 1; i >= 0; i--)
                {
                    chain[i] = frame!.Name;
                    frame = frame.Parent;
                }

                _chain = chain;
            }

            return _chain;
        }
    }

    /// <summary>The chain as text: <c>outer &gt; inner</c>.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        foreach (var name in Chain)
        {
            if (builder.Length > 0)
            {
                builder.Append(" > ");
            }

            builder.Append(name);
        }

        return builder.ToString();
    }

    private sealed class EmptyProperties : IReadOnlyDictionary<string, object?>
    {
        public static readonly EmptyProperties Instance = new();

        public int Count => 0;

        public IEnumerable<string> Keys => Array.Empty<string>();

        public IEnumerable<object?> Values => Array.Empty<object?>();

        public object? this[string key] => throw new KeyNotFoundException(key);

        public bool ContainsKey(string key) => false;

        public bool TryGetValue(string key, out object? value)
        {
            value = null;
            return false;
        }

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            yield break;
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
