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

// The files themselves: checking what was read, writing atomically with the right mode, directories, file names,
// and the file models with their serializer context.
public sealed partial class JsonFileWorkflowStore
{
    /// <summary>Checks a run file read for the run <paramref name="workflow"/>/<paramref name="runId"/>: its shape, then that it is that run's.</summary>
    private static void Validate(RunFile file, string workflow, string runId, string path)
    {
        var (fileWorkflow, fileRunId) = ValidateShape(file, path);
        if (fileWorkflow != workflow || fileRunId != runId)
        {
            throw new CheckpointException($"The checkpoint belongs to run '{fileRunId}' of '{fileWorkflow}', not to run '{runId}' of '{workflow}'", path);
        }
    }

    /// <summary>Checks everything a run file must have (schema, version, its run's names, tasks, values, states, status) and returns its run's names.</summary>
    private static (string Workflow, string RunId) ValidateShape(RunFile file, string path)
    {
        if (file.Schema is null)
        {
            throw new CheckpointException("The file is not a Workflowy checkpoint (it has no 'schema')", path);
        }

        if (file.Schema != Schema)
        {
            throw new CheckpointException($"The file is not a Workflowy checkpoint (schema '{file.Schema}', expected '{Schema}')", path);
        }

        if (file.Version is not { } version)
        {
            throw new CheckpointException("The checkpoint has no schema 'version'", path);
        }

        if (version != SchemaVersion)
        {
            throw new CheckpointException($"The checkpoint has schema version {version}; this version of Workflowy reads version {SchemaVersion}", path);
        }

        if (file.Workflow is null || file.RunId is null)
        {
            throw new CheckpointException("The checkpoint does not name its workflow and run id ('workflow', 'runId')", path);
        }

        if (file.Tasks is null || file.Values is null)
        {
            throw new CheckpointException($"The checkpoint lacks its {(file.Tasks is null ? "'tasks'" : "'values'")}", path);
        }

        foreach (var (key, task) in file.Tasks)
        {
            if (task is null)
            {
                throw new CheckpointException($"Task '{key}' has no record (null)", path);
            }

            _ = StateOf(key, task, path);
            if (task.Attempts < 0)
            {
                throw new CheckpointException($"Task '{key}' has the negative attempt count {task.Attempts}", path);
            }
        }

        _ = StatusOf(file, path);
        return (file.Workflow, file.RunId);
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

    /// <summary>
    /// Writes a temporary file in the same directory, flushes it to disk, then renames it over the target. The temporary
    /// file is created with the mode the target has (a replaced file keeps its mode), or <see cref="FileCreateMode"/> for
    /// a new one, so the data is never readable by more users than the file's mode allows. I/O errors become a
    /// <see cref="CheckpointException"/> naming the target; the target is left as it was.
    /// </summary>
    private async Task WriteAtomicallyAsync(string path, byte[] content, string what, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temporary = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        var created = false;
        try
        {
            CreateDirectory(directory);
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 4096,
                Options = FileOptions.Asynchronous,
            };
            UnixFileMode? kept = null;
            if (!OperatingSystem.IsWindows())
            {
                kept = ModeOf(path);
                if ((kept ?? FileCreateMode) is { } mode)
                {
                    options.UnixCreateMode = mode & PermissionBits;
                }
            }

            await using (var stream = new FileStream(temporary, options))
            {
                created = true;
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows() && kept is { } keep && File.GetUnixFileMode(temporary) != keep)
            {
                File.SetUnixFileMode(temporary, keep); // exactly the replaced file's mode, whatever the umask removed
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex)
        {
            if (created)
            {
                try
                {
                    File.Delete(temporary);
                }
                catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
                {
                    // Best effort: a stray temporary file is ignored by readers.
                }
            }

            if (ex is IOException or UnauthorizedAccessException)
            {
                var why = System.IO.Directory.Exists(path) ? $"there is a directory where the {what} should be" : ex.Message;
                throw new CheckpointException($"The {what} cannot be written: {why}", path, ex);
            }

            throw;
        }
    }

    /// <summary>The read, write and execute bits of owner, group and others (0777).</summary>
    private const UnixFileMode PermissionBits =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The mode of the file at <paramref name="path"/>, or null if there is none.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static UnixFileMode? ModeOf(string path)
    {
        try
        {
            return File.GetUnixFileMode(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Creates a directory and its missing parents, each with <see cref="DirectoryCreateMode"/> (on Unix).</summary>
    private void CreateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows() || DirectoryCreateMode is not { } mode)
        {
            System.IO.Directory.CreateDirectory(directory);
            return;
        }

        if (System.IO.Directory.Exists(directory))
        {
            return;
        }

        // Directory.CreateDirectory(path, mode) gives the mode to the last directory only: create the missing ones one by one.
        if (Path.GetDirectoryName(directory) is { } parent)
        {
            CreateDirectory(parent);
        }

        System.IO.Directory.CreateDirectory(directory, mode & PermissionBits);
    }

    /// <summary>
    /// A file name that keeps letters, digits, '.', '_' and '-' and escapes the rest, so distinct names stay distinct;
    /// longer than <paramref name="max"/>, a prefix of it, '~' (which escaping never produces) and the name's hash.
    /// </summary>
    private static string FileName(string name, int max, string parameter)
    {
        byte[] utf8;
        try
        {
            utf8 = StrictUtf8.GetBytes(name);
        }
        catch (EncoderFallbackException ex)
        {
            var unit = (int)(ex.CharUnknown != default ? ex.CharUnknown : ex.CharUnknownHigh);
            throw new ArgumentException($"The name is not valid UTF-16 text (a lone surrogate U+{unit:X4} at index {ex.Index}), so it could not be stored and read back.", parameter, ex);
        }

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

        if (builder.Length == 0)
        {
            return "%";
        }

        if (builder.Length <= max)
        {
            return builder.ToString();
        }

        // Too long for a file name: keep a prefix (not cutting an escape in half) and add the hash of the whole name.
        var cut = HashedPrefix;
        for (var i = cut - 1; i >= cut - 4; i--)
        {
            if (builder[i] == '%')
            {
                cut = i;
                break;
            }
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(utf8, hash);
        return builder.ToString(0, cut) + "~" + Convert.ToHexStringLower(hash[..16]);
    }
}

/// <summary>A run's file. Read as found (every property may be missing); <see cref="New"/> makes a complete one.</summary>
internal sealed class RunFile
{
    public string? Schema { get; set; }

    public int? Version { get; set; }

    public string? Workflow { get; set; }

    public string? RunId { get; set; }

    public JsonElement? Inputs { get; set; }

    public string? Status { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public Dictionary<string, TaskFileEntry?>? Tasks { get; set; }

    public Dictionary<string, JsonElement>? Values { get; set; }

    public static RunFile New(string workflow, string runId) => new()
    {
        Schema = JsonFileWorkflowStore.Schema,
        Version = JsonFileWorkflowStore.SchemaVersion,
        Workflow = workflow,
        RunId = runId,
        Tasks = new(StringComparer.Ordinal),
        Values = new(StringComparer.Ordinal),
    };
}

internal sealed class TaskFileEntry
{
    public string State { get; set; } = string.Empty;

    /// <summary>The result as stored: absent when the task has none, and a JSON <c>null</c> kept as a value (a task that returned null).</summary>
    [JsonConverter(typeof(ResultElementConverter))]
    public JsonElement? Result { get; set; }

    public int Attempts { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }
}

/// <summary>An event's file. Read as found (a missing payload is <see cref="JsonValueKind.Undefined"/>); <see cref="New"/> makes a complete one.</summary>
internal sealed class EventFile
{
    public const string SchemaName = JsonFileWorkflowStore.Schema + ".event";

    public string? Schema { get; set; }

    public int? Version { get; set; }

    public string? Name { get; set; }

    public JsonElement Payload { get; set; }

    public static EventFile New(string name, JsonElement payload) => new()
    {
        Schema = SchemaName,
        Version = JsonFileWorkflowStore.SchemaVersion,
        Name = name,
        Payload = payload,
    };
}

[JsonSourceGenerationOptions(WriteIndented = false, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunFile))]
[JsonSerializable(typeof(EventFile))]
internal sealed partial class StoreJsonContext : JsonSerializerContext
{
}

/// <summary>
/// Reads a task's <c>"result"</c> so that a stored JSON <c>null</c> (a completed task whose result was null) stays a value
/// instead of becoming "no result", which would make a resumed run run the task again. An absent property stays null.
/// </summary>
internal sealed class ResultElementConverter : JsonConverter<JsonElement?>
{
    public override bool HandleNull => true;

    public override JsonElement? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        JsonElement.ParseValue(ref reader);

    public override void Write(Utf8JsonWriter writer, JsonElement? value, JsonSerializerOptions options)
    {
        if (value is { } element)
        {
            element.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
