using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Workflowy.PostgreSql.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the tests use: the one <see cref="EnvironmentVariable"/> names (a connection string to a
/// user's server), or else a throw-away cluster started for this test assembly: <c>initdb</c> in a temporary folder
/// owned by the <c>postgres</c> user, <c>postgres</c> on a free loopback port with its socket in that folder and trust
/// authentication on loopback, stopped by the process id it wrote (<c>postmaster.pid</c>) at the end, the folder then
/// deleted. When the machine has no server binaries the Debian packages are installed (<c>apt-get install
/// postgresql</c>); when that fails the fixture fails loudly saying so. It never skips.
/// Each test works in a schema (or database) of its own, so the tests share one server.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    public const string EnvironmentVariable = "WORKFLOWY_TEST_POSTGRES";

    private string? _folder;
    private int _postmasterPid;
    private int _schemas;

    /// <summary>The server's connection string (to the <c>postgres</c> database as the <c>postgres</c> user for our own cluster).</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Whether this fixture started the server (false: a user's server from <see cref="EnvironmentVariable"/>).</summary>
    public bool Owned => _folder is not null;

    /// <summary>The folder of our cluster (data in data/, socket in run/, server log in server.log).</summary>
    public string? Folder => _folder;

    /// <summary>The server binaries used (null for a user's server).</summary>
    public string? BinDirectory { get; private set; }

    /// <summary>A new schema name, unique in this test run (schemas are dropped at the end when on a user's server).</summary>
    public string NewSchema(string prefix = "t") => $"{prefix}_{Environment.ProcessId}_{Interlocked.Increment(ref _schemas)}_{Guid.NewGuid().ToString("N")[..6]}";

    public async Task InitializeAsync()
    {
        var fromUser = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromUser))
        {
            ConnectionString = fromUser;
            return;
        }

        BinDirectory = FindBinDirectory() ?? InstallAndFind();
        _folder = Path.Combine(Path.GetTempPath(), "workflowy-pg-" + Guid.NewGuid().ToString("N"));
        var data = Path.Combine(_folder, "data");
        var socket = Path.Combine(_folder, "run");
        Directory.CreateDirectory(socket);
        Run("chown", ["-R", "postgres:postgres", _folder]);
        RunAsPostgres(Path.Combine(BinDirectory, "initdb"), ["-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);

        // A free port: bound by the OS, released, then given to the server (retried if someone took it meanwhile).
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var options = $"-p {port} -k {socket} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=128MB";
            var log = Path.Combine(_folder, "server.log");
            var (code, output) = RunAsPostgres(Path.Combine(BinDirectory, "pg_ctl"), ["start", "-D", data, "-l", log, "-w", "-t", "60", "-o", options], check: false);
            if (code == 0)
            {
                _postmasterPid = ReadPostmasterPid(data);
                ConnectionString = new NpgsqlConnectionStringBuilder
                {
                    Host = "127.0.0.1",
                    Port = port,
                    Username = "postgres",
                    Database = "postgres",
                    MaxPoolSize = 50,
                }.ConnectionString;
                break;
            }

            var serverLog = File.Exists(log) ? await File.ReadAllTextAsync(log) : "(no server log)";
            if (attempt == 3)
            {
                throw new InvalidOperationException($"The test PostgreSQL server did not start on port {port} (pg_ctl exit code {code}): {output}\n{serverLog}");
            }
        }

        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_folder is null)
        {
            return;
        }

        if (_postmasterPid > 0)
        {
            // Fast shutdown by the process id the server wrote when we started it; SIGKILL if it does not go.
            Run("kill", ["-INT", _postmasterPid.ToString(System.Globalization.CultureInfo.InvariantCulture)], check: false);
            try
            {
                using var process = Process.GetProcessById(_postmasterPid);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                try
                {
                    await process.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill();
                }
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The bin directory of the newest PostgreSQL installed from the Debian packages, or null.</summary>
    internal static string? FindBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return null;
        }

        return Directory.GetDirectories(root)
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            .Where(d => File.Exists(Path.Combine(d.Dir, "initdb")) && File.Exists(Path.Combine(d.Dir, "pg_ctl")))
            .OrderByDescending(d => d.Version)
            .Select(d => d.Dir)
            .FirstOrDefault();
    }

    private static string InstallAndFind()
    {
        var (code, output) = Run("apt-get", ["install", "-y", "--no-install-recommends", "postgresql"], check: false);
        if (code != 0)
        {
            (code, output) = Run("sh", ["-c", "apt-get update && apt-get install -y --no-install-recommends postgresql"], check: false);
        }

        return FindBinDirectory() ?? throw new InvalidOperationException(
            $"The PostgreSQL tests need a server: no binaries under /usr/lib/postgresql/*/bin, and installing the Debian package 'postgresql' failed (exit code {code}): {output}\n"
            + $"Install PostgreSQL (apt-get install postgresql), or set {EnvironmentVariable} to a connection string of a server the tests may create schemas in.");
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static int ReadPostmasterPid(string data)
    {
        var first = File.ReadLines(Path.Combine(data, "postmaster.pid")).First();
        return int.Parse(first.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static (int Code, string Output) RunAsPostgres(string program, string[] args, bool check = true) =>
        Run("runuser", ["-u", "postgres", "--", program, .. args], check);

    private static (int Code, string Output) Run(string program, string[] args, bool check = true)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        var output = stdout.Result + stderr.Result;
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed (exit code {process.ExitCode}): {output}");
        }

        return (process.ExitCode, output);
    }
}

/// <summary>Every test class that needs the server is in this collection: one server for the assembly.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
