using Microsoft.Data.Sqlite;

namespace Workflowy.Sqlite.Tests;

/// <summary>
/// A temporary directory per test, and raw SQLite access that does not pool (files are closed at once). Tests dispose
/// their stores, which closes their pooled connections.
/// </summary>
public abstract class TempFiles : IDisposable
{
    protected TempFiles()
    {
        Directory.CreateDirectory(TempDirectory);
    }

    protected string TempDirectory { get; } = Path.Combine(Path.GetTempPath(), "workflowy-sqlite-" + Guid.NewGuid().ToString("N"));

    protected string NewPath(string name = "store.db") => Path.Combine(TempDirectory, name);

    public void Dispose()
    {
        if (Directory.Exists(TempDirectory))
        {
            Directory.Delete(TempDirectory, recursive: true);
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Runs SQL on the file with an unpooled connection.</summary>
    protected static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Runs a query on the file with an unpooled connection and returns the first column of each row.</summary>
    protected static List<string?> Query(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<string?>();
        while (reader.Read())
        {
            rows.Add(reader.IsDBNull(0) ? null : Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        }

        return rows;
    }

    protected static RunCheckpoint Batch(string workflow, string runId, string? inputs, IEnumerable<TaskRecord>? tasks = null, IDictionary<string, string>? values = null) =>
        new(workflow, runId, inputs, (tasks ?? Array.Empty<TaskRecord>()).ToList(), new Dictionary<string, string>(values ?? new Dictionary<string, string>(), StringComparer.Ordinal));
}
