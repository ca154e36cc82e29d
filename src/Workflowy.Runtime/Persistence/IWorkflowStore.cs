using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// Where runs are checkpointed: task states and results, the run's inputs, recorded side effects and state, and
/// published events. Implementations: <see cref="InMemoryWorkflowStore"/>, <see cref="JsonFileWorkflowStore"/>, and
/// SQLite in the Workflowy.Sqlite package. Set it on <see cref="WorkflowRunner.Store"/>.
/// </summary>
public interface IWorkflowStore
{
    /// <summary>The checkpoint of a run, or null if there is none. Throws <see cref="CheckpointException"/> if what is stored cannot be read.</summary>
    ValueTask<RunCheckpoint?> LoadAsync(string workflow, string runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Merges a batch into the run's checkpoint atomically: task records and values are upserted by key, inputs are
    /// set if given, and so are the run's <see cref="RunCheckpoint.StartedAt"/> and its
    /// <see cref="RunCheckpoint.Status"/> (which sets <see cref="RunCheckpoint.EndedAt"/> with it, null included).
    /// Either the whole batch is stored or nothing is.
    /// </summary>
    ValueTask SaveAsync(RunCheckpoint batch, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists runs: those matching the query's filters, newest first (by <see cref="RunCheckpoint.StartedAt"/>; runs
    /// with none come last; ties by run id, then workflow, descending), a page of at most
    /// <see cref="RunQuery.Limit"/> at a time. A page's <see cref="RunQueryResult.Continuation"/> continues after its
    /// last run, so runs added meanwhile (which start later) do not shift the next pages. Runs that cannot be read are
    /// reported in <see cref="RunQueryResult.Unreadable"/>, not thrown. Throws <see cref="ArgumentException"/> for a
    /// continuation that is not one, and <see cref="CheckpointException"/> if the store itself cannot be read.
    /// </summary>
    ValueTask<RunQueryResult> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken = default);

    /// <summary>The payload of a published event (JSON), or null if it has not been published.</summary>
    ValueTask<string?> GetEventAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Records an event and its payload (JSON); publishing again replaces the payload.</summary>
    ValueTask PublishEventAsync(string name, string payloadJson, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the lease of a run for <paramref name="owner"/>, so that one runner (one process) executes the run at a
    /// time. Granted if no one holds it, if <paramref name="owner"/> holds it already, or if the holder's lease has
    /// expired (its expiry is at or before <paramref name="now"/>); the lease then lasts until <paramref name="now"/> +
    /// <paramref name="duration"/>. Otherwise the holder keeps it and its owner and expiry are returned. Atomic: of
    /// several owners asking at once (through this store instance, another one, or another process), at most one is
    /// granted. The lease is independent of the run's checkpoint (a new run can be leased before it has one).
    /// </summary>
    /// <remarks>
    /// The default implementation grants every request and stores nothing: a store that does not implement leases does
    /// not stop two runners from executing the same run. The stores of Workflowy implement them.
    /// </remarks>
    /// <param name="workflow">The workflow key.</param>
    /// <param name="runId">The run id.</param>
    /// <param name="owner">Who asks (<see cref="WorkflowRunner.RunLeaseOwner"/>).</param>
    /// <param name="now">The current time, on the asking runner's clock; expiries are compared with it.</param>
    /// <param name="duration">How long the lease lasts unless renewed.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    ValueTask<RunLease> TryAcquireRunLeaseAsync(string workflow, string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken = default) =>
        new(new RunLease(true, owner, now + duration));

    /// <summary>
    /// Extends the lease <paramref name="owner"/> holds on a run to <paramref name="now"/> + <paramref name="duration"/>,
    /// even if it expired meanwhile, as long as no one else took it. Not granted (<see cref="RunLease.Acquired"/> false)
    /// if another owner holds it now or no one does (it was released or taken over and released): the caller lost the
    /// run and must stop writing to it.
    /// </summary>
    /// <remarks>The default implementation grants every renewal (see <see cref="TryAcquireRunLeaseAsync"/>).</remarks>
    /// <param name="workflow">The workflow key.</param>
    /// <param name="runId">The run id.</param>
    /// <param name="owner">The owner that holds the lease.</param>
    /// <param name="now">The current time, on the renewing runner's clock.</param>
    /// <param name="duration">How long the lease lasts from now unless renewed again.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    ValueTask<RunLease> RenewRunLeaseAsync(string workflow, string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken = default) =>
        new(new RunLease(true, owner, now + duration));

    /// <summary>Ends the lease <paramref name="owner"/> holds on a run, so that another runner can take the run at once; does nothing if another owner (or no one) holds it.</summary>
    /// <remarks>The default implementation does nothing (see <see cref="TryAcquireRunLeaseAsync"/>).</remarks>
    /// <param name="workflow">The workflow key.</param>
    /// <param name="runId">The run id.</param>
    /// <param name="owner">The owner that holds the lease.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    ValueTask ReleaseRunLeaseAsync(string workflow, string runId, string owner, CancellationToken cancellationToken = default) => default;
}

/// <summary>A run's lease as a store answered a request for it: whether the asker holds it now, who does, and until when.</summary>
/// <param name="Acquired">Whether the owner that asked holds the lease now (granted or renewed).</param>
/// <param name="Owner">Who holds the lease now: the asker if granted, else the other holder; null if no one does (a renewal of a lease that is gone).</param>
/// <param name="ExpiresAt">When the holder's lease expires unless renewed (<c>default</c> if no one holds it).</param>
public sealed record RunLease(bool Acquired, string? Owner, DateTimeOffset ExpiresAt);

/// <summary>One task's checkpoint: its identity in the run, state, result (JSON), attempts, error and timestamps.</summary>
/// <param name="Key">The task's identity in the run: its graph name, or the key of a dynamic submission.</param>
/// <param name="State">The state it reached.</param>
/// <param name="ResultJson">Its result as JSON, for completed tasks whose result type the workflow's serializer knows.</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="Error">The failure, as text.</param>
/// <param name="StartedAt">When its last attempt started.</param>
/// <param name="FinishedAt">When it became terminal.</param>
public sealed record TaskRecord(
    string Key,
    TaskState State,
    string? ResultJson,
    int Attempts,
    string? Error,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt);

/// <summary>A run's checkpoint (as loaded), or a batch of changes to merge into it (as saved).</summary>
/// <param name="Workflow">The workflow (graph) name.</param>
/// <param name="RunId">The run id.</param>
/// <param name="InputsJson">The run's inputs as a JSON object (set once, when the run starts).</param>
/// <param name="Tasks">Task records, by key.</param>
/// <param name="Values">Recorded side effects and run state, as JSON, by key.</param>
public sealed record RunCheckpoint(
    string Workflow,
    string RunId,
    string? InputsJson,
    IReadOnlyList<TaskRecord> Tasks,
    IReadOnlyDictionary<string, string> Values)
{
    /// <summary>
    /// The run's status: as loaded, the recorded one (null if none was ever recorded); in a batch, null leaves it (and
    /// <see cref="EndedAt"/>) as stored, a value replaces it and <see cref="EndedAt"/>.
    /// </summary>
    public RunStatus? Status { get; init; }

    /// <summary>When the run first started: as loaded, the recorded time (null if none); in a batch, null leaves it as stored.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the run last ended (null while it runs): as loaded, the recorded time; in a batch, stored together with <see cref="Status"/> (ignored without one).</summary>
    public DateTimeOffset? EndedAt { get; init; }
}

/// <summary>A checkpoint could not be read or written: what is wrong and where. What is stored is left untouched.</summary>
public sealed class CheckpointException : WorkflowException
{
    /// <summary>Creates the exception.</summary>
    public CheckpointException(string message, string location, Exception? innerException = null)
        : base($"{message} ({location})", innerException) => Location = location;

    /// <summary>The file, database or key the problem is in.</summary>
    public string Location { get; }
}
