using System;
using System.Collections.Generic;
using System.IO;

namespace Workflowy.Cli;

/// <summary>
/// How <see cref="WorkflowyCli.RunAsync(string[], WorkflowyCliOptions, System.Threading.CancellationToken)"/> runs: the
/// runner and store of the program, where output goes, and whether the output is a terminal. Every property is
/// optional; the defaults are those of <see cref="WorkflowyCli.RunAsync(string[])"/>.
/// </summary>
public sealed class WorkflowyCliOptions
{
    /// <summary>
    /// A configured runner for every run the CLI starts, used as it is (not disposed by the CLI); its
    /// <see cref="WorkflowRunner.Store"/> is the store of the store commands, and <c>--store</c> is then refused. Its
    /// <see cref="WorkflowRunner.ActiveRuns"/> are the runs <c>show</c> and <c>cancel</c> find in this process. Null
    /// (the default): the CLI makes a runner per command with <see cref="CreateRunner"/>.
    /// </summary>
    public WorkflowRunner? Runner { get; init; }

    /// <summary>
    /// Makes the runner of a command that runs a workflow, for the store the command uses (null when there is none),
    /// when <see cref="Runner"/> is null; the CLI disposes it at the end of the command. Default:
    /// <c>store =&gt; new WorkflowRunner { Store = store }</c>.
    /// </summary>
    public Func<IWorkflowStore?, WorkflowRunner>? CreateRunner { get; init; }

    /// <summary>
    /// The store to use when the command line names none (<c>--store</c>) and <see cref="Runner"/> is null. When this
    /// is null too, the environment variable <c>WORKFLOWY_STORE</c> (a <c>--store</c> value) is read.
    /// </summary>
    public IWorkflowStore? Store { get; init; }

    /// <summary>
    /// Resolves a <c>--store</c> value (for example <c>sqlite:runs.db</c>) to a store, before the built-in
    /// <c>json:&lt;folder&gt;</c> (a <see cref="JsonFileWorkflowStore"/>); returns null for a value it does not know.
    /// </summary>
    public Func<string, IWorkflowStore?>? StoreResolver { get; init; }

    /// <summary>The workflows the CLI knows (default: <see cref="WorkflowCatalog.All"/>).</summary>
    public IReadOnlyList<WorkflowDefinition>? Workflows { get; init; }

    /// <summary>Where output goes (default: <see cref="Console.Out"/>).</summary>
    public TextWriter? Out { get; init; }

    /// <summary>Where errors go (default: <see cref="Console.Error"/>).</summary>
    public TextWriter? Error { get; init; }

    /// <summary>Where <c>--inputs-json -</c> reads from (default: <see cref="Console.In"/>).</summary>
    public TextReader? In { get; init; }

    /// <summary>
    /// Whether <see cref="Out"/> is an interactive terminal, which gets the live display and colours. Null (the
    /// default): detected, true when <see cref="Out"/> is not set, the console's output is not redirected and
    /// <c>TERM</c> is not <c>dumb</c>. <c>NO_COLOR</c>, <c>--plain</c> and <c>--json</c> turn it off either way.
    /// </summary>
    public bool? Interactive { get; init; }

    /// <summary>
    /// The width of the terminal in columns for the live display and the summary; null (the default): the console's
    /// width, or 80 when it has none.
    /// </summary>
    public int? Width { get; init; }

    /// <summary>Reads an environment variable (default: <see cref="Environment.GetEnvironmentVariable(string)"/>): <c>NO_COLOR</c>, <c>TERM</c>, <c>WORKFLOWY_STORE</c>.</summary>
    public Func<string, string?>? GetEnvironmentVariable { get; init; }
}
