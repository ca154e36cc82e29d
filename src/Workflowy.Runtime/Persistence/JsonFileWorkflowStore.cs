using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// A store of JSON files under a directory: one file per run (<c>runs/{workflow}/{runId}.json</c>) and per event
/// (<c>events/{name}.json</c>). Every write is atomic: a temporary file in the same directory, flushed to disk, then
/// renamed over the old one. Files carry a schema name and version; a corrupt, truncated or foreign file gives a
/// <see cref="CheckpointException"/> and is left untouched. Writers are serialised within a process; for several
/// processes writing the same run, use the SQLite store.
/// </summary>
public sealed partial class JsonFileWorkflowStore : IWorkflowStore
{
    /// <summary>The schema name written in every file.</summary>
    public const string Schema = "workflowy.run";

    /// <summary>The schema version this store writes and reads.</summary>
    public const int SchemaVersion = 1;

    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates a store under <paramref name="directory"/> (created if needed).</summary>
    public JsonFileWorkflowStore(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = Path.GetFullPath(directory);
    }

    /// <summary>The store's root directory.</summary>
    public string Directory { get; }

    /// <summary>The file that holds a run's checkpoint.</summary>
    public string PathOf(string workflow, string runId) =>
        Path.Combine(Directory, "runs", FileName(workflow), FileName(runId) + ".json");

    /// <inheritdoc />
    public async ValueTask<RunCheckpoint?> LoadAsync(string workflow, string runId, CancellationToken cancellationToken = default)
    {
        var path = PathOf(workflow, runId);
        var file = await ReadAsync(path, StoreJsonContext.Default.RunFile, cancellationToken).ConfigureAwait(false);
        if (file is null)
        {
            return null;
        }

        Validate(file, workflow, runId, path);
        var tasks = new List<TaskRecord>();
        foreach (var (key, task) in file.Tasks!)
        {
            tasks.Add(new TaskRecord(key, StateOf(key, task, path), task.Result?.GetRawText(), task.Attempts, task.Error, task.StartedAt, task.FinishedAt));
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in file.Values!)
        {
            values[key] = value.GetRawText();
        }

        return new RunCheckpoint(workflow, runId, file.Inputs?.GetRawText(), tasks, values)
        {
            Status = StatusOf(file, path),
            StartedAt = file.StartedAt,
            EndedAt = file.EndedAt,
        };
    }

