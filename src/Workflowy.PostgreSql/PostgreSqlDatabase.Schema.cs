using System;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;
using Npgsql;

namespace Workflowy;

// The schema: created and migrated by the library, versioned in {schema}.meta, under a transaction-scoped advisory lock
// (so several processes starting at once migrate once; it also works through PgBouncer's transaction pooling). A schema
// that holds other tables, or whose meta table or comment names another owner, is refused untouched, and so is a newer
// version.
internal sealed partial class PostgreSqlDatabase
{
    /// <summary>What the meta table and the schema's comment say the schema is.</summary>
    public const string Marker = "workflowy.postgresql";

    /// <summary>The version this code creates and reads.</summary>
    public const int CurrentVersion = 2;

    /// <summary>Test hook: the version <see cref="EnsureSchemaAsync"/> migrates to (default <see cref="CurrentVersion"/>).</summary>
    internal int TargetVersion { get; init; } = CurrentVersion;

    /// <summary>The migration from version n-1 to n, for n = 1, 2, ... (each one transaction with the version update).</summary>
    private string Migration(int version) => version switch
    {
        1 => Version1(Schema),
        2 => Version2(Schema),
        _ => throw new ArgumentOutOfRangeException(nameof(version)),
    };

    /// <summary>Makes the schema current (once per instance): creates it, migrates it, or refuses it.</summary>
    public async ValueTask EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (_ready)
        {
            return;
        }

        await _initialization.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_ready)
            {
                return;
            }

            await MigrateAsync(cancellationToken).ConfigureAwait(false);
            _ready = true;
        }
        finally
        {
            _initialization.Release();
        }
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var name = Options.Schema;
        try
        {
            var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('workflowy.schema:' || @schema, 0))", connection, transaction))
                    {
                        command.Parameters.AddWithValue("schema", name);
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    var found = await InspectAsync(connection, transaction, name, cancellationToken).ConfigureAwait(false);
                    if (found.Version > CurrentVersion)
                    {
                        throw new PostgreSqlSchemaException(
                            PostgreSqlSchemaProblem.NewerVersion,
                            name,
                            found.Version,
                            $"The schema '{name}' ({Location}) has Workflowy schema version {found.Version}, newer than this version of Workflowy.PostgreSql knows ({CurrentVersion}). Upgrade the package, or use another schema; nothing was changed.");
                    }

                    for (var version = found.Version + 1; version <= TargetVersion; version++)
                    {
                        using var command = new NpgsqlCommand(Migration(version), connection, transaction);
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (NpgsqlException ex)
        {
            throw Failure(ex, $"The schema '{name}' could not be checked or created");
        }
    }

    /// <summary>The version of the schema (0: absent or empty); <see cref="PostgreSqlSchemaException"/> if it is another application's.</summary>
    private async Task<(int Version, bool Exists)> InspectAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string name, CancellationToken cancellationToken)
    {
        string? comment;
        long objects;
        bool hasMeta;
        using (var command = new NpgsqlCommand(
            """
            SELECT obj_description(n.oid, 'pg_namespace'),
                   (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid) + (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = n.oid)
                     + (SELECT count(*) FROM pg_type t WHERE t.typnamespace = n.oid AND t.typrelid = 0 AND t.typelem = 0),
                   to_regclass(quote_ident(n.nspname) || '.meta') IS NOT NULL
            FROM pg_namespace n WHERE n.nspname = @schema
            """,
            connection,
            transaction))
        {
            command.Parameters.AddWithValue("schema", name);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return (0, false);
                }

                comment = reader.IsDBNull(0) ? null : reader.GetString(0);
                objects = reader.GetInt64(1);
                hasMeta = reader.GetBoolean(2);
            }
        }

        if (comment is not null && comment != Marker)
        {
            throw Foreign(name, $"its comment says it belongs to '{Shorten(comment)}'");
        }

        if (!hasMeta)
        {
            return objects == 0 ? (0, true) : throw Foreign(name, $"it holds {objects} objects and no Workflowy meta table");
        }

        string? marker = null;
        string? versionText = null;
        try
        {
            using var command = new NpgsqlCommand($"SELECT key, value FROM {Schema}.meta WHERE key IN ('schema', 'version')", connection, transaction);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (reader.GetString(0) == "schema")
                    {
                        marker = reader.GetString(1);
                    }
                    else
                    {
                        versionText = reader.GetString(1);
                    }
                }
            }
        }
        catch (PostgresException ex) when (ex.SqlState is "42703" or "42804")
        {
            throw Foreign(name, "its meta table is not Workflowy's");
        }

        if (marker != Marker)
        {
            throw Foreign(name, marker is null ? "its meta table names no schema" : $"its meta table says it is '{Shorten(marker)}'");
        }

        if (!int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
        {
            throw Foreign(name, $"its meta table has the version '{Shorten(versionText ?? "")}'");
        }

        return (version, true);
    }

    private PostgreSqlSchemaException Foreign(string name, string why) => new(
        PostgreSqlSchemaProblem.ForeignSchema,
        name,
        null,
        $"The schema '{name}' ({Location}) belongs to another application: {why}. Workflowy left it untouched; configure another schema (PostgreSqlWorkflowyOptions.Schema).");

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
