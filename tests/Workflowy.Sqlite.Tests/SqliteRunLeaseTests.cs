using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Workflowy.Tests.Contracts;
using Workflowy.Tests.Workflows;

namespace Workflowy.Sqlite.Tests;

/// <summary>Run leases on the SQLite store: one runner (process) executes a run at a time (issue 17, item 6).</summary>
public sealed class SqliteRunLeaseTests : TempFiles
{
    private const string Workflow = "Workflowy.Tests.Workflows.LeasedWorkflow";
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TwoStoresOnOneFile_ResumingTheSameRun_OnlyOneExecutesIt()
    {
        var path = NewPath();
        var runId = "lease-" + Guid.NewGuid().ToString("N");
        await using var store1 = new SqliteWorkflowStore(path);
        await using var store2 = new SqliteWorkflowStore(path);
        var runner1 = new WorkflowRunner { Store = store1 };
        var first = new LeasedWorkflow();
        var run = first.Start(5, runner1, runId);
        await first.Started.Task.WaitAsync(Guard);

        var second = LeasedWorkflow.Open();
        var refused = await Assert.ThrowsAsync<RunLeasedException>(() => second.RunAsync(5, new WorkflowRunner { Store = store2 }, runId).WaitAsync(Guard));

        Assert.Equal((0, 0), (second.WorkCalls, second.ShipCalls));
        Assert.Equal((runId, runner1.RunLeaseOwner), (refused.RunId, refused.Owner));
        Assert.Equal(new[] { runner1.RunLeaseOwner }, Query(path, "SELECT owner FROM workflowy_leases"));
        first.Gate.SetResult();
        await run.Completion.WaitAsync(Guard);
        Assert.Equal(1, LeasedWorkflow.Shipments[runId]);
        Assert.Empty(Query(path, "SELECT owner FROM workflowy_leases"));

        var resumed = await second.ResumeAsync(runId, new WorkflowRunner { Store = store2 }).WaitAsync(Guard);
        Assert.Equal("shipment-10", resumed.Ship.Result);
        Assert.Equal((0, 0), (second.WorkCalls, second.ShipCalls));
    }

