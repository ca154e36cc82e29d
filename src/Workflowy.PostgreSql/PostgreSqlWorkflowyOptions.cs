using System;
using System.Text.RegularExpressions;

namespace Workflowy;

/// <summary>
/// Where and how Workflowy uses PostgreSQL: the server (<see cref="ConnectionString"/>), the schema its tables live in,
/// and the distributed executor's tuning (claim batch, lease, heartbeat, polling). One options object is shared by the
/// store (<see cref="PostgreSqlWorkflowStore"/>), the starter (<see cref="PostgreSqlWorkflowClient"/>) and the workers
/// (<see cref="PostgreSqlWorker"/>). See docs/scale-out.md.
/// </summary>
public sealed partial class PostgreSqlWorkflowyOptions
{
    private string _schema = "workflowy";
    private int _claimBatchSize = 64;
    private int _maxConcurrency = 64;
    private TimeSpan _leaseDuration = TimeSpan.FromSeconds(15);
    private TimeSpan _heartbeatInterval = TimeSpan.FromSeconds(5);
    private TimeSpan _pollInterval = TimeSpan.FromSeconds(1);
    private TimeSpan _reaperInterval = TimeSpan.FromSeconds(2);

    /// <summary>The Npgsql connection string. It never appears in logs or exception messages.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>
    /// The schema holding Workflowy's tables (default <c>workflowy</c>): lower-case letters, digits and underscores,
    /// starting with a letter or underscore, at most 63 characters. Created and migrated by the library.
    /// </summary>
    public string Schema
    {
        get => _schema;
        init
        {
            ArgumentNullException.ThrowIfNull(value);
            if (!SchemaName().IsMatch(value))
            {
                throw new ArgumentException($"The schema name '{value}' is not allowed: use lower-case letters, digits and underscores, starting with a letter or an underscore, at most 63 characters.", nameof(value));
            }

            _schema = value;
        }
    }

    /// <summary>The most tasks a worker claims in one statement (default 64); never more than its free slots.</summary>
    public int ClaimBatchSize
    {
        get => _claimBatchSize;
        init => _claimBatchSize = Positive(value);
    }

    /// <summary>How many task bodies a worker runs at once (default 64).</summary>
    public int MaxConcurrency
    {
        get => _maxConcurrency;
        init => _maxConcurrency = Positive(value);
    }

    /// <summary>
    /// How long a worker's lease lasts unless its heartbeat renews it (default 15 s). When it expires, the reaper (in any
    /// worker) declares the worker dead and returns its running tasks, whose old attempts are then fenced.
    /// </summary>
    public TimeSpan LeaseDuration
    {
        get => _leaseDuration;
        init => _leaseDuration = PositiveTime(value);
    }

    /// <summary>How often a worker renews its lease (default 5 s; keep it well under <see cref="LeaseDuration"/>, a third or less).</summary>
    public TimeSpan HeartbeatInterval
    {
        get => _heartbeatInterval;
        init => _heartbeatInterval = PositiveTime(value);
    }

    /// <summary>How often an idle worker looks for ready tasks without a notification (default 1 s).</summary>
    public TimeSpan PollInterval
    {
        get => _pollInterval;
        init => _pollInterval = PositiveTime(value);
    }

    /// <summary>How often a worker runs the reaper (default 2 s): expired workers declared dead, their tasks returned, tasks past their deadline failed.</summary>
    public TimeSpan ReaperInterval
    {
        get => _reaperInterval;
        init => _reaperInterval = PositiveTime(value);
    }

    /// <summary>
    /// Whether workers wait for LISTEN/NOTIFY wake-ups besides polling (default true). Set false behind PgBouncer in
    /// transaction pooling mode, where LISTEN does not work: workers then poll every <see cref="PollInterval"/>.
    /// </summary>
    public bool UseListenNotify { get; init; } = true;

    /// <summary>The schema name quoted as an SQL identifier.</summary>
    internal string QuotedSchema => "\"" + _schema + "\"";

    /// <summary>The NOTIFY channel of ready tasks.</summary>
    internal string ReadyChannel => _schema + "_ready";

    private static int Positive(int value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
        return value;
    }

    private static TimeSpan PositiveTime(TimeSpan value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
        return value;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
