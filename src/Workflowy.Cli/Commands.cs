using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.Cli;

/// <summary>The commands, their options, and what each does (docs/cli.md).</summary>
internal static class Commands
{
    public static RootCommand Build(CliSession session)
    {
        var root = new RootCommand("The workflows of this program: list and draw them, run them by name, and inspect, resume, rerun and cancel stored runs (Workflowy).");
        root.Add(List(session));
        root.Add(Graph(session));
        root.Add(Run(session));
        root.Add(Runs(session));
        root.Add(Show(session));
        root.Add(Resume(session));
        root.Add(Rerun(session));
        root.Add(Cancel(session));
        root.Add(Event(session));
        if (ServeCommand.IsSupported) root.Add(ServeCommand.Build(session));
        return root;
    }

    private static Option<bool> JsonOption() => new("--json") { Description = "Write JSON for scripts to standard output (docs/cli.md has the shapes)." };

    private static Option<bool> PlainOption() => new("--plain") { Description = "Plain lines, no live display and no colours (also when NO_COLOR is set or the output is not a terminal)." };

    private static Option<string?> StoreOption() => new("--store") { Description = "The store of runs: json:<folder>, or another store this program knows; default WORKFLOWY_STORE.", HelpName = "store" };

    private static Option<string?> WorkflowOption(string description) => new("--workflow", "-w") { Description = description, HelpName = "workflow" };

    private static Argument<string> RunIdArgument() => new("runId") { Description = "The run's id." };

    private static Command List(CliSession session)
    {
        var json = JsonOption();
        var command = new Command("list", "List the workflows, their inputs with their types, and their tasks.") { json };
        command.SetAction((parse, ct) => Guard(session, parse.GetValue(json), () => Task.FromResult(ListAsync(session, parse.GetValue(json)))));
        return command;
    }

    private static Command Graph(CliSession session)
    {
        var workflow = new Argument<string>("workflow") { Description = "The workflow's name or full name." };
        var format = new Option<string>("--format", "-f") { Description = "mermaid, dot or svg.", DefaultValueFactory = _ => "mermaid" };
        format.AcceptOnlyFromAmong("mermaid", "dot", "svg");
        var output = new Option<string?>("--output", "-o") { Description = "Write to this file instead of standard output.", HelpName = "file" };
        var command = new Command("graph", "Draw a workflow's dependency graph as Mermaid, DOT or SVG.") { workflow, format, output };
        command.SetAction((parse, ct) => Guard(session, false, () => GraphAsync(session, parse.GetValue(workflow)!, parse.GetValue(format)!, parse.GetValue(output), ct)));
        return command;
    }

