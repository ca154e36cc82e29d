using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

public abstract partial class WorkflowRun
{
    /// <summary>The explicit keys of this run's submissions (<see cref="TaskOptions.Key"/>); made with the first one.</summary>
    private SubmissionKeys? _submissionKeys;

    /// <summary>
    /// Gives a submission its explicit key, or refuses it with an <see cref="ArgumentException"/> when the key is a graph
    /// task's name or another task of this run has it (see <see cref="SubmissionKeys"/> for the one exception). Called
    /// from <see cref="AssignKey"/> under the tasks lock.
    /// </summary>
    private void ClaimKey(TaskHandle handle, string key, TaskHandle? parent)
    {
        string refusal;
        if (Graph.IndexOf(key) >= 0)
        {
            refusal = $"Key '{key}' is the name of a graph task of {this}, which is that task's key in checkpoints. Give the submission another Key.";
        }
        else if ((_submissionKeys ??= new SubmissionKeys()).TryClaim(key, handle, parent) is { } holder)
        {
            refusal = $"Key '{key}' is already the key of task '{holder.Name}' in {this}. A key identifies one task of a run in its checkpoints " +
                      "(a resumed run restores every task with that key from the one record), so give this submission another Key. " +
                      "A task that runs again (a retry, or a rerun) may submit its children with the same keys as before.";
        }
        else
        {
            return;
        }

        CountOutRefused();
        throw new ArgumentException(refusal, "options");
    }

    /// <summary>
    /// Takes back the count of a refused submission: Register counts a task in before it exists (so the run cannot end
    /// in between), and this one never will. If it was all that kept a started run going, the run ends, on the thread
    /// pool, since the caller holds the tasks lock.
    /// </summary>
    private void CountOutRefused()
    {
        var counts = Interlocked.Add(ref _counts, -(1L << 32));
        if ((int)counts == (int)(counts >> 32) && Volatile.Read(ref _phase) == RunActive)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static run => run.EndRun(), this, preferLocal: false);
        }
    }
}

/// <summary>
/// Which submitted task of a run holds each explicit key. A key is held by one task, with one exception that loses
/// nothing: a task that runs again (the next attempt of a retry, or a rerun) submits its children again, with the same
/// keys, and such a child takes over the key from the one submitted by the earlier execution of the same parent (both
/// stay in the run; the checkpoint keeps one record per key, as for children without explicit keys). Any other
/// second use of a key, even after the first task ended, is refused. Used under the run's tasks lock.
/// </summary>
internal sealed class SubmissionKeys
{
    private readonly Dictionary<string, Claim> _claims = new(StringComparer.Ordinal);

    /// <summary>Gives <paramref name="key"/> to <paramref name="handle"/>; null if it did, else the task that keeps it.</summary>
    /// <param name="key">The explicit key.</param>
    /// <param name="handle">The task being submitted.</param>
    /// <param name="parent">The task whose body submits it, if any.</param>
    public TaskHandle? TryClaim(string key, TaskHandle handle, TaskHandle? parent)
    {
        var claim = new Claim(handle, parent, parent?.Attempts ?? 0, parent?.Run.Completion);
        if (_claims.TryGetValue(key, out var held) && !claim.RepeatsChildOf(held))
        {
            return held.Handle;
        }

        _claims[key] = claim;
        return null;
    }

    /// <summary>
    /// A key's holder, and the execution of its parent that submitted it: the parent's attempt, and its run's
    /// <see cref="WorkflowRun.Completion"/>, which a rerun replaces (a rerun counts attempts from 1 again).
    /// </summary>
    private readonly record struct Claim(TaskHandle Handle, TaskHandle? Parent, int ParentAttempt, Task? ParentRunCompletion)
    {
        /// <summary>Whether this is the same parent's submission in a later execution of that parent.</summary>
        public bool RepeatsChildOf(Claim earlier) =>
            Parent is not null &&
            ReferenceEquals(Parent, earlier.Parent) &&
            (ParentAttempt != earlier.ParentAttempt || !ReferenceEquals(ParentRunCompletion, earlier.ParentRunCompletion));
    }
}
