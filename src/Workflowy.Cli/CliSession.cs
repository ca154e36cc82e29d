using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Spectre.Console;

namespace Workflowy.Cli;

/// <summary>A command could not be carried out as asked (exit code 2): the message says why, for the user.</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>What the output looks like for one command: machine-readable JSON, plain lines, or a terminal.</summary>
internal enum OutputMode
{
    Plain,
    Terminal,
    Json,
}

/// <summary>
/// One invocation of the CLI: the options resolved (writers, environment, terminal), the store and the runner of the
/// command, and the workflows it knows.
/// </summary>
internal sealed class CliSession
{
    private readonly WorkflowyCliOptions _options;
    private IAnsiConsole? _console;

    public CliSession(WorkflowyCliOptions options)
    {
        _options = options;
        Out = options.Out ?? Console.Out;
        Error = options.Error ?? Console.Error;
        Env = options.GetEnvironmentVariable ?? Environment.GetEnvironmentVariable;
        IsTerminal = options.Interactive ?? (options.Out is null && !Console.IsOutputRedirected && !string.Equals(Env("TERM"), "dumb", StringComparison.Ordinal));
        NoColor = !string.IsNullOrEmpty(Env("NO_COLOR"));
    }

    public TextWriter Out { get; }

    public TextWriter Error { get; }

    public TextReader In => _options.In ?? Console.In;

    public Func<string, string?> Env { get; }

    /// <summary>Whether the output is an interactive terminal (before --plain, --json and NO_COLOR are considered).</summary>
    public bool IsTerminal { get; }

    public bool NoColor { get; }

    public IReadOnlyList<WorkflowDefinition> Workflows => _options.Workflows ?? WorkflowCatalog.All;

    public WorkflowRunner? ConfiguredRunner => _options.Runner;

    /// <summary>The output mode for a command with these switches.</summary>
    public OutputMode ModeFor(bool json, bool plain) =>
        json ? OutputMode.Json : plain || NoColor || !IsTerminal ? OutputMode.Plain : OutputMode.Terminal;

