using System;
using System.Collections.Generic;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Workflowy.Dashboard;

/// <summary>How <see cref="WorkflowyDashboardServer.Create"/> builds a dashboard app of its own.</summary>
public sealed class WorkflowyDashboardServerOptions
{
    /// <summary>The addresses to listen on. Default <c>http://127.0.0.1:5057</c>; any other than loopback needs <see cref="WorkflowyDashboardOptions.Authorize"/>.</summary>
    public IList<string> Urls { get; } = new List<string>();

    /// <summary>The dashboard's path. Default <c>/workflowy</c> (the root redirects there).</summary>
    public string Prefix { get; set; } = "/workflowy";

    /// <summary>The runner to show and act on; null: one is made with <see cref="Store"/> and the app's logger factory (disposed with the app).</summary>
    public WorkflowRunner? Runner { get; set; }

    /// <summary>The store of the runner the server makes when <see cref="Runner"/> is null.</summary>
    public IWorkflowStore? Store { get; set; }

    /// <summary>Sets the dashboard's options (security, redaction, limits).</summary>
    public Action<WorkflowyDashboardOptions>? Configure { get; set; }

    /// <summary>Adds services (a worker or schedule source, workflow classes the catalogue asks the runner's services for).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; set; }

    /// <summary>The least level logged to the console. Default <see cref="LogLevel.Warning"/>.</summary>
    public LogLevel ConsoleLogLevel { get; set; } = LogLevel.Warning;
}

/// <summary>
/// The dashboard served on its own: a slim ASP.NET Core app (<c>WebApplication.CreateSlimBuilder</c>) with the
/// dashboard mapped, listening on loopback unless told otherwise. Used by the CLI's <c>serve</c> command and the
/// dashboard host sample.
/// </summary>
public static class WorkflowyDashboardServer
{
    /// <summary>The address used when none is given.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5057";

    /// <summary>
    /// Builds the app (not started: call <c>StartAsync</c> or <c>RunAsync</c>; its <c>Urls</c> then hold the bound
    /// addresses, a port 0 included).
    /// </summary>
    /// <param name="options">Addresses, runner or store, dashboard options.</param>
    /// <exception cref="InvalidOperationException">An address other than loopback without an authorization hook.</exception>
    public static WebApplication Create(WorkflowyDashboardServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var dashboardOptions = new WorkflowyDashboardOptions();
        options.Configure?.Invoke(dashboardOptions);
        var urls = options.Urls.Count == 0 ? new List<string> { DefaultUrl } : new List<string>(options.Urls);
        if (dashboardOptions.Authorize is null)
        {
            foreach (var url in urls)
            {
                if (!DashboardGuard.IsLoopbackUrl(url))
                {
                    throw new InvalidOperationException(
                        $"The dashboard refuses to listen on {url}: only loopback addresses (127.0.0.1, [::1], localhost) are allowed unless an authorization hook is configured (WorkflowyDashboardOptions.Authorize).");
                }
            }
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = Array.Empty<string>() });
        builder.WebHost.UseUrls(urls.ToArray());
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(static o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddFilter<Microsoft.Extensions.Logging.Console.ConsoleLoggerProvider>(null, options.ConsoleLogLevel);
        builder.Services.AddSingleton(dashboardOptions);
        builder.Services.AddWorkflowyDashboard();
        options.ConfigureServices?.Invoke(builder.Services);
        if (options.Runner is { } given)
        {
            // An instance registration: the container does not dispose it, its owner does.
            builder.Services.AddSingleton(given);
        }
        else
        {
            var store = options.Store;
            builder.Services.AddSingleton(sp => new WorkflowRunner
            {
                Store = store,
                Logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Workflowy"),
                Services = sp,
            });
        }

        var app = builder.Build();
        var prefix = "/" + options.Prefix.Trim('/');
        app.MapWorkflowyDashboard(prefix);
        if (prefix != "/")
        {
            app.MapGet("/", (RequestDelegate)(context =>
            {
                context.Response.Redirect(prefix + "/");
                return System.Threading.Tasks.Task.CompletedTask;
            }));
        }

        return app;
    }
}
