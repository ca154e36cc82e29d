using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Hangfire;
using Hangfire.PostgreSql;
using Workflowy;
using Workflowy.Benchmarks.PostgreSql;
using Workflowy.PostgreSql.ChaosApp;

// The scale-out benchmark: see benchmarks/README.md ("Scale-out on PostgreSQL").
//   dotnet run -c Release --project benchmarks/Workflowy.Benchmarks.PostgreSql -- [--width 4000] [--workers 1,2,4]
//       [--repeat 2] [--batch 256] [--concurrency 256] [--hangfire-width 200] [--hangfire-workers 20] [--heartbeat-claims 256]
//       [--durable] [--connection CS]
var settings = Settings.Parse(args);
using var cluster = settings.Connection is null ? new TempCluster(settings.Durable) : null;
var connection = settings.Connection ?? cluster!.ConnectionString;
var definition = WorkflowCatalog.Find(typeof(LayeredDag).FullName!)!;
var app = Path.Combine(AppContext.BaseDirectory, "Workflowy.PostgreSql.ChaosApp.dll");
Console.WriteLine($"cores {Environment.ProcessorCount}, load average {File.ReadAllText("/proc/loadavg").Trim()}, server {(cluster is null ? "given" : settings.Durable ? "temporary, fsync on" : "temporary, fsync off")}");
Console.WriteLine($"Workflowy: {LayeredDag.Layers} x {settings.Width} = {LayeredDag.Layers * settings.Width} tasks, claim batch {settings.Batch}, concurrency {settings.Concurrency} per worker");
Console.WriteLine("| worker processes | run | seconds | tasks/s |");
Console.WriteLine("|---|---|---|---|");
var expected = LayeredDag.Expected(settings.Width);
foreach (var count in settings.Workers)
{
    for (var repeat = 1; repeat <= settings.Repeat; repeat++)
    {
        var schema = $"bench_{count}_{repeat}_{Environment.ProcessId}";
        var options = new PostgreSqlWorkflowyOptions { ConnectionString = connection, Schema = schema };
        await using var client = new PostgreSqlWorkflowClient(options);
        await client.Store.EnsureSchemaAsync();
        var workers = new List<Process>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                workers.Add(await StartWorkerAsync(app, connection, schema, settings));
            }

            var watch = Stopwatch.StartNew();
            var runId = await client.StartPlanAsync(definition, "{}", LayeredDag.Plan(settings.Width));
            var run = await client.WaitForRunAsync(definition.FullName, runId);
            watch.Stop();
            var wrong = run.Tasks.Count(t => t.ResultJson != expected[t.Key].ToString(CultureInfo.InvariantCulture));
            if (run.Status != RunStatus.Completed || run.Tasks.Count != expected.Count || wrong > 0)
            {
                throw new InvalidOperationException($"The run ended {run.Status} with {run.Tasks.Count} tasks, {wrong} wrong.");
            }

            Console.WriteLine($"| {count} | {repeat} | {watch.Elapsed.TotalSeconds:F2} | {expected.Count / watch.Elapsed.TotalSeconds:F0} |");
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.StandardInput.Close();
                if (!worker.WaitForExit(20_000))
                {
                    worker.Kill();
                }

                worker.Dispose();
            }
        }
    }
}

if (settings.Heartbeat > 0)
{
    await HeartbeatCost.RunAsync(connection, definition, settings.Heartbeat);
}

if (settings.HangfireWidth > 0)
{
    await HangfireBaseline.RunAsync(connection, settings.HangfireWidth, settings.HangfireWorkers);
}

return 0;

static async Task<Process> StartWorkerAsync(string app, string connection, string schema, Settings settings)
{
    var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var arg in new[] { app, "worker", connection, schema, "-", "15000", settings.Batch.ToString(CultureInfo.InvariantCulture), settings.Concurrency.ToString(CultureInfo.InvariantCulture) })
    {
        info.ArgumentList.Add(arg);
    }

    var process = Process.Start(info)!;
    var line = await process.StandardOutput.ReadLineAsync();
    if (line is null || !line.StartsWith("ready ", StringComparison.Ordinal))
    {
        throw new InvalidOperationException("A worker did not start: " + line);
    }

    _ = process.StandardOutput.ReadToEndAsync();
    return process;
}

