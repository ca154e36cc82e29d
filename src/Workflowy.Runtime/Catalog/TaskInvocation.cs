using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;

namespace Workflowy;

/// <summary>
/// What one invocation of a task body needs when it runs outside its run (<see cref="WorkflowDefinition.InvokeTaskAsync"/>):
/// the workflow's inputs and the results of the task's dependencies, as JSON written through the workflow's serializer
/// context, and who is asking (run id, attempt).
/// </summary>
public sealed class TaskInvocation
{
    private static readonly IReadOnlyDictionary<string, string?> NoResults = new ReadOnlyDictionary<string, string?>(new Dictionary<string, string?>());

    private readonly int _attempt = 1;

    /// <summary>An invocation with the workflow's inputs.</summary>
    /// <param name="inputsJson">
    /// A JSON object with the workflow's inputs, as <see cref="WorkflowDefinition.StartAsync"/> takes it; the task reads
    /// the ones it has parameters for (others are ignored). <c>{}</c> for a task that reads none.
    /// </param>
    public TaskInvocation(string inputsJson)
    {
        ArgumentNullException.ThrowIfNull(inputsJson);
        InputsJson = inputsJson;
    }

    /// <summary>The workflow's inputs as a JSON object.</summary>
    public string InputsJson { get; }

    /// <summary>
    /// The results of the task's dependencies by dependency task name, each as JSON through the workflow's serializer
    /// context (as <see cref="WorkflowRun.ResultJson(string)"/> gives it). A <c>null</c> value (not the JSON literal)
    /// means the dependency did not complete: the parameter receives <c>default</c>, as an in-process
    /// <see cref="DependencyFailure.RunAnyway"/> task would. A dependency a parameter reads must be present.
    /// </summary>
    public IReadOnlyDictionary<string, string?> DependencyResults { get; init; } = NoResults;

    /// <summary>The id of the run the invocation belongs to (<see cref="TaskContext.RunId"/>); empty when not given.</summary>
    public string RunId { get; init; } = string.Empty;

    /// <summary>The attempt number, starting at 1 (<see cref="TaskContext.Attempt"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int Attempt
    {
        get => _attempt;
        init => _attempt = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(Attempt), value, "The attempt number starts at 1.");
    }

    /// <summary>Where the workflow object comes from (as <see cref="WorkflowRunner.Services"/> for a start by name); null: its parameterless constructor.</summary>
    public IServiceProvider? Services { get; init; }

    /// <summary>
    /// Receives the progress the body reports with <see cref="TaskContext.ReportProgress"/> (the fraction clamped to
    /// [0, 1], and the message); null: reporting progress throws <see cref="NotSupportedException"/>.
    /// </summary>
    public Action<double, string?>? ProgressReported { get; init; }
}
