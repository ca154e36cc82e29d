using System;
using System.IO;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Workflowy.Hosting;

/// <summary>Builds the container's <see cref="WorkflowRunner"/> from <see cref="WorkflowyOptions"/> and the container's services.</summary>
internal static class RunnerFactory
{
    /// <summary>The logger category of the runner, as in docs/observability.md.</summary>
    public const string LoggerCategory = "Workflowy";

    public static WorkflowRunner Create(IServiceProvider services)
    {
        // Reading Value binds and validates the options: a bad setting fails here with its message.
        var options = services.GetRequiredService<IOptions<WorkflowyOptions>>().Value;
        return new WorkflowRunner
        {
            MaxWorkers = options.MaxWorkers,
            DefaultBackend = options.DefaultBackend,
            ErrorPolicy = options.ErrorPolicy,
            CheckpointInterval = options.CheckpointInterval,
            EventPollInterval = options.EventPollInterval,
            Logger = services.GetService<ILoggerFactory>()?.CreateLogger(LoggerCategory) ?? NullLogger.Instance,
            Store = CreateStore(options, services),
            Services = services,
            TimeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System,
        };
    }

    private static IWorkflowStore? CreateStore(WorkflowyOptions options, IServiceProvider services) => options.Store switch
    {
        WorkflowyStoreKind.Services => services.GetService<IWorkflowStore>(),
        WorkflowyStoreKind.None => null,
        WorkflowyStoreKind.InMemory => new InMemoryWorkflowStore(),
        WorkflowyStoreKind.JsonFile => new JsonFileWorkflowStore(Path.Combine(
            services.GetService<IHostEnvironment>()?.ContentRootPath ?? Directory.GetCurrentDirectory(),
            options.StoreDirectory!)),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Store, "Unknown store kind."),
    };
}