    /// <summary>The Spectre console over <see cref="Out"/>, for the terminal mode: ANSI, colours, its width.</summary>
    public IAnsiConsole Console_()
    {
        if (_console is not null)
        {
            return _console;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            ColorSystem = ColorSystemSupport.Standard,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(Out),
        });
        console.Profile.Width = Width();
        return _console = console;
    }

    /// <summary>Columns available: the option, else the console's (when writing to it), else 80.</summary>
    public int Width()
    {
        if (_options.Width is { } width and > 0)
        {
            return width;
        }

        if (_options.Out is null)
        {
            try
            {
                if (!Console.IsOutputRedirected && Console.WindowWidth is var w and >= 20)
                {
                    return w;
                }
            }
            catch (IOException)
            {
            }
            catch (PlatformNotSupportedException)
            {
            }
        }

        return 80;
    }

    /// <summary>
    /// The store of a command: <c>--store</c> (resolved by the host's resolver, then <c>json:</c>), else the configured
    /// runner's, else the options', else <c>WORKFLOWY_STORE</c>; null when there is none.
    /// </summary>
    public IWorkflowStore? ResolveStore(string? spec)
    {
        if (_options.Runner is { } runner)
        {
            if (spec is not null)
            {
                throw new UsageException("--store is not available: this program configures its runner and store itself.");
            }

            return runner.Store;
        }

        if (spec is not null)
        {
            return FromSpec(spec, "--store");
        }

        if (_options.Store is { } store)
        {
            return store;
        }

        return Env("WORKFLOWY_STORE") is { Length: > 0 } fromEnvironment ? FromSpec(fromEnvironment, "WORKFLOWY_STORE") : null;
    }

    /// <summary>The store, or a usage error saying how to give one.</summary>
    public IWorkflowStore RequireStore(string? spec, string command) =>
        ResolveStore(spec) ?? throw new UsageException(
            $"'{command}' needs a store of runs, and none is configured: pass --store json:<folder>{(_options.StoreResolver is null ? string.Empty : " (or another store this program knows)")}, or set WORKFLOWY_STORE.");

    /// <summary>
    /// The runner of a command that runs a workflow, and whether the CLI owns it (and must dispose it).
    /// </summary>
    public (WorkflowRunner Runner, bool Owned) Runner(IWorkflowStore? store)
    {
        if (_options.Runner is { } runner)
        {
            return (runner, false);
        }

        var made = _options.CreateRunner is { } create ? create(store) : new WorkflowRunner { Store = store };
        if (made is null)
        {
            throw new InvalidOperationException("WorkflowyCliOptions.CreateRunner returned null.");
        }

        return (made, true);
    }

    /// <summary>The workflow of this full or short name, or a usage error listing those there are.</summary>
    public WorkflowDefinition FindWorkflow(string name)
    {
        var all = Workflows;
        WorkflowDefinition? found = null;
        List<string>? ambiguous = null;
        foreach (var definition in all)
        {
            if (string.Equals(definition.FullName, name, StringComparison.Ordinal))
            {
                return definition;
            }
        }

        foreach (var definition in all)
        {
            if (string.Equals(definition.Name, name, StringComparison.Ordinal))
            {
                if (found is null)
                {
                    found = definition;
                }
                else
                {
                    (ambiguous ??= [found.FullName]).Add(definition.FullName);
                }
            }
        }

        if (ambiguous is not null)
        {
            throw new UsageException($"'{name}' is the name of {ambiguous.Count} workflows: {string.Join(", ", ambiguous)}. Name one by its full name.");
        }

        return found ?? throw new UsageException(
            all.Count == 0
                ? $"There is no workflow '{name}': this program has no workflows."
                : $"There is no workflow '{name}'. Workflows: {string.Join(", ", all.Select(static d => d.Name))} (see 'list').");
    }

    /// <summary>The workflow whose full name is a store's workflow key, if this program has it.</summary>
    public WorkflowDefinition? FindByKey(string workflowKey)
    {
        foreach (var definition in Workflows)
        {
            if (string.Equals(definition.FullName, workflowKey, StringComparison.Ordinal))
            {
                return definition;
            }
        }

        return null;
    }

    /// <summary>A run of the configured runner that is going on in this process, by id.</summary>
    public WorkflowRun? FindActiveRun(string runId, string? workflowKey)
    {
        if (_options.Runner is not { } runner)
        {
            return null;
        }

        foreach (var run in runner.ActiveRuns)
        {
            if (string.Equals(run.RunId, runId, StringComparison.Ordinal)
                && (workflowKey is null || string.Equals(run.WorkflowKey, workflowKey, StringComparison.Ordinal)))
            {
                return run;
            }
        }

        return null;
    }

    /// <summary>
    /// The workflow key of a stored run: the <c>--workflow</c> given (a full or short name of this program's workflows,
    /// or a key as stored), else found in the store's listing; a usage error if the run is not there or is ambiguous.
    /// </summary>
    public async Task<string> WorkflowKeyOfAsync(IWorkflowStore store, string runId, string? workflow, CancellationToken cancellationToken)
    {
        if (workflow is not null)
        {
            return KeyOf(workflow);
        }

        var keys = new List<string>();
        var query = new RunQuery { Limit = 500 };
        do
        {
            var page = await store.QueryRunsAsync(query, cancellationToken).ConfigureAwait(false);
            foreach (var run in page.Runs)
            {
                if (string.Equals(run.RunId, runId, StringComparison.Ordinal) && !keys.Contains(run.Workflow))
                {
                    keys.Add(run.Workflow);
                }
            }

            query = query with { Continuation = page.Continuation };
        }
        while (query.Continuation is not null);

        return keys.Count switch
        {
            1 => keys[0],
            0 => throw new UsageException($"There is no run '{runId}' in the store (see 'runs')."),
            _ => throw new UsageException($"Run id '{runId}' belongs to runs of {keys.Count} workflows ({string.Join(", ", keys)}): pass --workflow."),
        };
    }

    /// <summary>A workflow name as given on the command line, as a store's workflow key (a full name).</summary>
    public string KeyOf(string workflow)
    {
        foreach (var definition in Workflows)
        {
            if (string.Equals(definition.FullName, workflow, StringComparison.Ordinal))
            {
                return definition.FullName;
            }
        }

        var shortMatches = Workflows.Where(d => string.Equals(d.Name, workflow, StringComparison.Ordinal)).ToList();
        return shortMatches.Count switch
        {
            1 => shortMatches[0].FullName,
            0 => workflow,
            _ => throw new UsageException($"'{workflow}' is the name of {shortMatches.Count} workflows: {string.Join(", ", shortMatches.Select(static d => d.FullName))}. Name one by its full name."),
        };
    }

    private IWorkflowStore FromSpec(string spec, string source)
    {
        if (_options.StoreResolver is { } resolver && resolver(spec) is { } resolved)
        {
            return resolved;
        }

        if (spec.StartsWith("json:", StringComparison.Ordinal) && spec.Length > "json:".Length)
        {
            return new JsonFileWorkflowStore(Path.GetFullPath(spec["json:".Length..]));
        }

        throw new UsageException(
            $"{source} '{spec}' is not a store this program knows: use json:<folder>{(_options.StoreResolver is null ? string.Empty : " or a store the program adds")}.");
    }
}
