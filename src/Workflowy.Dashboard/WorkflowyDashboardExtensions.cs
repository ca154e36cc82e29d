using System;
using System.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Workflowy.Dashboard;

/// <summary>Registers and maps the dashboard (docs/dashboard.md).</summary>
public static class WorkflowyDashboardExtensions
{
    /// <summary>
    /// Registers the dashboard's options and its logger provider (which keeps each task's log lines for the task page's
    /// live log tail; it reads the run and task from the runtime's log scope, so the runner's <c>Logger</c> must come
    /// from the same logger factory, as Workflowy.Hosting's <c>AddWorkflowy</c> does).
    /// </summary>
    /// <param name="services">The app's services.</param>
    /// <param name="configure">Sets the options.</param>
    public static IServiceCollection AddWorkflowyDashboard(this IServiceCollection services, Action<WorkflowyDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new WorkflowyDashboardOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton<DashboardLogSink>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, DashboardLogSinkProvider>());
        return services;
    }

    /// <summary>
    /// Maps the dashboard's pages, JSON API, live stream and assets under <paramref name="prefix"/>. The runner is
    /// <see cref="WorkflowyDashboardOptions.Runner"/>, else the app's <see cref="WorkflowRunner"/> service. Returns the
    /// route group, to which the app can add its own conventions (for example <c>RequireAuthorization</c>).
    /// </summary>
    /// <param name="endpoints">The app.</param>
    /// <param name="prefix">The path of the dashboard, such as <c>/workflowy</c>.</param>
    /// <param name="configure">Sets options on top of those given to <see cref="AddWorkflowyDashboard"/>.</param>
    /// <exception cref="InvalidOperationException">There is no runner to show.</exception>
    public static RouteGroupBuilder MapWorkflowyDashboard(this IEndpointRouteBuilder endpoints, string prefix = "/workflowy", Action<WorkflowyDashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var services = endpoints.ServiceProvider;
        var options = services.GetService<WorkflowyDashboardOptions>() ?? new WorkflowyDashboardOptions();
        configure?.Invoke(options);
        var runner = options.Runner ?? services.GetService<WorkflowRunner>() ?? throw new InvalidOperationException(
            "The dashboard has no runner to show: set WorkflowyDashboardOptions.Runner, or register a WorkflowRunner (services.AddWorkflowy() of Workflowy.Hosting).");
        var normalized = "/" + prefix.Trim('/');
        if (normalized == "/")
        {
            normalized = string.Empty;
        }

        var dashboard = new DashboardContext(
            options,
            runner,
            services.GetService<DashboardLogSink>(),
            services.GetService<IDashboardWorkerSource>(),
            services.GetService<IDashboardScheduleSource>(),
            services.GetService<ILoggerFactory>()?.CreateLogger("Workflowy.Dashboard"),
            normalized);
        var lifetime = services.GetService<IHostApplicationLifetime>();
        var server = services.GetService<IServer>();
        if (lifetime is not null)
        {
            lifetime.ApplicationStarted.Register(() => CheckListening(dashboard, server));
            lifetime.ApplicationStopping.Register(dashboard.Dispose);
        }

        var group = endpoints.MapGroup(normalized.Length == 0 ? "/" : normalized);
        DashboardEndpoints.Map(group, dashboard, lifetime);
        return group;
    }

    /// <summary>
    /// Fail-closed: an app that listens on an address other than loopback, with no authorization hook, gets every
    /// dashboard request refused (503), and an error is logged.
    /// </summary>
    internal static void CheckListening(DashboardContext dashboard, IServer? server)
    {
        if (dashboard.Options.Authorize is not null)
        {
            return;
        }

        var addresses = server?.Features.Get<IServerAddressesFeature>()?.Addresses;
        var outside = addresses?.Where(static a => !DashboardGuard.IsLoopbackUrl(a)).ToList();
        if (outside is { Count: > 0 })
        {
            dashboard.Refusal = $"The dashboard is not served: the app listens on {string.Join(", ", outside)}, beyond loopback, and no authorization hook is configured (WorkflowyDashboardOptions.Authorize).";
            dashboard.Logger.LogError("{Refusal}", dashboard.Refusal);
        }
    }
}

/// <summary>The registered <see cref="ILoggerProvider"/>: the one <see cref="DashboardLogSink"/> of the services.</summary>
internal sealed class DashboardLogSinkProvider(DashboardLogSink sink) : ILoggerProvider, ISupportExternalScope
{
    public ILogger CreateLogger(string categoryName) => sink.CreateLogger(categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => sink.SetScopeProvider(scopeProvider);

    public void Dispose()
    {
    }
}
