using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.Scheduling;

/// <summary>
/// Schedule state in one JSON file (<c>schedules.json</c> in a directory), safe for several schedulers and processes:
/// every change reads the file, changes it and writes it back (a temporary file renamed over it) under an exclusive
/// OS lock of a guard file beside it (<c>schedules.lock</c>, opened with <see cref="FileShare.None"/>), so a claim is a
/// true compare-and-swap across processes. A file that is not a schedule store's is refused untouched.
/// </summary>
public sealed class JsonFileScheduleStore : IScheduleStore
{
    /// <summary>The schema name written in the file.</summary>
    public const string Schema = "workflowy.schedules";

    private const int Version = 1;
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Uses (and creates when needed) <paramref name="directory"/>.</summary>
    public JsonFileScheduleStore(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = Path.GetFullPath(directory);
        FilePath = Path.Combine(Directory, "schedules.json");
    }

    /// <summary>The store's directory.</summary>
    public string Directory { get; }

    /// <summary>The store's file.</summary>
    public string FilePath { get; }

    /// <inheritdoc />
    public ValueTask<ScheduleRecord> GetOrAddAsync(ScheduleRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return ChangeAsync(state => (state.GetOrAdd(record), true), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<ScheduleRecord?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        ChangeAsync(state => (state.Records.GetValueOrDefault(id), false), cancellationToken);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ScheduleRecord>> ListAsync(CancellationToken cancellationToken = default) =>
        ChangeAsync(state => ((IReadOnlyList<ScheduleRecord>)[.. state.Records.Values], false), cancellationToken);

    /// <inheritdoc />
    public ValueTask<ScheduleRecord?> TryClaimAsync(string id, DateTimeOffset? expectedLastScheduled, DateTimeOffset lastScheduled, DateTimeOffset? firedAt, CancellationToken cancellationToken = default) =>
        ChangeAsync(state => state.TryClaim(id, expectedLastScheduled, lastScheduled, firedAt) is { } claimed ? (claimed, true) : ((ScheduleRecord?)null, false), cancellationToken);

    /// <inheritdoc />
    public ValueTask<ScheduleRecord?> SetPausedAsync(string id, bool paused, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        ChangeAsync(state => state.SetPaused(id, paused, at) is { } changed ? (changed, true) : ((ScheduleRecord?)null, false), cancellationToken);

    /// <inheritdoc />
    public ValueTask<ScheduleRecord?> SetStateAsync(string id, ScheduleState state, DateTimeOffset? lastCompleted, CancellationToken cancellationToken = default) =>
        ChangeAsync(s => s.SetState(id, state, lastCompleted) is { } changed ? (changed, true) : ((ScheduleRecord?)null, false), cancellationToken);

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(string id, CancellationToken cancellationToken = default) =>
        ChangeAsync(state =>
        {
            var removed = state.Records.Remove(id);
            return (removed, removed);
        }, cancellationToken);

    /// <inheritdoc />
    public async ValueTask AppendOccurrencesAsync(IReadOnlyList<ScheduleOccurrence> occurrences, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(occurrences);
        if (occurrences.Count == 0)
        {
            return;
        }

        await ChangeAsync(state =>
        {
            state.Append(occurrences);
            return (true, true);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ScheduleOccurrence>> QueryOccurrencesAsync(string? scheduleId, int max = 1000, CancellationToken cancellationToken = default) =>
        ChangeAsync(state => (state.Query(scheduleId, max), false), cancellationToken);

    /// <summary>Reads the file, applies <paramref name="change"/> and, if it says so, writes the file back; all under the locks.</summary>
    private async ValueTask<T> ChangeAsync<T>(Func<ScheduleStoreState, (T Result, bool Write)> change, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var guard = await LockAsync(cancellationToken).ConfigureAwait(false);
            await using (guard.ConfigureAwait(false))
            {
                var state = Read();
                var (result, write) = change(state);
                if (write)
                {
                    Write(state);
                }

                return result;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private ScheduleStoreState Read()
    {
        var state = new ScheduleStoreState();
        if (!File.Exists(FilePath))
        {
            return state;
        }

        ScheduleFile? file;
        try
        {
            using var stream = File.OpenRead(FilePath);
            file = JsonSerializer.Deserialize(stream, ScheduleStoreJson.Default.ScheduleFile);
        }
        catch (JsonException ex)
        {
            throw new ScheduleStoreException($"The schedule store file is not valid JSON and was left untouched: {ex.Message}", FilePath, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ScheduleStoreException($"The schedule store file cannot be read: {ex.Message}", FilePath, ex);
        }

        if (file is null || file.Schema != Schema)
        {
            throw new ScheduleStoreException($"The file is not a schedule store's (schema '{file?.Schema}', expected '{Schema}') and was left untouched", FilePath);
        }

        if (file.Version != Version)
        {
            throw new ScheduleStoreException($"The schedule store file has version {file.Version}; this version reads {Version}", FilePath);
        }

        foreach (var record in file.Schedules)
        {
            state.Records[record.Id] = record;
        }

        state.Append(file.Occurrences);
        return state;
    }

    private void Write(ScheduleStoreState state)
    {
        var file = new ScheduleFile { Schema = Schema, Version = Version, Schedules = [.. state.Records.Values] };
        foreach (var list in state.Occurrences.Values)
        {
            file.Occurrences.AddRange(list);
        }

        var temporary = FilePath + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(stream, file, ScheduleStoreJson.Default.ScheduleFile);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, FilePath, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ScheduleStoreException($"The schedule store file cannot be written: {ex.Message}", FilePath, ex);
        }
    }

    /// <summary>Takes the guard file's exclusive lock, polling up to <see cref="LockTimeout"/> while another instance or process holds it.</summary>
    private async Task<FileStream> LockAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Directory, "schedules.lock");
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None, BufferSize = 0 };
        var started = Stopwatch.GetTimestamp();
        var delay = 1;
        while (true)
        {
            try
            {
                System.IO.Directory.CreateDirectory(Directory);
                return new FileStream(path, options);
            }
            catch (IOException ex) when (ex is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException))
            {
                if (Stopwatch.GetElapsedTime(started) > LockTimeout)
                {
                    throw new ScheduleStoreException($"The schedule store stayed locked by another process for more than {LockTimeout.TotalSeconds:0} s: {ex.Message}", path, ex);
                }

                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Math.Min(delay * 2, 50);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ScheduleStoreException($"The schedule store cannot be locked: {ex.Message}", path, ex);
            }
        }
    }
}

/// <summary>The file's shape.</summary>
internal sealed class ScheduleFile
{
    public string? Schema { get; set; }

    public int Version { get; set; }

    public List<ScheduleRecord> Schedules { get; set; } = [];

    public List<ScheduleOccurrence> Occurrences { get; set; } = [];
}

[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ScheduleFile))]
internal sealed partial class ScheduleStoreJson : JsonSerializerContext
{
}
