using System;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workflowy;
using Workflowy.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds Workflowy to a service collection: <c>services.AddWorkflowy(configuration.GetSection("Workflowy"))</c>.</summary>
public static class WorkflowyServiceCollectionExtensions
{
    /// <summary>
    /// Registers a singleton <see cref="WorkflowRunner"/> built from <see cref="WorkflowyOptions"/> (validated when the
    /// host starts) with the container's <see cref="ILoggerFactory"/> (category <c>Workflowy</c>),
    /// <see cref="IWorkflowStore"/> (with <see cref="WorkflowyStoreKind.Services"/>), <see cref="TimeProvider"/> and the
    /// container itself as <see cref="WorkflowRunner.Services"/>; and a hosted service that drains the runner's runs
    /// when the host stops. Calling it again adds nothing but the configuration.
    /// </summary>
    /// <param name="services">The service collection.</param>
    public static WorkflowyBuilder AddWorkflowy(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        Register(services);
        return new WorkflowyBuilder(services);
    }

    /// <summary>Adds Workflowy (see <see cref="AddWorkflowy(IServiceCollection)"/>) and configures its options in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets <see cref="WorkflowyOptions"/>.</param>
    public static WorkflowyBuilder AddWorkflowy(this IServiceCollection services, Action<WorkflowyOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddWorkflowy().Configure(configure);
    }

    /// <summary>
    /// Adds Workflowy (see <see cref="AddWorkflowy(IServiceCollection)"/>) with its options bound from a configuration
    /// section, usually <c>configuration.GetSection("Workflowy")</c>. A key that is not a setting of
    /// <see cref="WorkflowyOptions"/>, or a value that does not convert, fails the host's start with a message naming it.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section holding the settings (its keys are the names of <see cref="WorkflowyOptions"/>' properties).</param>
    public static WorkflowyBuilder AddWorkflowy(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var registration = Register(services);
        if (configuration is IConfigurationSection section)
        {
            registration.SectionPath = section.Path;
        }

        // Intercepted by the configuration binder's source generator (EnableConfigurationBindingGenerator): no reflection.
        services.AddOptions<WorkflowyOptions>().Bind(configuration, binder => binder.ErrorOnUnknownConfiguration = true);
        return new WorkflowyBuilder(services);
    }

    private static WorkflowyRegistration Register(IServiceCollection services)
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(WorkflowyRegistration) && descriptor.ImplementationInstance is WorkflowyRegistration existing)
            {
                return existing;
            }
        }

        var registration = new WorkflowyRegistration();
        services.AddSingleton(registration);
        services.AddOptions<WorkflowyOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkflowyOptions>>(
            provider => new WorkflowyOptionsValidator(registration, provider.GetService<IServiceProviderIsService>()));
        services.TryAddSingleton(RunnerFactory.Create);
        services.AddSingleton(provider => new WorkflowyHostedService(
            provider.GetRequiredService<WorkflowRunner>(), provider.GetService<ILoggerFactory>()));
        services.AddSingleton<IHostedService>(provider => provider.GetRequiredService<WorkflowyHostedService>());
        return registration;
    }
}
