using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy;

/// <summary>
/// A workflow known by name: its graph, its inputs, and a way to start it with inputs given as JSON. The generator
/// writes a sealed subclass for every valid workflow class and registers it in <see cref="WorkflowCatalog"/>; find it
/// there with <see cref="WorkflowCatalog.Find"/>. A task's identity within a definition is its graph name
/// (<see cref="WorkflowGraphNode.Name"/>), the same as in a checkpoint.
/// </summary>
public abstract partial class WorkflowDefinition
{
    private readonly ReadOnlyCollection<WorkflowInputInfo> _inputs;

    /// <summary>Describes a workflow; called by generated code.</summary>
    /// <param name="name">The workflow class's name.</param>
    /// <param name="fullName">The workflow class's full name (its identity in a store).</param>
    /// <param name="inputs">The workflow's inputs, in the order of its <c>RunAsync</c> parameters.</param>
    protected WorkflowDefinition(string name, string fullName, params WorkflowInputInfo[] inputs)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(fullName);
        ArgumentNullException.ThrowIfNull(inputs);
        Name = name;
        FullName = fullName;
        _inputs = new ReadOnlyCollection<WorkflowInputInfo>((WorkflowInputInfo[])inputs.Clone());
    }

    /// <summary>The workflow class's name, e.g. <c>Checkout</c>.</summary>
    public string Name { get; }

    /// <summary>The workflow class's full name, e.g. <c>Shop.Checkout</c> (its identity in a store).</summary>
    public string FullName { get; }

    /// <summary>The workflow graph: tasks, edges, a topological order; render it with <see cref="WorkflowRenderer"/>.</summary>
    public abstract WorkflowGraph Graph { get; }

    /// <summary>The workflow's inputs (the parameters of its <c>RunAsync</c>), in order.</summary>
    public IReadOnlyList<WorkflowInputInfo> Inputs => _inputs;

    /// <summary>
    /// The serializer context the workflow names with <c>[WorkflowSerialization]</c>, through which inputs and results
    /// cross as JSON; null if it names none (it can then be listed and rendered, not started by name).
    /// </summary>
    public virtual JsonSerializerContext? SerializerContext => null;

    /// <summary>
    /// Starts a run of the workflow and returns it at once (await its <see cref="WorkflowRun.Completion"/>; read results
    /// with <see cref="WorkflowRun.ResultJson(string)"/>). The workflow object comes from the runner's
    /// <see cref="WorkflowRunner.Services"/> if it provides one, else from the class's parameterless constructor.
    /// </summary>
    /// <param name="inputsJson">A JSON object with one property per input, named as in <see cref="Inputs"/>; <c>null</c> only for nullable inputs.</param>
    /// <param name="runner">The runner whose options apply (default: <see cref="WorkflowRunner.Default"/>).</param>
    /// <param name="runId">The run's id (default: a new one); with a store, an existing run of that id continues.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <exception cref="InvalidOperationException">The workflow names no serializer context, or no workflow object can be made.</exception>
    /// <exception cref="ArgumentException">The JSON is malformed, not an object, lacks an input, has an unknown property, or an input has the wrong type; the message names the input.</exception>
    public Task<WorkflowRun> StartAsync(string inputsJson, WorkflowRunner? runner = null, string? runId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputsJson);
        if (SerializerContext is null)
        {
            throw new InvalidOperationException(
                $"Workflow '{FullName}' cannot be started from JSON: it names no serializer context. Add [WorkflowSerialization(typeof(YourJsonContext))] to the class, with its inputs and results registered with [JsonSerializable].");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(inputsJson);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The inputs of workflow '{FullName}' are not valid JSON: {ex.Message}", nameof(inputsJson), ex);
        }

        using (document)
        {
            CheckInputs(document.RootElement);
            return Task.FromResult(StartFromJson(document.RootElement, runner, runId, cancellationToken));
        }
    }

    /// <summary>
    /// Reads the inputs with <see cref="ReadInput{T}"/>, makes the workflow object and starts the run; generated for
    /// workflows with a serializer context. <paramref name="inputs"/> is an object with exactly the inputs' properties.
    /// </summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected virtual WorkflowRun StartFromJson(JsonElement inputs, WorkflowRunner? runner, string? runId, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"Workflow '{FullName}' cannot be started from JSON.");

    /// <summary>Reads one input through <see cref="SerializerContext"/>; called by generated code.</summary>
    /// <param name="inputs">The inputs object.</param>
    /// <param name="name">The input's name.</param>
    /// <param name="allowNull">Whether the input's type is nullable (a JSON <c>null</c> is then a value).</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    protected T ReadInput<T>(JsonElement inputs, string name, bool allowNull)
    {
        var context = SerializerContext ?? throw new InvalidOperationException($"Workflow '{FullName}' names no serializer context.");
        if (!inputs.TryGetProperty(name, out var element))
        {
            throw MissingInput(name);
        }

        T? value;
        try
        {
            value = element.Deserialize(WorkflowRun.TypeInfoOf<T>(context));
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"The input '{name}' of workflow '{FullName}' cannot be read as {TypeNameOf(name)}: {ex.Message}", "inputsJson", ex);
        }

        if (value is null && !allowNull)
        {
            throw new ArgumentException($"The input '{name}' of workflow '{FullName}' is null, but its type {TypeNameOf(name)} is not nullable.", "inputsJson");
        }

        return value!;
    }

    /// <inheritdoc />
    public override string ToString() => FullName;

    /// <summary>The root must be an object naming each input once and nothing else.</summary>
    private void CheckInputs(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"The inputs of workflow '{FullName}' must be a JSON object with the properties {Expected()}, not {root.ValueKind}.", "inputsJson");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!IsInput(property.Name))
            {
                throw new ArgumentException($"'{property.Name}' is not an input of workflow '{FullName}'; its inputs are {Expected()}.", "inputsJson");
            }

            if (!seen.Add(property.Name))
            {
                throw new ArgumentException($"The input '{property.Name}' of workflow '{FullName}' is given twice.", "inputsJson");
            }
        }

        foreach (var input in _inputs)
        {
            if (!seen.Contains(input.Name))
            {
                throw MissingInput(input.Name);
            }
        }
    }

    private bool IsInput(string name)
    {
        foreach (var input in _inputs)
        {
            if (string.Equals(input.Name, name, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private string TypeNameOf(string name)
    {
        foreach (var input in _inputs)
        {
            if (string.Equals(input.Name, name, StringComparison.Ordinal))
            {
                return input.TypeName;
            }
        }

        return "value of its type";
    }

    private ArgumentException MissingInput(string name) =>
        new($"The input '{name}' ({TypeNameOf(name)}) of workflow '{FullName}' is missing from the inputs JSON.", "inputsJson");

    private string Expected() => _inputs.Count == 0 ? "(none: pass {})" : string.Join(", ", System.Linq.Enumerable.Select(_inputs, i => $"'{i.Name}' ({i.TypeName})"));
}
