using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;

namespace Workflowy.Benchmarks.PostgreSql;

/// <summary>
/// A throw-away PostgreSQL cluster for the benchmark (as the tests' fixture does it): initdb as the postgres user in a
/// temporary folder, started on a free loopback port, stopped by its postmaster pid, the folder deleted. fsync stays on
/// (unlike the tests' cluster), synchronous_commit too: the figures are for durable commits.
/// </summary>
internal sealed class TempCluster : IDisposable
{
    private readonly string _folder;
    private readonly int _pid;

    public TempCluster(bool durable)
    {
        var bin = Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb")))
            .OrderByDescending(d => d, StringComparer.Ordinal)
            .FirstOrDefault() ?? throw new InvalidOperationException("No PostgreSQL server binaries under /usr/lib/postgresql/*/bin: apt-get install postgresql.");
        _folder = Path.Combine(Path.GetTempPath(), "workflowy-bench-pg-" + Guid.NewGuid().ToString("N"));
        var data = Path.Combine(_folder, "data");
        Directory.CreateDirectory(Path.Combine(_folder, "run"));
        Run("chown", "-R", "postgres:postgres", _folder);
        Run("runuser", "-u", "postgres", "--", Path.Combine(bin, "initdb"), "-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=trust", "-E", "UTF8", "--no-sync", "--no-instructions");
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var settings = durable ? "" : " -c fsync=off -c synchronous_commit=off";
        Run("runuser", "-u", "postgres", "--", Path.Combine(bin, "pg_ctl"), "start", "-D", data, "-l", Path.Combine(_folder, "server.log"), "-w", "-t", "60",
            "-o", $"-p {Port} -k {Path.Combine(_folder, "run")} -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB{settings}");
        _pid = int.Parse(File.ReadLines(Path.Combine(data, "postmaster.pid")).First().Trim(), CultureInfo.InvariantCulture);
        ConnectionString = $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Maximum Pool Size=60";
    }

    public int Port { get; }

    public string ConnectionString { get; }

    public void Dispose()
    {
        Run("kill", "-INT", _pid.ToString(CultureInfo.InvariantCulture));
        try
        {
            using var process = Process.GetProcessById(_pid);
            if (!process.WaitForExit(30_000))
            {
                process.Kill();
            }
        }
        catch (ArgumentException)
        {
        }

        Directory.Delete(_folder, recursive: true);
    }

    private static void Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {output.Result}{error.Result}");
        }
    }
}
