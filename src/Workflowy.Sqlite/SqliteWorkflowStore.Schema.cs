using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Data.Sqlite;

namespace Workflowy;

// Opening the database: creating, checking and migrating the schema, WAL mode.
public sealed partial class SqliteWorkflowStore
{
    // ---------------------------------------------------------------- opening and checking the database

    /// <summary>
    /// Creates a missing database file owner-only (<c>0600</c>, its missing directory <c>0700</c>) before SQLite opens
    /// it, so that the runs' inputs and results are not readable by every user of the machine; SQLite gives its
    /// <c>-wal</c> and <c>-shm</c> files the database file's mode. An existing file keeps its mode.
    /// </summary>
    private static void CreateOwnerOnly(string path)
    {
        if (path.Length == 0 || path == ":memory:" || path.StartsWith("file:", StringComparison.Ordinal))
        {
            return;
        }

        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        if (OperatingSystem.IsWindows() || File.Exists(path))
        {
            return;
        }

        try
        {
            using var created = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another store or process created it meanwhile: its mode stands.
        }
    }

    private async ValueTask<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var command = connection.CreateCommand();
            command.CommandText = _pragmas;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// On first use: creates the schema in a new or empty database, or checks that the database is a Workflowy store
    /// of this schema version or an earlier one (writing nothing to it if it is not), turns WAL on, and upgrades an
    /// earlier version.
    /// </summary>
    private async ValueTask InitializeAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_initialized)
        {
            return;
        }

        await _initialization.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            CreateOwnerOnly(FilePath);

            var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var objects = await SchemaObjectsAsync(connection, null, cancellationToken).ConfigureAwait(false);
                if (objects.Count == 0)
                {
                    // A new or empty database: unless it is another application's (checked before anything is written,
                    // WAL mode included), WAL first (not possible inside a transaction), then the schema, unless another
                    // connection created it meanwhile.
                    await CheckNotForeignAsync(connection, cancellationToken).ConfigureAwait(false);
                    await UseWalAsync(connection, cancellationToken).ConfigureAwait(false);
                    var transaction = connection.BeginTransaction(deferred: false);
                    await using (transaction.ConfigureAwait(false))
                    {
                        objects = await SchemaObjectsAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                        if (objects.Count == 0)
                        {
                            using var command = connection.CreateCommand();
                            command.Transaction = transaction;
                            command.CommandText = CreateSchema + ApplicationIdPragma;
                            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                            _initialized = true;
                            return;
                        }
                    }
                }

                var version = await CheckSchemaAsync(connection, objects, cancellationToken).ConfigureAwait(false);
                await UseWalAsync(connection, cancellationToken).ConfigureAwait(false);
                if (version < SchemaVersion)
                {
                    await MigrateAsync(connection, cancellationToken).ConfigureAwait(false);
                }

                _initialized = true;
            }
        }
        catch (SqliteException ex)
        {
            throw Failure(ex, "The database cannot be opened as a Workflowy store");
        }
        catch (IOException ex)
        {
            throw new CheckpointException($"The database cannot be opened: {ex.Message}", FilePath, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new CheckpointException($"The database cannot be opened: {ex.Message}", FilePath, ex);
        }
        finally
        {
            _initialization.Release();
        }
    }

    /// <summary>
    /// Refuses an empty database that another application marked as its own (a <c>PRAGMA application_id</c> other than 0
    /// and <see cref="ApplicationId"/>, or a <c>user_version</c> other than 0): the schema is not written into it.
    /// </summary>
    private async Task CheckNotForeignAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA application_id";
        var applicationId = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        command.CommandText = "PRAGMA user_version";
        var userVersion = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (applicationId is not 0 and not ApplicationId)
        {
            throw new CheckpointException(string.Create(CultureInfo.InvariantCulture, $"The database belongs to another application (it is empty but has the application_id {applicationId} (0x{applicationId:X8}); a Workflowy store has {ApplicationId} or 0); it is left as it is"), FilePath);
        }

        if (userVersion != 0)
        {
            throw new CheckpointException(string.Create(CultureInfo.InvariantCulture, $"The database belongs to another application (it is empty but has the user_version {userVersion}; a Workflowy store has 0); it is left as it is"), FilePath);
        }
    }

    /// <summary>The names of the tables, indexes, views and triggers in the database (reading it detects a file that is not SQLite).</summary>
    private static async Task<List<(string Type, string Name)>> SchemaObjectsAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT type, name FROM sqlite_schema ORDER BY name";
        var objects = new List<(string, string)>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                objects.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        return objects;
    }

    /// <summary>
    /// Upgrades a database of an earlier schema version to the current one, step by step (1 to 2, 2 to 3), in one
    /// transaction that first reads the version again (another connection may have upgraded it meanwhile).
    /// </summary>
    private static async Task MigrateAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        var transaction = connection.BeginTransaction(deferred: false);
        await using (transaction.ConfigureAwait(false))
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "SELECT value FROM workflowy_meta WHERE key = 'version'";
            var version = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
            if (version is not ("1" or "2"))
            {
                return;
            }

            if (version == "1")
            {
                command.CommandText = MigrateFrom1;
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            command.CommandText = MigrateFrom2;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Checks an existing database: its meta rows, its tables and its size, and returns its schema version. Writes nothing.</summary>
    private async Task<int> CheckSchemaAsync(SqliteConnection connection, List<(string Type, string Name)> objects, CancellationToken cancellationToken)
    {
        var tables = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (type, name) in objects)
        {
            if (type == "table")
            {
                tables.Add(name);
            }
        }

        if (!tables.Contains("workflowy_meta"))
        {
            var names = new List<string>();
            foreach (var (_, name) in objects)
            {
                if (names.Count == 5)
                {
                    names.Add("...");
                    break;
                }

                names.Add(name);
            }

            throw new CheckpointException($"The database is not a Workflowy store: it has no workflowy_meta table but other contents ({string.Join(", ", names)}); it is left as it is", FilePath);
        }

        var meta = new Dictionary<string, string?>(StringComparer.Ordinal);
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT key, value FROM workflowy_meta";
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (!reader.IsDBNull(0))
                    {
                        meta[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
                    }
                }
            }
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 1)
        {
            throw new CheckpointException($"The database is not a Workflowy store: its workflowy_meta table cannot be read ({ex.Message})", FilePath, ex);
        }

        if (!meta.TryGetValue("schema", out var schema) || schema != Schema)
        {
            throw new CheckpointException($"The database is not a Workflowy store: its workflowy_meta names the schema '{schema ?? "(none)"}', expected '{Schema}'", FilePath);
        }

        if (!meta.TryGetValue("version", out var versionText) || !int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            throw new CheckpointException($"The Workflowy store has no readable schema version (found '{versionText ?? "(none)"}')", FilePath);
        }

        if (version > SchemaVersion)
        {
            throw new CheckpointException($"The Workflowy store has schema version {version}, written by a newer Workflowy; this version reads version {SchemaVersion}", FilePath);
        }

        if (version < 1)
        {
            throw new CheckpointException($"The Workflowy store has the unknown schema version {version}; this version reads versions 1 to {SchemaVersion}", FilePath);
        }

        var missing = new List<string>();
        foreach (var table in Tables)
        {
            if (!tables.Contains(table) && TableSince(table) <= version)
            {
                missing.Add(table);
            }
        }

        if (missing.Count > 0)
        {
            throw new CheckpointException($"The Workflowy store lacks its table(s) {string.Join(", ", missing)} (corrupt)", FilePath);
        }

        // SQLite keeps a file a whole number of pages long; a file that is not was cut short (SQLite itself detects a
        // file shorter than the page count its header records). A WAL file beside it may hold pages still to be copied.
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "PRAGMA page_size";
            var pageSize = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            var length = new FileInfo(FilePath).Length;
            var wal = new FileInfo(FilePath + "-wal");
            if (pageSize > 0 && length % pageSize != 0 && !(wal.Exists && wal.Length > 0))
            {
                throw new CheckpointException($"The database file is {length} bytes long, not a whole number of {pageSize}-byte pages (truncated or corrupt)", FilePath);
            }
        }

        return version;
    }

    /// <summary>Turns on WAL (persistent in the file) unless it is on already.</summary>
    private async Task UseWalAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        if (string.Equals(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string, "wal", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        command.CommandText = "PRAGMA journal_mode = WAL";
        var mode = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new CheckpointException($"The database cannot use WAL journal mode (it stays in '{mode}' mode; is the file on a network file system?)", FilePath);
        }
    }

    /// <summary>Refuses to add to a run whose stored status or task rows have states this version does not know.</summary>
    private async Task CheckStoredStatesAsync(SqliteConnection connection, SqliteTransaction transaction, string workflow, string runId, CancellationToken cancellationToken)
    {
        using (var status = Command(connection, transaction, $"SELECT status FROM workflowy_runs WHERE workflow = $workflow AND run_id = $run_id AND status NOT IN ({KnownStatuses})", workflow, runId))
        {
            if (await status.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string unknown)
            {
                throw new CheckpointException($"Run '{runId}' of '{workflow}' has the unknown status '{unknown}'", FilePath);
            }
        }

        using var command = Command(connection, transaction, $"SELECT key, state FROM workflowy_tasks WHERE workflow = $workflow AND run_id = $run_id AND state NOT IN ({KnownStates}) LIMIT 1", workflow, runId);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new CheckpointException($"Task '{reader.GetString(0)}' of run '{runId}' of '{workflow}' has the unknown state '{reader.GetString(1)}'", FilePath);
            }
        }
    }
}
