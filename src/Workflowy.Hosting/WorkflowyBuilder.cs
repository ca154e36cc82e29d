using System;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Workflowy.Hosting;

/// <summary>What <c>services.AddWorkflowy(...)</c> returns: registers workflow classes and configures the runner further.</summary>
public sealed class WorkflowyBuilder
{
    internal WorkflowyBuilder(IServiceCollection services)
    {
        Services = services;
    }

    /// <summary>The service collection Workflowy was added to.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Registers a workflow class as a transient service (unless it is registered already), so that its constructor
    /// takes services: the catalogue's <see cref="WorkflowDefinition.StartAsync"/> asks the runner's
    /// <see cref="WorkflowRunner.Services"/> for it, and code that resolves it calls <c>RunAsync</c> or
    /// <c>ResumeAsync</c> on it. Workflows are resolved from the root provider (see docs/hosting.md).
    /// </summary>
    /// <typeparam name="TWorkflow">The workflow class (a partial class with <c>[Task]</c> methods).</typeparam>
    public WorkflowyBuilder AddWorkflow<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TWorkflow>()
        where TWorkflow : class
    {
        Services.TryAddTransient<TWorkflow>();
        return this;
    }

    /// <summary>Configures the options in code, after (and over) what was bound from configuration before this call.</summary>
    /// <param name="configure">Sets <see cref="WorkflowyOptions"/>.</param>
    public WorkflowyBuilder Configure(Action<WorkflowyOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }
}
