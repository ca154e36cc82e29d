using System;
using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using Workflowy.Dashboard;

namespace Workflowy.Cli;

/// <summary>
/// <c>serve</c>: the dashboard (Workflowy.Dashboard, docs/dashboard.md) for this program's workflows and the command's
/// store, on loopback until Ctrl+C. The program's configured runner is used when it has one; otherwise the dashboard
/// makes a runner with the store (and the dashboard's logger factory, so task log lines are captured).
/// </summary>
internal static class ServeCommand
{
    /// <summary>The feature switch that leaves <c>serve</c> (and ASP.NET Core with it) out of an app.</summary>
    public const string Switch = "Workflowy.Cli.Serve.IsSupported";

    /// <summary>
    /// Whether the command line has <c>serve</c>: yes, unless the app sets the <see cref="Switch"/> feature switch to
    /// false (<c>&lt;RuntimeHostConfigurationOption Include="Workflowy.Cli.Serve.IsSupported" Value="false" Trim="true" /&gt;</c>);
    /// then trimming and Native AOT leave the dashboard and ASP.NET Core out of the app.
    /// </summary>
    [FeatureSwitchDefinition(Switch)]
    public static bool IsSupported => !AppContext.TryGetSwitch(Switch, out var enabled) || enabled;

    public static Command Build(CliSession session)
    {
        var urls = new Option<string[]>("--urls") { Description = $"Addresses to listen on (default {WorkflowyDashboardServer.DefaultUrl}); only loopback ones: the command has no authorization hook.", HelpName = "url" };
        var prefix = new Option<string>("--prefix") { Description = "The dashboard's path.", DefaultValueFactory = _ => "/workflowy" };
        var readOnly = new Option<bool>("--read-only") { Description = "Show runs, hide and refuse every action." };
        var allowedHost = new Option<string[]>("--allowed-host") { Description = "A host name accepted in the Host header besides localhost, 127.0.0.1 and [::1] (once per name).", HelpName = "host" };
        var store = new Option<string?>("--store") { Description = "The store of runs: json:<folder>, or another store this program knows; default WORKFLOWY_STORE.", HelpName = "store" };
        var command = new Command("serve", "Serve the dashboard: runs, live graphs, task logs, and cancel, retry, rerun and trigger actions (loopback only).")
        {
            urls, prefix, readOnly, allowedHost, store,
        };
        command.SetAction((parse, ct) => ServeAsync(session, parse.GetValue(urls), parse.GetValue(prefix)!, parse.GetValue(readOnly), parse.GetValue(allowedHost), parse.GetValue(store), ct));
        return command;
    }

    private static async Task<int> ServeAsync(CliSession session, string[]? urls, string prefix, bool readOnly, string[]? allowedHosts, string? storeSpec, CancellationToken cancellationToken)
    {
        WebApplication app;
        try
        {
            var options = new WorkflowyDashboardServerOptions
            {
                Prefix = prefix,
                Runner = session.ConfiguredRunner,
                Store = session.ConfiguredRunner is null ? session.ResolveStore(storeSpec) : null,
                Configure = o =>
                {
                    o.ReadOnly = readOnly;
                    foreach (var host in allowedHosts ?? Array.Empty<string>())
                    {
                        o.AllowedHosts.Add(host);
                    }
                },
            };
            foreach (var url in urls ?? Array.Empty<string>())
            {
                options.Urls.Add(url);
            }

            if (session.ConfiguredRunner is not null && storeSpec is not null)
            {
                throw new UsageException("--store is not available: this program configures its runner and store itself.");
            }

            app = WorkflowyDashboardServer.Create(options);
        }
        catch (Exception ex) when (ex is InvalidOperationException or UsageException)
        {
            await session.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return WorkflowyCli.UsageError;
        }

        await using (app.ConfigureAwait(false))
        {
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is System.IO.IOException or InvalidOperationException)
            {
                await session.Error.WriteLineAsync($"error: the dashboard cannot listen: {ex.Message}").ConfigureAwait(false);
                return WorkflowyCli.UsageError;
            }

            foreach (var url in app.Urls)
            {
                await session.Out.WriteLineAsync($"Dashboard: {url}{("/" + prefix.Trim('/')).TrimEnd('/')}/ (Ctrl+C to stop)").ConfigureAwait(false);
            }

            await session.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        return WorkflowyCli.Success;
    }
}
