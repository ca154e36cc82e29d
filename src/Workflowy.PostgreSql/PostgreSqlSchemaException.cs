namespace Workflowy;

/// <summary>Why a database was refused (<see cref="PostgreSqlSchemaException.Problem"/>).</summary>
public enum PostgreSqlSchemaProblem
{
    /// <summary>The schema exists and holds tables, but not Workflowy's: it belongs to another application.</summary>
    ForeignSchema = 0,

    /// <summary>The schema was made by a newer version of Workflowy.PostgreSql than this one.</summary>
    NewerVersion = 1,
}

/// <summary>
/// The configured schema cannot be used: it belongs to another application, or a newer version of Workflowy made it.
/// Nothing was changed in the database. The message names the schema and the server (never the connection string).
/// </summary>
public sealed class PostgreSqlSchemaException : WorkflowException
{
    /// <summary>Creates the exception.</summary>
    public PostgreSqlSchemaException(PostgreSqlSchemaProblem problem, string schema, int? foundVersion, string message)
        : base(message)
    {
        Problem = problem;
        Schema = schema;
        FoundVersion = foundVersion;
    }

    /// <summary>What is wrong with the schema.</summary>
    public PostgreSqlSchemaProblem Problem { get; }

    /// <summary>The schema name.</summary>
    public string Schema { get; }

    /// <summary>The version the schema says it has (null for a foreign schema).</summary>
    public int? FoundVersion { get; }
}
