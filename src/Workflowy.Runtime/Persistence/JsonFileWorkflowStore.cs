using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// A store of JSON files under a directory: one file per run (<c>runs/{workflow}/{runId}.json</c>) and per event
/// (<c>events/{name}.json</c>). Every write is atomic: a temporary file in the same directory, flushed to disk, then
/// renamed over the old one. New files are readable by their owner only (<see cref="FileCreateMode"/>,
/// <see cref="DirectoryCreateMode"/>); a replaced file keeps its mode. Names too long for a file name are stored under
/// a hash (see <see cref="PathOf"/>). Files carry a schema name and version; a corrupt, truncated, malformed, unreadable
/// or foreign file gives a <see cref="CheckpointException"/> naming it, and is left untouched. Writers are serialised
/// within a process; for several processes writing the same run, use the SQLite store.
/// </summary>
public sealed partial class JsonFileWorkflowStore : IWorkflowStore
{
    /// <summary>The schema name written in every file.</summary>
    public const string Schema = "workflowy.run";

    /// <summary>The schema version this store writes and reads.</summary>
    public const int SchemaVersion = 1;

    /// <summary>
    /// The longest escaped name used as a file's name as it is: 255 bytes (the usual limit of a file name) less
    /// <c>.json</c> and what the temporary file adds (<c>.</c>, <c>.json.</c>, 32 hex digits, <c>.tmp</c>).
    /// </summary>
    private const int MaxFileStem = 212;

    /// <summary>The longest escaped name used as a directory's name as it is (directories get no temporary twin).</summary>
    private const int MaxDirectoryName = 255;

    /// <summary>How much of a long name's escaped form is kept before its hash, for whoever looks at the files.</summary>
    private const int HashedPrefix = 150;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Creates a store under <paramref name="directory"/> (created if needed).</summary>
    public JsonFileWorkflowStore(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = Path.GetFullPath(directory);
    }

    /// <summary>The store's root directory.</summary>
    public string Directory { get; }

    /// <summary>
    /// The mode of the files this store creates (Unix only; ignored on Windows): by default <c>0600</c>, readable and
    /// writable by their owner only, since they hold the runs' inputs and results. A file the store replaces keeps the
    /// mode it has. As for any file a process creates, the process's umask can remove bits from it. Null leaves the mode
    /// to the process (<c>0666</c> less the umask, usually <c>0644</c>).
    /// </summary>
    public UnixFileMode? FileCreateMode { get; init; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>
    /// The mode of the directories this store creates, its root included if it does not exist (Unix only; ignored on
    /// Windows): by default <c>0700</c>, the owner's only. Directories that exist are left as they are. The umask
    /// applies; null leaves the mode to the process (<c>0777</c> less the umask, usually <c>0755</c>).
    /// </summary>
    public UnixFileMode? DirectoryCreateMode { get; init; } = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// The file that holds a run's checkpoint: <c>runs/{workflow}/{runId}.json</c> under <see cref="Directory"/>, each
    /// name escaped (letters, digits, <c>_</c>, <c>-</c> and a non-leading <c>.</c> are kept, any other character is
    /// written <c>%XXXX</c>). A name whose escaped form is longer than a file name may be (212 characters for the run
    /// id, 255 for the workflow) is stored as its first 150 escaped characters, <c>~</c> and 32 hex digits of the
    /// SHA-256 of its UTF-8 bytes; the file holds the names themselves, which loading checks.
    /// </summary>
    /// <exception cref="ArgumentException">A name is not valid UTF-16 (it has a lone surrogate), so it could not be stored and read back.</exception>
    public string PathOf(string workflow, string runId)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        ArgumentNullException.ThrowIfNull(runId);
        return Path.Combine(Directory, "runs", FileName(workflow, MaxDirectoryName, nameof(workflow)), FileName(runId, MaxFileStem, nameof(runId)) + ".json");
    }

