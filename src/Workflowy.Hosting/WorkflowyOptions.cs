using System;

namespace Workflowy.Hosting;

/// <summary>
/// The settings of the <see cref="WorkflowRunner"/> that <c>AddWorkflowy</c> registers, bound from the
/// <c>Workflowy</c> configuration section (<see cref="SectionName"/>) and validated when the host starts. Each one maps
/// to the runner's property of the same name (see docs/hosting.md for the table).
/// </summary>
public sealed class WorkflowyOptions
{
    /// <summary>The configuration section the settings are read from by convention: <c>Workflowy</c>.</summary>
    public const string SectionName = "Workflowy";

    /// <summary>How many task bodies run at once, for all runs together (<see cref="WorkflowRunner.MaxWorkers"/>; at least 1; default: the processor count).</summary>
    public int MaxWorkers { get; set; } = Environment.ProcessorCount;

    /// <summary>The backend of tasks declared with <see cref="Backend.Default"/>: <c>Async</c> (default), <c>Thread</c> or <c>Serial</c>.</summary>
    public Backend DefaultBackend { get; set; } = Backend.Async;

    /// <summary>What a task failure does: <c>Raise</c> (default), <c>Log</c> or <c>Continue</c> (<see cref="WorkflowRunner.ErrorPolicy"/>).</summary>
    public ErrorPolicy ErrorPolicy { get; set; } = ErrorPolicy.Raise;

    /// <summary>How long completions are gathered before a checkpoint batch is written (default zero: at once; at most 49 days).</summary>
    public TimeSpan CheckpointInterval { get; set; }

    /// <summary>How often a task waiting for an event polls the store (default 1 s; more than zero, at most 49 days).</summary>
    public TimeSpan EventPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Where runs are checkpointed (default <see cref="WorkflowyStoreKind.Services"/>: the <see cref="IWorkflowStore"/> registered in the services, if any).</summary>
    public WorkflowyStoreKind Store { get; set; } = WorkflowyStoreKind.Services;

    /// <summary>
    /// The directory of the <see cref="WorkflowyStoreKind.JsonFile"/> store (required by it, refused with any other
    /// store); a relative path is taken from the host's content root.
    /// </summary>
    public string? StoreDirectory { get; set; }
}

/// <summary>Which store the runner checkpoints its runs in (<see cref="WorkflowyOptions.Store"/>).</summary>
public enum WorkflowyStoreKind
{
    /// <summary>
    /// The <see cref="IWorkflowStore"/> registered in the services (for example a <c>SqliteWorkflowStore</c> from the
    /// Workflowy.Sqlite package), or none if none is registered.
    /// </summary>
    Services = 0,

    /// <summary>No store, even if one is registered: runs are not checkpointed and cannot be resumed.</summary>
    None = 1,

    /// <summary>An <see cref="InMemoryWorkflowStore"/> of the runner's own: resumable within the process.</summary>
    InMemory = 2,

    /// <summary>A <see cref="JsonFileWorkflowStore"/> in <see cref="WorkflowyOptions.StoreDirectory"/>.</summary>
    JsonFile = 3,
}
