using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>One body to run: which task of which run, its inputs, its dependencies' results, its attempt.</summary>
/// <param name="Workflow">The workflow's full name.</param>
/// <param name="RunId">The run id.</param>
/// <param name="TaskName">The graph task whose body runs.</param>
/// <param name="Key">The task's key in the run.</param>
/// <param name="InputsJson">The inputs (the run's, or the planned task's own).</param>
/// <param name="DependencyResults">The dependencies' results by task name (null: the dependency did not complete).</param>
/// <param name="Attempt">The attempt number as the retry policy counts it (from 1).</param>
internal sealed record TaskCall(string Workflow, string RunId, string TaskName, string Key, string InputsJson, IReadOnlyDictionary<string, string?> DependencyResults, int Attempt);

/// <summary>Where a worker finds task bodies and their options.</summary>
internal interface ITaskBodies
{
    /// <summary>The task's options (retry policy, backoff), or null if this process does not know the workflow or the task.</summary>
    TaskOptions? FindOptions(string workflow, string taskName);

    /// <summary>Runs the body; returns its result as JSON (null for a task without a result).</summary>
    ValueTask<string?> InvokeAsync(TaskCall call, CancellationToken cancellationToken);
}
