using System;
using System.Diagnostics;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

// Run leases: one lease file per leased run, beside its checkpoint (runs/<workflow>/<run id>.lease), holding the owner
// and the expiry. Lease files are read and changed only under an exclusive lock of the workflow directory's guard file
// (runs/<workflow>/.leases.lock, opened with FileShare.None: a sharing lock on Windows, flock on Unix), taken by every
// store instance in every process for the few milliseconds a lease change takes and released by the operating system
// if the process dies. So a lease is granted to one owner at a time however many ask at once, and a lease file is
// never read half written (it is written to a temporary file and renamed over the old one, as checkpoints are).
public sealed partial class JsonFileWorkflowStore
{
    /// <summary>The schema name written in every lease file.</summary>
    public const string LeaseSchema = Schema + ".lease";

    /// <summary>How long a lease change waits for other store instances or processes holding the guard file's lock.</summary>
    private static readonly TimeSpan LeaseLockTimeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _leaseGate = new(1, 1);

    /// <summary>The file that holds a run's lease while a runner executes it: beside the run's checkpoint, with the extension <c>.lease</c>.</summary>
    public string LeasePathOf(string workflow, string runId)
    {
        var path = PathOf(workflow, runId);
        return (path.EndsWith(".json", StringComparison.Ordinal) ? path[..^".json".Length] : path) + ".lease";
    }

    /// <inheritdoc />
    public ValueTask<RunLease> TryAcquireRunLeaseAsync(string workflow, string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken = default) =>
        UnderLeaseLockAsync(workflow, runId, owner, (path, ct) => ChangeLeaseAsync(path, workflow, runId, owner, now, duration, renew: false, ct), cancellationToken);

    /// <inheritdoc />
    public ValueTask<RunLease> RenewRunLeaseAsync(string workflow, string runId, string owner, DateTimeOffset now, TimeSpan duration, CancellationToken cancellationToken = default) =>
        UnderLeaseLockAsync(workflow, runId, owner, (path, ct) => ChangeLeaseAsync(path, workflow, runId, owner, now, duration, renew: true, ct), cancellationToken);

    /// <inheritdoc />
    public async ValueTask ReleaseRunLeaseAsync(string workflow, string runId, string owner, CancellationToken cancellationToken = default) =>
        await UnderLeaseLockAsync(
            workflow,
            runId,
            owner,
            (path, _) =>
            {
                if (ReadLease(path, workflow, runId)?.Owner == owner)
                {
                    try
                    {
                        File.Delete(path);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        throw new CheckpointException($"The run's lease cannot be released: {ex.Message}", path, ex);
                    }
                }

                return Task.FromResult(true);
            },
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Runs a change of a run's lease file under this instance's gate and the guard file's OS lock (other instances and
    /// processes), so reading the lease and writing it cannot interleave with another change.
    /// </summary>
    private async ValueTask<T> UnderLeaseLockAsync<T>(string workflow, string runId, string owner, Func<string, CancellationToken, Task<T>> change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(runId);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        var path = LeasePathOf(workflow, runId);
        await _leaseGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var guard = await LockLeasesAsync(path, cancellationToken).ConfigureAwait(false);
            await using (guard.ConfigureAwait(false))
            {
                return await change(path, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _leaseGate.Release();
        }
    }

    /// <summary>
    /// Takes or renews the lease (the caller holds the lock): taking it is refused while another owner's lease has not
    /// expired; renewing it is refused unless this owner holds it.
    /// </summary>
    private async Task<RunLease> ChangeLeaseAsync(string path, string workflow, string runId, string owner, DateTimeOffset now, TimeSpan duration, bool renew, CancellationToken cancellationToken)
    {
        var held = ReadLease(path, workflow, runId);
        if (renew && held is null)
        {
            return new RunLease(false, null, default);
        }

        if (held is not null && held.Owner != owner && (renew || held.ExpiresAt > now))
        {
            return new RunLease(false, held.Owner, held.ExpiresAt!.Value);
        }

        await WriteLeaseAsync(path, workflow, runId, owner, now + duration, cancellationToken).ConfigureAwait(false);
        return new RunLease(true, owner, now + duration);
    }

    /// <summary>Takes the exclusive lock of the guard file beside <paramref name="leasePath"/>, waiting (polling) up to <see cref="LeaseLockTimeout"/> for whoever holds it.</summary>
    private static async Task<FileStream> LockLeasesAsync(string leasePath, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(leasePath)!;
        var path = Path.Combine(directory, ".leases.lock");
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0 };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var started = Stopwatch.GetTimestamp();
        var delay = 1;
        while (true)
        {
            try
            {
                System.IO.Directory.CreateDirectory(directory);
                return new FileStream(path, options);
            }
            catch (IOException ex) when (ex is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
            {
                // Held by another store instance or process (a sharing violation, or flock's EWOULDBLOCK): try again soon.
                if (Stopwatch.GetElapsedTime(started) > LeaseLockTimeout)
                {
                    throw new CheckpointException($"The run leases stayed locked by another process for more than {LeaseLockTimeout.TotalSeconds:0} s: {ex.Message}", path, ex);
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Math.Min(delay * 2, 50);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CheckpointException($"The run leases cannot be locked: {ex.Message}", path, ex);
            }
        }
    }

    /// <summary>The lease in a lease file, or null if there is none. Throws <see cref="CheckpointException"/> for a file that is not this run's lease.</summary>
    private static LeaseFile? ReadLease(string path, string workflow, string runId)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"The run's lease cannot be read: {ex.Message}", path, ex);
        }

        LeaseFile? lease;
        try
        {
            lease = JsonSerializer.Deserialize(bytes, LeaseJsonContext.Default.LeaseFile);
        }
        catch (JsonException ex)
        {
            throw new CheckpointException($"The run's lease file is not valid JSON (corrupt); if no process executes the run, delete it: {ex.Message}", path, ex);
        }

        if (lease is null || lease.Schema != LeaseSchema || lease.Version != SchemaVersion || lease.Workflow != workflow || lease.RunId != runId ||
            string.IsNullOrEmpty(lease.Owner) || lease.ExpiresAt is null)
        {
            throw new CheckpointException($"The file is not the lease of run '{runId}' of '{workflow}' (schema '{lease?.Schema ?? "none"}' version {lease?.Version}, run '{lease?.RunId}' of '{lease?.Workflow}'); if no process executes the run, delete it", path);
        }

        return lease;
    }

    private Task WriteLeaseAsync(string path, string workflow, string runId, string owner, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        var lease = new LeaseFile { Workflow = workflow, RunId = runId, Owner = owner, ExpiresAt = expiresAt };
        return WriteAtomicallyAsync(path, JsonSerializer.SerializeToUtf8Bytes(lease, LeaseJsonContext.Default.LeaseFile), "lease file", cancellationToken);
    }
}

internal sealed class LeaseFile
{
    public string? Schema { get; set; } = JsonFileWorkflowStore.LeaseSchema;

    public int Version { get; set; } = JsonFileWorkflowStore.SchemaVersion;

    public string? Workflow { get; set; }

    public string? RunId { get; set; }

    public string? Owner { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = false, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LeaseFile))]
internal sealed partial class LeaseJsonContext : JsonSerializerContext
{
}