    /// <inheritdoc />
    public async ValueTask SaveAsync(RunCheckpoint batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var path = PathOf(batch.Workflow, batch.RunId);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var file = await ReadAsync(path, StoreJsonContext.Default.RunFile, cancellationToken).ConfigureAwait(false);
            if (file is null)
            {
                file = new RunFile { Workflow = batch.Workflow, RunId = batch.RunId };
            }
            else
            {
                Validate(file, batch.Workflow, batch.RunId, path);
            }

            if (batch.InputsJson is not null)
            {
                file.Inputs = Parse(batch.InputsJson, path, "inputs");
            }

            file.StartedAt = batch.StartedAt ?? file.StartedAt;
            if (batch.Status is { } status)
            {
                file.Status = StatusName(status);
                file.EndedAt = batch.EndedAt;
            }

            foreach (var task in batch.Tasks)
            {
                file.Tasks![task.Key] = new TaskFileEntry
                {
                    State = task.State.ToString(),
                    Result = task.ResultJson is null ? null : Parse(task.ResultJson, path, $"result of '{task.Key}'"),
                    Attempts = task.Attempts,
                    Error = task.Error,
                    StartedAt = task.StartedAt,
                    FinishedAt = task.FinishedAt,
                };
            }

            foreach (var (key, value) in batch.Values)
            {
                file.Values![key] = Parse(value, path, $"value '{key}'");
            }

            await WriteAtomicallyAsync(path, JsonSerializer.SerializeToUtf8Bytes(file, StoreJsonContext.Default.RunFile), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Lists runs (see <see cref="IWorkflowStore.QueryRunsAsync"/>) by reading every run file (of the query's workflow,
    /// if it names one) on every page: the cost grows with the number of runs stored. Temporary files are ignored. A
    /// file that cannot be read (corrupt, truncated, foreign, or not at the path of the run it names) is left out of
    /// the runs, left untouched, and reported in <see cref="RunQueryResult.Unreadable"/> on the first page (the query
    /// without a continuation).
    /// </summary>
    public async ValueTask<RunQueryResult> QueryRunsAsync(RunQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Continuation is { } continuation)
        {
            _ = RunListing.Decode(continuation);
        }

        var root = Path.Combine(Directory, "runs");
        var directories = new List<string>();
        if (query.Workflow is { } workflow)
        {
            directories.Add(Path.Combine(root, FileName(workflow)));
        }
        else if (System.IO.Directory.Exists(root))
        {
            try
            {
                directories.AddRange(System.IO.Directory.GetDirectories(root));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CheckpointException($"The runs cannot be listed: {ex.Message}", root, ex);
            }
        }

        var matching = new List<RunSummary>();
        var unreadable = new List<CheckpointException>();
        foreach (var directory in directories)
        {
            IEnumerable<string> paths;
            try
            {
                paths = System.IO.Directory.Exists(directory) ? System.IO.Directory.GetFiles(directory) : Array.Empty<string>();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CheckpointException($"The runs cannot be listed: {ex.Message}", directory, ex);
            }

            foreach (var path in paths)
            {
                var name = Path.GetFileName(path);
                if (name.StartsWith('.') || !name.EndsWith(".json", StringComparison.Ordinal))
                {
                    continue; // temporary files (".<name>.json.<guid>.tmp") and anything that is not a run file
                }

                try
                {
                    var file = await ReadAsync(path, StoreJsonContext.Default.RunFile, cancellationToken).ConfigureAwait(false);
                    if (file is null)
                    {
                        continue; // removed meanwhile
                    }

                    if (file.Workflow is null || file.RunId is null || PathOf(file.Workflow, file.RunId) != path)
                    {
                        throw new CheckpointException($"The file is not the checkpoint of the run its path names (it names run '{file.RunId}' of '{file.Workflow}')", path);
                    }

                    Validate(file, file.Workflow, file.RunId, path);
                    var status = StatusOf(file, path);
                    if (!RunListing.Matches(query, file.Workflow, status, file.StartedAt))
                    {
                        continue;
                    }

                    var counts = default(TaskCounts);
                    foreach (var (key, task) in file.Tasks!)
                    {
                        counts = counts.Add(StateOf(key, task, path));
                    }

                    matching.Add(new RunSummary(file.Workflow, file.RunId, status, file.StartedAt, file.EndedAt, counts));
                }
                catch (CheckpointException ex)
                {
                    unreadable.Add(ex);
                }
                catch (UnauthorizedAccessException ex)
                {
                    unreadable.Add(new CheckpointException($"The checkpoint cannot be read: {ex.Message}", path, ex));
                }
            }
        }

        return RunListing.Page(query, matching, query.Continuation is null ? unreadable : Array.Empty<CheckpointException>());
    }

    /// <inheritdoc />
    public async ValueTask<string?> GetEventAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(Directory, "events", FileName(name) + ".json");
        var file = await ReadAsync(path, StoreJsonContext.Default.EventFile, cancellationToken).ConfigureAwait(false);
        if (file is null)
        {
            return null;
        }

        if (file.Schema != Schema + ".event" || file.Version != SchemaVersion || file.Name != name)
        {
            throw new CheckpointException($"The file is not a Workflowy event '{name}' (schema '{file.Schema}' version {file.Version})", path);
        }

        return file.Payload.GetRawText();
    }

    /// <inheritdoc />
    public async ValueTask PublishEventAsync(string name, string payloadJson, CancellationToken cancellationToken = default)
    {
        var path = Path.Combine(Directory, "events", FileName(name) + ".json");
        var file = new EventFile { Name = name, Payload = Parse(payloadJson, path, "payload") };
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteAtomicallyAsync(path, JsonSerializer.SerializeToUtf8Bytes(file, StoreJsonContext.Default.EventFile), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static void Validate(RunFile file, string workflow, string runId, string path)
    {
        if (file.Schema != Schema)
        {
            throw new CheckpointException($"The file is not a Workflowy checkpoint (schema '{file.Schema ?? "none"}', expected '{Schema}')", path);
        }

        if (file.Version != SchemaVersion)
        {
            throw new CheckpointException($"The checkpoint has schema version {file.Version}; this version of Workflowy reads version {SchemaVersion}", path);
        }

        if (file.Workflow != workflow || file.RunId != runId)
        {
            throw new CheckpointException($"The checkpoint belongs to run '{file.RunId}' of '{file.Workflow}', not to run '{runId}' of '{workflow}'", path);
        }

        if (file.Tasks is null || file.Values is null)
        {
            throw new CheckpointException("The checkpoint lacks its 'tasks' or 'values'", path);
        }

        foreach (var (key, task) in file.Tasks)
        {
            _ = StateOf(key, task, path);
        }

        _ = StatusOf(file, path);
    }

    private static RunStatus? StatusOf(RunFile file, string path) => file.Status switch
    {
        null => null,
        "Running" => RunStatus.Running,
        "Completed" => RunStatus.Completed,
        "Failed" => RunStatus.Failed,
        "Cancelled" => RunStatus.Cancelled,
        _ => throw new CheckpointException($"The run has the unknown status '{file.Status}'", path),
    };

    private static string StatusName(RunStatus status) => status switch
    {
        RunStatus.Running => "Running",
        RunStatus.Completed => "Completed",
        RunStatus.Failed => "Failed",
        RunStatus.Cancelled => "Cancelled",
        _ => throw new ArgumentException($"The run status {(int)status} is unknown.", nameof(status)),
    };

    private static TaskState StateOf(string key, TaskFileEntry task, string path) =>
        Enum.TryParse<TaskState>(task.State, ignoreCase: false, out var state) && Enum.IsDefined(state) && !int.TryParse(task.State, out _)
            ? state
            : throw new CheckpointException($"Task '{key}' has the unknown state '{task.State}'", path);

    private static async Task<T?> ReadAsync<T>(string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException ex)
        {
            throw new CheckpointException($"The checkpoint cannot be read: {ex.Message}", path, ex);
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, typeInfo) ?? throw new CheckpointException("The checkpoint is empty (null)", path);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, byte {ex.BytePositionInLine}" : string.Empty;
            throw new CheckpointException($"The checkpoint is not valid JSON{where} (corrupt or truncated): {ex.Message}", path, ex);
        }
    }

    private static JsonElement Parse(string json, string path, string what)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new CheckpointException($"The {what} to store is not valid JSON: {ex.Message}", path, ex);
        }
    }

    /// <summary>Writes a temporary file in the same directory, flushes it to disk, then renames it over the target.</summary>
    private static async Task WriteAtomicallyAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(path)!;
        System.IO.Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temporary);
            }
            catch (IOException)
            {
                // Best effort: a stray temporary file is ignored by readers.
            }

            throw;
        }
    }

    /// <summary>A file name that keeps letters, digits, '.', '_' and '-' and escapes the rest, so distinct names stay distinct.</summary>
    private static string FileName(string name)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '-' || (c == '.' && builder.Length > 0))
            {
                builder.Append(c);
            }
            else
            {
                builder.Append('%').Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.Length == 0 ? "%" : builder.ToString();
    }
}

internal sealed class RunFile
{
    public string? Schema { get; set; } = JsonFileWorkflowStore.Schema;

    public int Version { get; set; } = JsonFileWorkflowStore.SchemaVersion;

    public string? Workflow { get; set; }

    public string? RunId { get; set; }

    public JsonElement? Inputs { get; set; }

    public string? Status { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public Dictionary<string, TaskFileEntry>? Tasks { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, JsonElement>? Values { get; set; } = new(StringComparer.Ordinal);
}

internal sealed class TaskFileEntry
{
    public string State { get; set; } = string.Empty;

    public JsonElement? Result { get; set; }

    public int Attempts { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }
}

internal sealed class EventFile
{
    public string? Schema { get; set; } = JsonFileWorkflowStore.Schema + ".event";

    public int Version { get; set; } = JsonFileWorkflowStore.SchemaVersion;

    public string? Name { get; set; }

    public JsonElement Payload { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = false, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunFile))]
[JsonSerializable(typeof(EventFile))]
internal sealed partial class StoreJsonContext : JsonSerializerContext
{
}
