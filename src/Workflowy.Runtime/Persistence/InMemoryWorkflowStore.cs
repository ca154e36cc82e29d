using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>A store in process memory: resume within the process, and tests. Run leases are kept per store instance.</summary>
public sealed class InMemoryWorkflowStore : IWorkflowStore
{
    private readonly object _lock = new();
    private readonly Dictionary<(string Workflow, string RunId), Entry> _runs = new();
    private readonly Dictionary<string, string> _events = new();
    private readonly Dictionary<(string Workflow, string RunId), (string Owner, DateTimeOffset ExpiresAt)> _leases = new();

    /// <inheritdoc />
    public ValueTask<RunCheckpoint?> LoadAsync(string workflow, string runId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_runs.TryGetValue((workflow, runId), out var entry)
                ? new RunCheckpoint(workflow, runId, entry.Inputs, entry.Tasks.Values.ToList(), new Dictionary<string, string>(entry.Values))
                {
                    Status = entry.Status,
                    StartedAt = entry.StartedAt,
                    EndedAt = entry.EndedAt,
                }
                : null);
        }
    }

    /// <inheritdoc />
    public ValueTask SaveAsync(RunCheckpoint batch, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_runs.TryGetValue((batch.Workflow, batch.RunId), out var entry))
            {
                entry = new Entry();
                _runs[(batch.Workflow, batch.RunId)] = entry;
            }

            entry.Inputs = batch.InputsJson ?? entry.Inputs;
            entry.StartedAt = batch.StartedAt ?? entry.StartedAt;
            if (batch.Status is { } status)
            {
                entry.Status = status;
                entry.EndedAt = batch.EndedAt;
            }

            foreach (var task in batch.Tasks)
            {
                entry.Tasks[task.Key] = task;
            }

            foreach (var value in batch.Values)
            {
                entry.Values[value.Key] = value.Value;
            }
        }

        return default;
    }

    /// <inheritdoc />
    public ValueTask<RunQueryResult> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var matching = new List<RunSummary>();
        lock (_lock)
        {
            foreach (var ((workflow, runId), entry) in _runs)
            {
                if (RunListing.Matches(query, workflow, entry.Status, entry.StartedAt))
                {
                    var counts = default(TaskCounts);
                    foreach (var task in entry.Tasks.Values)
                    {
                        counts = counts.Add(task.State);
                    }

                    matching.Add(new RunSummary(workflow, runId, entry.Status, entry.StartedAt, entry.EndedAt, counts));
                }
            }
        }

        return new(RunListing.Page(query, matching, Array.Empty<CheckpointException>()));
    }

    /// <inheritdoc />
    public ValueTask<string?> GetEventAsync(string name, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return new(_events.TryGetValue(name, out var payload) ? payload : null);
        }
    }

    /// <inheritdoc />
    public ValueTask PublishEventAsync(string name, string payloadJson, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _events[name] = payloadJson;
        }

        return default;
    }

    /// <inheritdoc />
    public ValueTask<RunLease> TryAcquireRunLeaseAsync(string workflow, string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        lock (_lock)
        {
            if (_leases.TryGetValue((workflow, runId), out var held) && held.Owner != owner && held.ExpiresAt > now)
            {
                return new(new RunLease(false, held.Owner, held.ExpiresAt));
            }

            _leases[(workflow, runId)] = (owner, now + duration);
            return new(new RunLease(true, owner, now + duration));
        }
    }

    /// <inheritdoc />
    public ValueTask<RunLease> RenewRunLeaseAsync(string workflow, string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        lock (_lock)
        {
            if (!_leases.TryGetValue((workflow, runId), out var held))
            {
                return new(new RunLease(false, null, default));
            }

            if (held.Owner != owner)
            {
                return new(new RunLease(false, held.Owner, held.ExpiresAt));
            }

            _leases[(workflow, runId)] = (owner, now + duration);
            return new(new RunLease(true, owner, now + duration));
        }
    }

    /// <inheritdoc />
    public ValueTask ReleaseRunLeaseAsync(string workflow, string runId, string owner, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_leases.TryGetValue((workflow, runId), out var held) && held.Owner == owner)
            {
                _leases.Remove((workflow, runId));
            }
        }

        return default;
    }

    private sealed class Entry
    {
        public string? Inputs { get; set; }

        public RunStatus? Status { get; set; }

        public DateTimeOffset? StartedAt { get; set; }

        public DateTimeOffset? EndedAt { get; set; }

        public Dictionary<string, TaskRecord> Tasks { get; } = new();

        public Dictionary<string, string> Values { get; } = new();
    }
}