    /// <summary>The file that holds an event: <c>events/{name}.json</c>, the name escaped (and hashed if long) as in <see cref="PathOf"/>.</summary>
    private string EventPathOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Path.Combine(Directory, "events", FileName(name, MaxFileStem, nameof(name)) + ".json");
    }

    /// <inheritdoc />
    public async ValueTask<RunCheckpoint?> LoadAsync(string workflow, string runId, CancellationToken cancellationToken = default)
    {
        var path = PathOf(workflow, runId);
        var file = await ReadAsync(path, StoreJsonContext.Default.RunFile, "checkpoint", cancellationToken).ConfigureAwait(false);
        if (file is null)
        {
            return null;
        }

        Validate(file, workflow, runId, path);
        var tasks = new List<TaskRecord>();
        foreach (var (key, task) in file.Tasks!)
        {
            tasks.Add(new TaskRecord(key, StateOf(key, task!, path), task!.Result?.GetRawText(), task.Attempts, task.Error, task.StartedAt, task.FinishedAt));
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
            var file = await ReadAsync(path, StoreJsonContext.Default.RunFile, "checkpoint", cancellationToken).ConfigureAwait(false);
            if (file is null)
            {
                file = RunFile.New(batch.Workflow, batch.RunId);
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

            await WriteAtomicallyAsync(path, JsonSerializer.SerializeToUtf8Bytes(file, StoreJsonContext.Default.RunFile), "checkpoint", cancellationToken).ConfigureAwait(false);
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
    /// without a continuation). A <see cref="RunQuery.Workflow"/> that is not valid UTF-16 gives an <see cref="ArgumentException"/>.
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
        if (query.Workflow is { } filter)
        {
            directories.Add(Path.Combine(root, FileName(filter, MaxDirectoryName, nameof(query))));
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
                    var file = await ReadAsync(path, StoreJsonContext.Default.RunFile, "checkpoint", cancellationToken).ConfigureAwait(false);
                    if (file is null)
                    {
                        continue; // removed meanwhile
                    }

                    var (workflow, runId) = ValidateShape(file, path);
                    if (PathOf(workflow, runId) != path)
                    {
                        throw new CheckpointException($"The file is not the checkpoint of the run its path names (it names run '{runId}' of '{workflow}')", path);
                    }

                    var status = StatusOf(file, path);
                    if (!RunListing.Matches(query, workflow, status, file.StartedAt))
                    {
                        continue;
                    }

                    var counts = default(TaskCounts);
                    foreach (var (key, task) in file.Tasks!)
                    {
                        counts = counts.Add(StateOf(key, task!, path));
                    }

                    matching.Add(new RunSummary(workflow, runId, status, file.StartedAt, file.EndedAt, counts));
                }
                catch (CheckpointException ex)
                {
                    unreadable.Add(ex);
                }
            }
        }

        return RunListing.Page(query, matching, query.Continuation is null ? unreadable : Array.Empty<CheckpointException>());
    }

    /// <inheritdoc />
    public async ValueTask<string?> GetEventAsync(string name, CancellationToken cancellationToken = default)
    {
        var path = EventPathOf(name);
        var file = await ReadAsync(path, StoreJsonContext.Default.EventFile, "event file", cancellationToken).ConfigureAwait(false);
        if (file is null)
        {
            return null;
        }

        if (file.Schema != EventFile.SchemaName || file.Version != SchemaVersion)
        {
            throw new CheckpointException($"The file is not a Workflowy event (schema '{file.Schema ?? "none"}' version {file.Version?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, expected '{EventFile.SchemaName}' version {SchemaVersion})", path);
        }

        if (file.Name != name)
        {
            throw new CheckpointException(file.Name is null ? "The event file does not name its event ('name')" : $"The event file names the event '{file.Name}', not '{name}'", path);
        }

        if (file.Payload.ValueKind == JsonValueKind.Undefined)
        {
            throw new CheckpointException($"The event file of '{name}' has no 'payload'", path);
        }

        return file.Payload.GetRawText();
    }

    /// <inheritdoc />
    public async ValueTask PublishEventAsync(string name, string payloadJson, CancellationToken cancellationToken = default)
    {
        var path = EventPathOf(name);
        var file = EventFile.New(name, Parse(payloadJson, path, "payload"));
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await WriteAtomicallyAsync(path, JsonSerializer.SerializeToUtf8Bytes(file, StoreJsonContext.Default.EventFile), "event file", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Reads a file of the store (<paramref name="what"/>: "checkpoint" or "event file"): null if there is none;
    /// <see cref="CheckpointException"/> if it cannot be read (a directory in its place, no permission, a file where a
    /// directory of its path should be, an I/O error), is not a JSON object, or does not deserialise.
    /// </summary>
    private async Task<T?> ReadAsync<T>(string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, string what, CancellationToken cancellationToken)
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
            ThrowIfAFileIsInTheWay(path, what);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var why = System.IO.Directory.Exists(path) ? $"there is a directory where the {what} should be" : ex.Message;
            throw new CheckpointException($"The {what} cannot be read: {why}", path, ex);
        }

        try
        {
            var reader = new Utf8JsonReader(bytes);
            if (reader.Read() && reader.TokenType != JsonTokenType.StartObject)
            {
                var article = what == "checkpoint" ? "a Workflowy checkpoint" : "a Workflowy event";
                throw new CheckpointException($"The file is not {article} (it holds a JSON {KindOf(reader.TokenType)}, not an object)", path);
            }

            return JsonSerializer.Deserialize(bytes, typeInfo) ?? throw new CheckpointException($"The {what} is empty (null)", path);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}, byte {ex.BytePositionInLine}" : string.Empty;
            throw new CheckpointException($"The {what} cannot be read{where}: it is not valid JSON (corrupt or truncated) or a property has the wrong type: {ex.Message}", path, ex);
        }
    }

    private static string KindOf(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "array",
        JsonTokenType.String => "string",
        JsonTokenType.Number => "number",
        JsonTokenType.True or JsonTokenType.False => "boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    /// <summary>
    /// A path that is not found may be blocked by a file where one of its directories should be: then nothing can ever
    /// be stored there, so say so now (before a run starts) rather than at the first save.
    /// </summary>
    private void ThrowIfAFileIsInTheWay(string path, string what)
    {
        var root = Path.GetDirectoryName(Directory);
        for (var directory = Path.GetDirectoryName(path); directory is not null && directory != root; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(directory))
            {
                throw new CheckpointException($"The {what} cannot be read or written: the file {directory} is where a directory should be", path);
            }
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

}
