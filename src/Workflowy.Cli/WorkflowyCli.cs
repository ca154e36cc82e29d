using System;
using System.CommandLine;
using System.CommandLine.Invocation;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.Cli;

/// <summary>
/// A command line for the workflows of a program, in one call from <c>Main</c>:
/// <code>return await WorkflowyCli.RunAsync(args);</code>
/// Commands: <c>list</c>, <c>graph</c>, <c>run</c>, <c>runs</c>, <c>show</c>, <c>resume</c>, <c>rerun</c>,
/// <c>cancel</c>, <c>event</c> (docs/cli.md). Exit codes: <see cref="Success"/>, <see cref="RunFailed"/>,
/// <see cref="UsageError"/>. No reflection: Native AOT and trimming safe.
/// </summary>
public static class WorkflowyCli
{
    /// <summary>Exit code 0: the command did what it was asked (a run completed with no failed task).</summary>
    public const int Success = 0;

    /// <summary>Exit code 1: the run the command ran (or resumed, or reran) failed or was cancelled.</summary>
    public const int RunFailed = 1;

    /// <summary>
    /// Exit code 2: the command could not be carried out: a usage error (unknown command, option, workflow or run;
    /// a missing or malformed input; no store), or a store that cannot be read. The error says which.
    /// </summary>
    public const int UsageError = 2;

    /// <summary>
    /// Runs the command line <paramref name="args"/> against the workflows of <see cref="WorkflowCatalog"/>, on the
    /// console, with a runner made per command (<c>new WorkflowRunner { Store = store }</c>) and the store given by
    /// <c>--store</c> or <c>WORKFLOWY_STORE</c>. Returns the exit code.
    /// </summary>
    /// <param name="args">The program's arguments.</param>
    public static Task<int> RunAsync(string[] args) => RunAsync(args, new WorkflowyCliOptions());

    /// <summary>
    /// Runs the command line <paramref name="args"/> with <paramref name="options"/>: the program's runner or store,
    /// writers (for tests), terminal detection. Returns the exit code.
    /// </summary>
    /// <param name="args">The program's arguments.</param>
    /// <param name="options">The program's runner, store and output.</param>
    /// <param name="cancellationToken">Cancels the command (a run it runs is cancelled).</param>
    public static async Task<int> RunAsync(string[] args, WorkflowyCliOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(options);
        var session = new CliSession(options);
        var root = Commands.Build(session);
        var invocation = new InvocationConfiguration
        {
            Output = session.Out,
            Error = session.Error,
            EnableDefaultExceptionHandler = false,
        };
        if (options.Out is not null)
        {
            // Writers of a host or a test: Ctrl+C belongs to the host, not to this command.
            invocation.ProcessTerminationTimeout = null;
        }

        if (args.Length == 0)
        {
            await root.Parse(["--help"]).InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
            return UsageError;
        }

        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parse.Action is ParseErrorAction)
        {
            foreach (var error in parse.Errors)
            {
                await session.Error.WriteLineAsync($"error: {error.Message}").ConfigureAwait(false);
            }

            var command = parse.CommandResult.Command;
            var path = command is RootCommand ? string.Empty : " " + command.Name;
            await session.Error.WriteLineAsync($"Run '{root.Name}{path} --help' for usage.").ConfigureAwait(false);
            return UsageError;
        }

        return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }
}