    private static Command Run(CliSession session)
    {
        var workflow = new Argument<string>("workflow") { Description = "The workflow's name or full name." };
        var input = new Option<string[]>("--input", "-i") { Description = "An input, name=value (the value is typed by the input's type; name:=json takes raw JSON). Once per input.", HelpName = "name=value" };
        var inputsJson = new Option<string?>("--inputs-json") { Description = "The inputs as one JSON object, from a file, or - for standard input.", HelpName = "file|-" };
        var runId = new Option<string?>("--run-id") { Description = "The run's id (default: a new one). With a store, an existing run of that id continues.", HelpName = "id" };
        var store = StoreOption();
        var json = JsonOption();
        var plain = PlainOption();
        var command = new Command("run", "Run a workflow by name with typed inputs; live progress on a terminal, a summary at the end.")
        {
            workflow, input, inputsJson, runId, store, json, plain,
        };
        command.SetAction((parse, ct) => Guard(session, parse.GetValue(json), async () =>
        {
            var definition = session.FindWorkflow(parse.GetValue(workflow)!);
            var pairs = parse.GetValue(input) ?? Array.Empty<string>();
            var file = parse.GetValue(inputsJson);
            if (file is not null && pairs.Length > 0)
            {
                throw new UsageException("Give the inputs either with --input or with --inputs-json, not both.");
            }

            CheckStartable(definition);
            var inputs = file is not null ? Inputs.FromFile(file, session.In) : Inputs.FromPairs(definition, pairs);
            var storeOfRun = session.ResolveStore(parse.GetValue(store));
            return await RunAndReportAsync(session, definition, inputs, storeOfRun, parse.GetValue(runId), null, parse.GetValue(json), parse.GetValue(plain), ct).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Runs(CliSession session)
    {
        var workflow = WorkflowOption("Only runs of this workflow (a name, a full name, or a workflow key as stored).");
        var state = new Option<string?>("--state", "--status") { Description = "Only runs in this state: running, completed, failed or cancelled.", HelpName = "state" };
        state.AcceptOnlyFromAmong("running", "completed", "failed", "cancelled");
        var limit = new Option<int>("--limit", "-n") { Description = "The most runs to list (newest first).", DefaultValueFactory = _ => 20 };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--limit must be at least 1.");
            }
        });
        var store = StoreOption();
        var json = JsonOption();
        var command = new Command("runs", "List the stored runs, newest first.") { workflow, state, limit, store, json };
        command.SetAction((parse, ct) => Guard(session, parse.GetValue(json), () =>
            RunsAsync(session, parse.GetValue(workflow), parse.GetValue(state), parse.GetValue(limit), parse.GetValue(store), parse.GetValue(json), ct)));
        return command;
    }

    private static Command Show(CliSession session)
    {
        var runId = RunIdArgument();
        var workflow = WorkflowOption("The run's workflow (default: found in the store's listing).");
        var store = StoreOption();
        var json = JsonOption();
        var command = new Command("show", "Show a run: its tasks, states, attempts, durations, and errors with their chain.") { runId, workflow, store, json };
        command.SetAction((parse, ct) => Guard(session, parse.GetValue(json), () =>
            ShowAsync(session, parse.GetValue(runId)!, parse.GetValue(workflow), parse.GetValue(store), parse.GetValue(json), ct)));
        return command;
    }

    private static Command Resume(CliSession session)
    {
        var runId = RunIdArgument();
        var workflow = WorkflowOption("The run's workflow (default: found in the store's listing).");
        var store = StoreOption();
        var json = JsonOption();
        var plain = PlainOption();
        var command = new Command("resume", "Continue a stored run: completed tasks are restored, the others run.") { runId, workflow, store, json, plain };
        command.SetAction((parse, ct) => Guard(session, parse.GetValue(json), async () =>
        {
            var id = parse.GetValue(runId)!;
            var storeOfRun = session.RequireStore(parse.GetValue(store), "resume");
            var (definition, checkpoint) = await StoredRunAsync(session, storeOfRun, id, parse.GetValue(workflow), ct).ConfigureAwait(false);
            if (session.FindActiveRun(id, definition.FullName) is not null)
            {
                throw new UsageException($"Run {id} is running in this process: it cannot be resumed beside itself.");
            }

            return await RunAndReportAsync(session, definition, InputsOf(checkpoint), storeOfRun, id, null, parse.GetValue(json), parse.GetValue(plain), ct).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Rerun(CliSession session)
    {
        var runId = RunIdArgument();
        var workflow = WorkflowOption("The run's workflow (default: found in the store's listing).");
        var newId = new Option<string?>("--run-id") { Description = "The new run's id (default: a new one).", HelpName = "id" };
        var store = StoreOption();
        var json = JsonOption();
        var plain = PlainOption();
        var command = new Command("rerun", "Start a new run of a stored run's workflow with the same inputs.") { runId, workflow, newId, store, json, plain };
        command.SetAction((parse, ct) => Guard(session, parse.GetValue(json), async () =>
        {
            var id = parse.GetValue(runId)!;
            var storeOfRun = session.RequireStore(parse.GetValue(store), "rerun");
            var (definition, checkpoint) = await StoredRunAsync(session, storeOfRun, id, parse.GetValue(workflow), ct).ConfigureAwait(false);
            var fresh = parse.GetValue(newId) ?? Guid.NewGuid().ToString("N");
            if (string.Equals(fresh, id, StringComparison.Ordinal))
            {
                throw new UsageException("--run-id of a rerun must differ from the run it reruns (use 'resume' to continue that run).");
            }

            return await RunAndReportAsync(session, definition, InputsOf(checkpoint), storeOfRun, fresh, id, parse.GetValue(json), parse.GetValue(plain), ct).ConfigureAwait(false);
        }));
        return command;
    }

    private static Command Cancel(CliSession session)
    {
        var runId = RunIdArgument();
        var workflow = WorkflowOption("The run's workflow (default: found in the store's listing).");
        var mark = new Option<bool>("--mark") { Description = "For a run that is not running in this process and is stored as running: record it as cancelled in the store (it does not stop another process)." };
        var store = StoreOption();
        var json = JsonOption();
        var command = new Command("cancel", "Cancel a run of this process, or mark a stored run that no process runs any more as cancelled.") { runId, workflow, mark, store, json };
        command.SetAction((parse, ct) => Guard(session, parse.GetValue(json), () =>
            CancelAsync(session, parse.GetValue(runId)!, parse.GetValue(workflow), parse.GetValue(mark), parse.GetValue(store), parse.GetValue(json), ct)));
        return command;
    }

    private static Command Event(CliSession session)
    {
        var name = new Argument<string>("name") { Description = "The event's name (e.g. approved:<run id>)." };
        var payload = new Argument<string?>("payloadJson") { Description = "The payload as JSON (default: null).", Arity = ArgumentArity.ZeroOrOne };
        var store = StoreOption();
        var json = JsonOption();
        var command = new Command("event", "Publish an event to the store: runs waiting for it (in any process polling the store) go on.") { name, payload, store, json };
        command.SetAction((parse, ct) => Guard(session, parse.GetValue(json), () =>
            EventAsync(session, parse.GetValue(name)!, parse.GetValue(payload) ?? "null", parse.GetValue(store), parse.GetValue(json), ct)));
        return command;
    }

    /// <summary>Runs a command: a usage error (or a store that cannot be read) is reported and gives exit code 2.</summary>
    private static async Task<int> Guard(CliSession session, bool json, Func<Task<int>> action)
    {
        string message;
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (UsageException ex)
        {
            message = ex.Message;
        }
        catch (CheckpointException ex)
        {
            message = $"The store cannot be read: {ex.Message}";
        }
        catch (OperationCanceledException)
        {
            message = "Cancelled.";
        }

        await session.Error.WriteLineAsync($"error: {message}").ConfigureAwait(false);
        if (json)
        {
            WriteJson(session, new ErrorJson(message, WorkflowyCli.UsageError), CliJson.Context.ErrorJson);
        }

        return WorkflowyCli.UsageError;
    }

    private static int ListAsync(CliSession session, bool json)
    {
        var workflows = session.Workflows;
        if (json)
        {
            WriteJson(
                session,
                new WorkflowListJson(workflows.Select(static d => new WorkflowJson(
                    d.Name,
                    d.FullName,
                    d.SerializerContext is not null,
                    d.Inputs.Select(static i => new InputJson(i.Name, i.TypeName)).ToList(),
                    d.Graph.Tasks.Select(static t => t.Name).ToList())).ToList()),
                CliJson.Context.WorkflowListJson);
            return WorkflowyCli.Success;
        }

        var p = PrinterFor(session, OutputMode.Plain);
        if (workflows.Count == 0)
        {
            p.Line("This program has no workflows.");
            return WorkflowyCli.Success;
        }

        foreach (var definition in workflows)
        {
            var note = definition.SerializerContext is null ? "; not startable by name: it has no [WorkflowSerialization] context" : string.Empty;
            p.Line($"{definition.Name}  ({definition.FullName}, {Count(definition.Graph.Count, "task")}{note})");
            if (definition.Inputs.Count == 0)
            {
                p.Line("    no inputs");
            }

            var width = definition.Inputs.Count == 0 ? 0 : definition.Inputs.Max(static i => i.Name.Length);
            foreach (var input in definition.Inputs)
            {
                p.Line($"    --input {input.Name.PadRight(width)}  {input.TypeName}");
            }

            p.Line($"    tasks: {string.Join(", ", definition.Graph.Tasks.Select(static t => t.Name))}");
        }

        return WorkflowyCli.Success;
    }

    private static async Task<int> GraphAsync(CliSession session, string name, string format, string? output, CancellationToken cancellationToken)
    {
        var definition = session.FindWorkflow(name);
        var text = format switch
        {
            "dot" => WorkflowRenderer.ToDot(definition.Graph),
            "svg" => WorkflowRenderer.ToSvg(definition.Graph),
            _ => WorkflowRenderer.ToMermaid(definition.Graph),
        };
        if (output is null)
        {
            await session.Out.WriteAsync(text.EndsWith('\n') ? text : text + "\n").ConfigureAwait(false);
            return WorkflowyCli.Success;
        }

        try
        {
            await File.WriteAllTextAsync(output, text, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new UsageException($"Cannot write '{output}': {ex.Message}", ex);
        }

        await session.Out.WriteLineAsync($"Wrote the {format} graph of {definition.Name} to {output}.").ConfigureAwait(false);
        return WorkflowyCli.Success;
    }

    /// <summary>
    /// Starts a run, watches it (the live display on a terminal, plain lines otherwise, nothing with --json), and
    /// reports it; the exit code is the run's.
    /// </summary>
    private static async Task<int> RunAndReportAsync(
        CliSession session,
        WorkflowDefinition definition,
        string inputsJson,
        IWorkflowStore? store,
        string? runId,
        string? rerunOf,
        bool json,
        bool plain,
        CancellationToken cancellationToken)
    {
        var mode = session.ModeFor(json, plain);
        var printer = PrinterFor(session, mode);
        var (runner, owned) = session.Runner(store);
        try
        {
            using var watcher = new RunWatcher(runner, mode == OutputMode.Plain ? printer : null);
            WorkflowRun run;
            try
            {
                run = await definition.StartAsync(inputsJson, runner, runId, cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException(ex.Message.Replace(" (Parameter 'inputsJson')", string.Empty, StringComparison.Ordinal), ex);
            }
            catch (InvalidOperationException ex)
            {
                throw new UsageException(ex.Message, ex);
            }

            if (mode == OutputMode.Plain)
            {
                var what = rerunOf is null ? string.Empty : $", a rerun of {rerunOf}";
                printer.Line($"Run {run.RunId} of {definition.FullName}{what}: {Count(run.Tasks.Count, "task")}{(store is null ? string.Empty : ", checkpointed")}");
            }

            watcher.Attach(run);
            if (mode == OutputMode.Terminal)
            {
                await LiveDisplay.RunAsync(session.Console_(), run, watcher, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await run.Completion.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // A run that failed or was cancelled: the report says how.
            }

            watcher.Stop();
            var report = RunReport.FromRun(run, watcher, rerunOf);
            if (json)
            {
                WriteJson(session, report.ToJson(), CliJson.Context.RunReportJson);
            }
            else
            {
                if (mode == OutputMode.Plain)
                {
                    printer.Line();
                }

                ReportPrinter.Summary(printer, report, allTasks: false);
            }

            return report.ExitCode ?? WorkflowyCli.RunFailed;
        }
        finally
        {
            if (owned)
            {
                await runner.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> RunsAsync(CliSession session, string? workflow, string? state, int limit, string? storeSpec, bool json, CancellationToken cancellationToken)
    {
        var store = session.RequireStore(storeSpec, "runs");
        var query = new RunQuery
        {
            Workflow = workflow is null ? null : session.KeyOf(workflow),
            Status = state is null ? null : Enum.Parse<RunStatus>(state, ignoreCase: true),
            Limit = limit,
        };
        var page = await store.QueryRunsAsync(query, cancellationToken).ConfigureAwait(false);
        var runs = page.Runs;
        var more = page.Continuation is not null;
        if (json)
        {
            WriteJson(
                session,
                new RunListJson(
                    runs.Select(static r => new RunSummaryJson(
                        r.Workflow,
                        r.RunId,
                        r.Status?.ToString(),
                        RunReport.Iso(r.StartedAt),
                        RunReport.Iso(r.EndedAt),
                        r is { StartedAt: { } s, EndedAt: { } e } ? (e - s).TotalMilliseconds : null,
                        new TaskCountsJson(r.Tasks.Completed, r.Tasks.Failed, r.Tasks.Cancelled, r.Tasks.Skipped, r.Tasks.NotTerminal, r.Tasks.Total))).ToList(),
                    more,
                    page.Unreadable.Select(static u => new UnreadableJson(u.Location, u.Message)).ToList()),
                CliJson.Context.RunListJson);
        }
        else
        {
            var p = PrinterFor(session, OutputMode.Plain);
            if (runs.Count == 0)
            {
                p.Line("No runs.");
            }
            else
            {
                var idWidth = Math.Max(6, runs.Max(static r => r.RunId.Length));
                var workflowWidth = Math.Max(8, runs.Max(static r => r.Workflow.Length));
                p.Line($"{"RUN ID".PadRight(idWidth)}  {"WORKFLOW".PadRight(workflowWidth)}  {"STATUS",-10}  {"STARTED",-20}  {"DURATION",8}  TASKS");
                foreach (var run in runs)
                {
                    var duration = run is { StartedAt: { } s, EndedAt: { } e } ? Printer.Duration(e - s) : "-";
                    p.Line(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{run.RunId.PadRight(idWidth)}  {run.Workflow.PadRight(workflowWidth)}  {run.Status?.ToString() ?? "-",-10}  {Printer.Time(run.StartedAt),-20}  {duration,8}  {Counts(run.Tasks)}"));
                }
            }

            if (more)
            {
                p.Line($"(more runs: pass --limit {limit * 2} to see more)");
            }
        }

        foreach (var unreadable in page.Unreadable)
        {
            await session.Error.WriteLineAsync($"warning: cannot read {unreadable.Location}: {unreadable.Message}").ConfigureAwait(false);
        }

        return WorkflowyCli.Success;
    }

    private static async Task<int> ShowAsync(CliSession session, string runId, string? workflow, string? storeSpec, bool json, CancellationToken cancellationToken)
    {
        RunReport report;
        var live = session.FindActiveRun(runId, workflow is null ? null : session.KeyOf(workflow));
        if (live is not null)
        {
            report = RunReport.FromRun(live, null, null);
        }
        else
        {
            var store = session.ResolveStore(storeSpec) ?? throw new UsageException(
                $"Run {runId} is not running in this process, and there is no store to look in: pass --store json:<folder>, or set WORKFLOWY_STORE.");
            var key = await session.WorkflowKeyOfAsync(store, runId, workflow, cancellationToken).ConfigureAwait(false);
            var checkpoint = await store.LoadAsync(key, runId, cancellationToken).ConfigureAwait(false)
                ?? throw new UsageException($"There is no run '{runId}' of {key} in the store.");
            report = RunReport.FromCheckpoint(checkpoint, session.FindByKey(key));
        }

        if (json)
        {
            WriteJson(session, report.ToJson(), CliJson.Context.RunReportJson);
        }
        else
        {
            ReportPrinter.Summary(PrinterFor(session, session.ModeFor(false, false)), report, allTasks: true);
        }

        return WorkflowyCli.Success;
    }

    private static async Task<int> CancelAsync(CliSession session, string runId, string? workflow, bool mark, string? storeSpec, bool json, CancellationToken cancellationToken)
    {
        var live = session.FindActiveRun(runId, workflow is null ? null : session.KeyOf(workflow));
        if (live is not null)
        {
            live.Cancel();
            try
            {
                await live.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Cancelled (or failed on the way): the status says which.
            }

            return Cancelled(session, json, live.WorkflowKey, runId, "cancelled", RunReport.StatusOf(live), $"Cancelled run {runId} of {live.WorkflowKey} in this process.");
        }

        var store = session.ResolveStore(storeSpec) ?? throw new UsageException(
            $"Run {runId} is not running in this process, and there is no store to look in: pass --store json:<folder>, or set WORKFLOWY_STORE.");
        var key = await session.WorkflowKeyOfAsync(store, runId, workflow, cancellationToken).ConfigureAwait(false);
        var checkpoint = await store.LoadAsync(key, runId, cancellationToken).ConfigureAwait(false)
            ?? throw new UsageException($"There is no run '{runId}' of {key} in the store.");
        switch (checkpoint.Status)
        {
            case RunStatus.Cancelled:
                return Cancelled(session, json, key, runId, "already-cancelled", RunStatus.Cancelled, $"Run {runId} of {key} is already cancelled.");
            case RunStatus.Completed or RunStatus.Failed:
                throw new UsageException($"Run {runId} of {key} has already ended ({checkpoint.Status}): there is nothing to cancel.");
        }

        if (!mark)
        {
            throw new UsageException(
                $"Run {runId} of {key} is not running in this process, and its store says {checkpoint.Status?.ToString() ?? "nothing of its status"}. "
                + "Either another process is running it (this command cannot reach that process: stop it there, and the run stays resumable), "
                + "or a process that stopped left it so. To record it as cancelled in the store, pass --mark.");
        }

        await store.SaveAsync(
            new RunCheckpoint(key, runId, null, Array.Empty<TaskRecord>(), new Dictionary<string, string>())
            {
                Status = RunStatus.Cancelled,
                EndedAt = DateTimeOffset.UtcNow,
            },
            cancellationToken).ConfigureAwait(false);
        return Cancelled(
            session,
            json,
            key,
            runId,
            "marked",
            RunStatus.Cancelled,
            $"Marked run {runId} of {key} as cancelled in the store. A process still running it is not stopped, and records its own status when it ends; 'resume' continues the run.");
    }

    private static int Cancelled(CliSession session, bool json, string workflow, string runId, string outcome, RunStatus status, string message)
    {
        if (json)
        {
            WriteJson(session, new CancelJson(workflow, runId, outcome, status.ToString(), message), CliJson.Context.CancelJson);
        }
        else
        {
            session.Out.WriteLine(message);
        }

        return WorkflowyCli.Success;
    }

    private static async Task<int> EventAsync(CliSession session, string name, string payload, string? storeSpec, bool json, CancellationToken cancellationToken)
    {
        JsonElement parsed;
        try
        {
            using var document = JsonDocument.Parse(payload);
            parsed = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new UsageException($"The payload of event '{name}' is not JSON: {ex.Message}", ex);
        }

        var store = session.RequireStore(storeSpec, "event");
        var (runner, owned) = session.Runner(store);
        try
        {
            await runner.PublishEventAsync(name, payload, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message, ex);
        }
        finally
        {
            if (owned)
            {
                await runner.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (json)
        {
            WriteJson(session, new EventJson(name, parsed, true), CliJson.Context.EventJson);
        }
        else
        {
            await session.Out.WriteLineAsync($"Published event '{name}' to the store; runs waiting for it go on.").ConfigureAwait(false);
        }

        return WorkflowyCli.Success;
    }

    /// <summary>The workflow and checkpoint of a stored run, for resume and rerun.</summary>
    private static async Task<(WorkflowDefinition Definition, RunCheckpoint Checkpoint)> StoredRunAsync(
        CliSession session,
        IWorkflowStore store,
        string runId,
        string? workflow,
        CancellationToken cancellationToken)
    {
        var key = await session.WorkflowKeyOfAsync(store, runId, workflow, cancellationToken).ConfigureAwait(false);
        var definition = session.FindByKey(key) ?? throw new UsageException($"Run {runId} is a run of {key}, which is not a workflow of this program.");
        CheckStartable(definition);
        var checkpoint = await store.LoadAsync(key, runId, cancellationToken).ConfigureAwait(false)
            ?? throw new UsageException($"There is no run '{runId}' of {key} in the store.");
        return (definition, checkpoint);
    }

    private static string InputsOf(RunCheckpoint checkpoint) =>
        checkpoint.InputsJson ?? throw new UsageException($"Run {checkpoint.RunId} of {checkpoint.Workflow} has no recorded inputs, so it cannot be started again.");

    private static void CheckStartable(WorkflowDefinition definition)
    {
        if (definition.SerializerContext is null)
        {
            throw new UsageException(
                $"Workflow {definition.FullName} cannot be run by name: it has no [WorkflowSerialization] context, through which its inputs and results cross as JSON.");
        }
    }

    private static Printer PrinterFor(CliSession session, OutputMode mode) =>
        mode == OutputMode.Terminal
            ? new Printer(session.Out, session.Console_(), session.Width())
            : new Printer(session.Out, null, session.Width());

    private static void WriteJson<T>(CliSession session, T value, JsonTypeInfo<T> typeInfo)
    {
        session.Out.WriteLine(JsonSerializer.Serialize(value, typeInfo));
        session.Out.Flush();
    }

    private static string Count(int count, string noun) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {noun}{(count == 1 ? string.Empty : "s")}");

    private static string Counts(TaskCounts counts)
    {
        var parts = new List<string>();
        Add(counts.Completed, "completed");
        Add(counts.Failed, "failed");
        Add(counts.Cancelled, "cancelled");
        Add(counts.Skipped, "skipped");
        Add(counts.NotTerminal, "not terminal");
        return parts.Count == 0 ? "none recorded" : string.Join(", ", parts);

        void Add(int count, string what)
        {
            if (count > 0)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"{count} {what}"));
            }
        }
    }
}