/// <summary>The harness's options.</summary>
internal sealed record Settings(int Width, int[] Workers, int Repeat, int Batch, int Concurrency, int HangfireWidth, int HangfireWorkers, bool Durable, string? Connection, int Heartbeat = 256)
{
    public static Settings Parse(string[] args)
    {
        var settings = new Settings(4000, [1, 2, 4], 2, 256, 256, 200, 20, false, null);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => args[++i];
            settings = args[i] switch
            {
                "--width" => settings with { Width = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--workers" => settings with { Workers = Next().Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray() },
                "--repeat" => settings with { Repeat = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--batch" => settings with { Batch = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--concurrency" => settings with { Concurrency = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--hangfire-width" => settings with { HangfireWidth = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--hangfire-workers" => settings with { HangfireWorkers = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--durable" => settings with { Durable = true },
                "--connection" => settings with { Connection = Next() },
                "--heartbeat-claims" => settings with { Heartbeat = int.Parse(Next(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException("unknown option " + args[i]),
            };
        }

        return settings;
    }
}

/// <summary>
/// The same layers through Hangfire.PostgreSql: Hangfire has no multi-parent dependencies (a continuation has one
/// parent), so the DAG runs layer by layer: a layer's jobs are enqueued when the whole previous layer has finished
/// (which favours Hangfire: no per-task dependency bookkeeping). One BackgroundJobServer in this process.
/// </summary>
public static class HangfireBaseline
{
    private static readonly ConcurrentDictionary<string, long> Results = new(StringComparer.Ordinal);
    private static CountdownEvent? _layer;

    public static async Task RunAsync(string connection, int width, int workers)
    {
        GlobalConfiguration.Configuration
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UsePostgreSqlStorage(c => c.UseNpgsqlConnection(connection), new PostgreSqlStorageOptions { SchemaName = "hangfire_bench", QueuePollInterval = TimeSpan.FromMilliseconds(50), PrepareSchemaIfNecessary = true });
        using var server = new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = workers, SchedulePollingInterval = TimeSpan.FromMilliseconds(100) });
        var watch = Stopwatch.StartNew();
        for (var k = 0; k < LayeredDag.Layers; k++)
        {
            _layer = new CountdownEvent(width);
            for (var i = 0; i < width; i++)
            {
                var (layer, index) = (k, i);
                BackgroundJob.Enqueue(() => Node(layer, index, width));
            }

            await Task.Run(() => _layer.Wait());
        }

        watch.Stop();
        var expected = LayeredDag.Expected(width);
        var wrong = expected.Count(e => !Results.TryGetValue(e.Key, out var v) || v != e.Value);
        Console.WriteLine($"Hangfire.PostgreSql 1.21.1: {LayeredDag.Layers} x {width} = {expected.Count} jobs (layer by layer), {workers} workers, poll 50 ms: {watch.Elapsed.TotalSeconds:F2} s, {expected.Count / watch.Elapsed.TotalSeconds:F0} jobs/s, {wrong} wrong");
    }

    /// <summary>One node's body: the same computation as <see cref="LayeredDag"/>'s tasks, its inputs from the results so far.</summary>
    public static void Node(int layer, int index, int width)
    {
        long Get(int k, int i) => Results[LayeredDag.Key("L" + k, i)];
        var value = layer switch
        {
            0 => LayeredDag.Mix(index, 0, 0),
            1 => LayeredDag.Mix(index, Get(0, index), 1),
            _ => LayeredDag.Mix(index, Get(layer - 1, index), Get(layer - 2, (index + 1) % width)),
        };
        Results[LayeredDag.Key("L" + layer, index)] = value;
        _layer!.Signal();
    }
}

/// <summary>
/// What a heartbeat costs: the per-process lease (one row of the workers table) against a per-claim lease (the deadline
/// of every task the worker holds, here <c>claims</c> running tasks), each renewed 200 times in a row.
/// </summary>
public static class HeartbeatCost
{
    public static async Task RunAsync(string connection, WorkflowDefinition definition, int claims)
    {
        var schema = $"bench_heartbeat_{Environment.ProcessId}";
        var options = new PostgreSqlWorkflowyOptions { ConnectionString = connection, Schema = schema };
        await using var client = new PostgreSqlWorkflowClient(options);
        await client.Store.EnsureSchemaAsync();
        await client.StartPlanAsync(definition, "{}", LayeredDag.Plan(claims));
        var me = Guid.NewGuid();
        await using var source = Npgsql.NpgsqlDataSource.Create(connection);
        await Execute(source, $"INSERT INTO {schema}.workers (id, host, pid, lease_until) VALUES ('{me}', 'bench', 0, now())");
        await Execute(source, $"UPDATE {schema}.queue SET state = 2, owner = '{me}', attempt = 1 WHERE key LIKE 'L0/%'");
        var perProcess = await Time(source, $"UPDATE {schema}.workers SET lease_until = now() + interval '15 seconds' WHERE id = '{me}' AND state = 0");
        var perClaim = await Time(source, $"UPDATE {schema}.queue SET deadline = now() + interval '15 seconds' WHERE owner = '{me}' AND state = 2");
        Console.WriteLine($"Heartbeat, 200 renewals in a row: per process (1 row) {perProcess:F3} ms each; per claim ({claims} running tasks) {perClaim:F3} ms each");
    }

    private static async Task<double> Time(Npgsql.NpgsqlDataSource source, string sql)
    {
        await Execute(source, sql);
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < 200; i++)
        {
            await Execute(source, sql);
        }

        return watch.Elapsed.TotalMilliseconds / 200;
    }

    private static async Task Execute(Npgsql.NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