    [Fact]
    public async Task AnotherProcessExecutingTheRun_RefusesThisOne_UntilItHasEnded()
    {
        var path = NewPath();
        var runId = "process-" + Guid.NewGuid().ToString("N");
        using var holder = StartHolder(path, runId, leaseSeconds: 30);
        var started = await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.StartsWith("started ", started);
        var owner = started!["started ".Length..];
        Assert.Contains($":{holder.Id}:", owner);

        await using var store = new SqliteWorkflowStore(path);
        var here = LeasedWorkflow.Open();
        var refused = await Assert.ThrowsAsync<RunLeasedException>(() => here.RunAsync(5, new WorkflowRunner { Store = store }, runId).WaitAsync(Guard));
        Assert.Equal(owner, refused.Owner);
        Assert.Equal((0, 0), (here.WorkCalls, here.ShipCalls));

        await holder.StandardInput.WriteLineAsync("go");
        await holder.StandardInput.FlushAsync();
        Assert.Equal("done shipment-10", await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));
        await holder.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, holder.ExitCode);

        var resumed = await here.ResumeAsync(runId, new WorkflowRunner { Store = store }).WaitAsync(Guard);
        Assert.Equal("shipment-10", resumed.Ship.Result);
        Assert.Equal((0, 0), (here.WorkCalls, here.ShipCalls));
        Assert.Equal(new[] { "\"shipment-10\"" }, Query(path, $"SELECT json FROM workflowy_values WHERE run_id = '{runId}' AND key LIKE 'effect:%'"));
    }

    [Fact]
    public async Task AKilledProcessesLease_IsTakenOver_WhenItExpires()
    {
        var path = NewPath();
        var runId = "killed-" + Guid.NewGuid().ToString("N");
        using (var holder = StartHolder(path, runId, leaseSeconds: 2))
        {
            Assert.StartsWith("started ", await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)));
            holder.Kill(entireProcessTree: true);
            await holder.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        await using var store = new SqliteWorkflowStore(path);
        Assert.Single(Query(path, "SELECT owner FROM workflowy_leases"));
        var here = LeasedWorkflow.Open();
        var clock = Stopwatch.StartNew();
        var run = await here.RunAsync(5, new WorkflowRunner { Store = store, RunLeaseWait = TimeSpan.FromSeconds(30) }, runId).WaitAsync(Guard);

        Assert.Equal("shipment-10", run.Ship.Result);
        Assert.Equal((1, 1), (here.WorkCalls, here.ShipCalls));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), clock.Elapsed.ToString());
    }

    [Fact]
    public async Task ADatabaseOfSchemaVersion2_IsUpgradedTo3_WithTheLeasesTable()
    {
        var path = NewPath("v2.db");
        await using (var store = new SqliteWorkflowStore(path))
        {
            await store.SaveAsync(Batch("wf", "r1", "{}"));
        }

        SqliteConnection.ClearAllPools();
        Execute(path, "DROP TABLE workflowy_leases; UPDATE workflowy_meta SET value = '2' WHERE key = 'version';");

        await using (var store = new SqliteWorkflowStore(path))
        {
            Assert.Equal("{}", (await store.LoadAsync("wf", "r1"))!.InputsJson);
            Assert.True((await store.TryAcquireRunLeaseAsync("wf", "r1", "a", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5))).Acquired);
        }

        Assert.Equal(new[] { "3" }, Query(path, "SELECT value FROM workflowy_meta WHERE key = 'version'"));
        var fresh = NewPath("fresh.db");
        await using (var store = new SqliteWorkflowStore(fresh))
        {
            await store.SaveAsync(Batch("wf", "r1", "{}"));
        }

        const string Columns = "SELECT m.name || '.' || p.name || ' ' || p.type || ' ' || p.\"notnull\" || ' ' || p.pk FROM sqlite_schema m, pragma_table_info(m.name) p WHERE m.type = 'table' ORDER BY m.name, p.cid";
        Assert.Equal(Query(fresh, Columns), Query(path, Columns));
    }

    [Fact]
    public async Task AVersion3DatabaseWithoutItsLeasesTable_IsRefused_AndLeftUntouched()
    {
        var path = NewPath();
        await using (var store = new SqliteWorkflowStore(path))
        {
            await store.SaveAsync(Batch("wf", "r1", "{}"));
        }

        SqliteConnection.ClearAllPools();
        Execute(path, "DROP TABLE workflowy_leases; PRAGMA wal_checkpoint(TRUNCATE);");
        SqliteConnection.ClearAllPools();
        var bytes = File.ReadAllBytes(path);

        await using (var store = new SqliteWorkflowStore(path))
        {
            var error = await Assert.ThrowsAsync<CheckpointException>(() => store.TryAcquireRunLeaseAsync("wf", "r1", "a", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5)).AsTask());
            Assert.Contains("lacks its table(s) workflowy_leases", error.Message);
        }

        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task ALeaseRowWithAnUnreadableExpiry_GivesACheckpointException()
    {
        var path = NewPath();
        await using var store = new SqliteWorkflowStore(path);
        await store.TryAcquireRunLeaseAsync(Workflow, "r1", "a", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5));
        Execute(path, "UPDATE workflowy_leases SET expires_at = 'soon'");

        var error = await Assert.ThrowsAsync<CheckpointException>(() => store.TryAcquireRunLeaseAsync(Workflow, "r1", "b", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(5)).AsTask());

        Assert.Contains("unreadable expiry 'soon'", error.Message);
        Assert.Equal(path, error.Location);
    }

    private static Process StartHolder(string path, string runId, int leaseSeconds)
    {
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (string.IsNullOrEmpty(host) || !File.Exists(host))
        {
            host = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";
        }

        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "exec", typeof(Writer).Assembly.Location, "hold", path, runId, leaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("the holder process did not start");
    }
}

/// <summary>The run-lease contract on SQLite: two store instances on one file.</summary>
public sealed class SqliteRunLeaseContractTests : RunLeaseContract, IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "workflowy-sqlite-leases-" + Guid.NewGuid().ToString("N"));
    private readonly List<SqliteWorkflowStore> _stores = new();
    private readonly SqliteWorkflowStore _store;

    public SqliteRunLeaseContractTests()
    {
        Directory.CreateDirectory(_directory);
        _store = New();
    }

    protected override IWorkflowStore Store => _store;

    protected override IWorkflowStore Other() => New();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private SqliteWorkflowStore New()
    {
        var store = new SqliteWorkflowStore(Path.Combine(_directory, "store.db"));
        lock (_stores)
        {
            _stores.Add(store);
        }

        return store;
    }
}
