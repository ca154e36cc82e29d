using System;
using System.Collections.Generic;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Workflowy.Hosting;

/// <summary>
/// Checks <see cref="WorkflowyOptions"/> when the host starts (<c>ValidateOnStart</c>), with messages that name each
/// setting by its configuration key (<c>Workflowy:MaxWorkers must be at least 1 (was 0).</c>). Hand-written: no
/// data annotations, no reflection.
/// </summary>
internal sealed class WorkflowyOptionsValidator(WorkflowyRegistration registration, IServiceProviderIsService? services)
    : IValidateOptions<WorkflowyOptions>
{
    /// <summary>The longest wait <see cref="System.Threading.Tasks.Task.Delay(TimeSpan, TimeProvider)"/> takes, rounded down.</summary>
    internal static readonly TimeSpan MaxInterval = TimeSpan.FromDays(49);

    public ValidateOptionsResult Validate(string? name, WorkflowyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var prefix = registration.SectionPath;
        var failures = new List<string>();
        if (options.MaxWorkers < 1)
        {
            failures.Add($"{prefix}:MaxWorkers must be at least 1 (was {options.MaxWorkers}).");
        }

        if (options.DefaultBackend is not (Backend.Async or Backend.Thread or Backend.Serial))
        {
            failures.Add($"{prefix}:DefaultBackend must be Async, Thread or Serial (was {options.DefaultBackend}).");
        }

        if (options.ErrorPolicy is not (ErrorPolicy.Raise or ErrorPolicy.Log or ErrorPolicy.Continue))
        {
            failures.Add($"{prefix}:ErrorPolicy must be Raise, Log or Continue (was {options.ErrorPolicy}).");
        }

        if (options.CheckpointInterval < TimeSpan.Zero || options.CheckpointInterval > MaxInterval)
        {
            failures.Add($"{prefix}:CheckpointInterval must be between 00:00:00 and 49 days (was {options.CheckpointInterval}).");
        }

        if (options.EventPollInterval <= TimeSpan.Zero || options.EventPollInterval > MaxInterval)
        {
            failures.Add($"{prefix}:EventPollInterval must be more than 00:00:00 and at most 49 days (was {options.EventPollInterval}).");
        }

        switch (options.Store)
        {
            case WorkflowyStoreKind.JsonFile when string.IsNullOrWhiteSpace(options.StoreDirectory):
                failures.Add($"{prefix}:StoreDirectory is required when {prefix}:Store is JsonFile (the directory of the run files).");
                break;
            case WorkflowyStoreKind.Services or WorkflowyStoreKind.None or WorkflowyStoreKind.InMemory when options.StoreDirectory is not null:
                failures.Add($"{prefix}:StoreDirectory is set ('{options.StoreDirectory}'), but {prefix}:Store is {options.Store}: set {prefix}:Store to JsonFile to use the directory, or remove {prefix}:StoreDirectory.");
                break;
            case WorkflowyStoreKind.Services or WorkflowyStoreKind.None or WorkflowyStoreKind.InMemory or WorkflowyStoreKind.JsonFile:
                break;
            default:
                failures.Add($"{prefix}:Store must be Services, None, InMemory or JsonFile (was {options.Store}).");
                break;
        }

        if (options.Store is WorkflowyStoreKind.InMemory or WorkflowyStoreKind.JsonFile && services?.IsService(typeof(IWorkflowStore)) == true)
        {
            failures.Add($"{prefix}:Store is {options.Store}, but an IWorkflowStore is registered in the services too: set {prefix}:Store to Services to use the registered one, or remove its registration.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
