using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;

namespace Workflowy.Dashboard;

/// <summary>
/// The actions: cancel a run, retry its failed tasks, retry from a task with its downstream, rerun as new, trigger a
/// workflow, and the bulk forms. Each carries the run state it expects and is refused with 409 when the run has moved
/// on; a request id makes a repeated request get the first answer. The runtime calls are the CLI's: a run of this
/// process is cancelled with <see cref="WorkflowRun.Cancel"/>; a stored run continues under its own id with
/// <see cref="WorkflowDefinition.StartAsync"/> and its stored inputs (completed tasks are restored); a run without a
/// store that ended in this process is retried with <see cref="WorkflowRun.RerunAsync"/>.
/// </summary>
internal sealed class DashboardActions
{
    private readonly DashboardContext _d;
    private readonly DashboardData _data;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public DashboardActions(DashboardContext dashboard, DashboardData data)
    {
        _d = dashboard;
        _data = data;
    }

    private IWorkflowStore? Store => _d.Runner.Store;

    public string RunUrl(string workflow, string runId) => _d.Prefix + "/runs/" + DashboardText.U(workflow) + "/" + DashboardText.U(runId);

    public async Task<(int Status, string Json)> OnRunAsync(string action, string workflow, string runId, string? task, ActionRequestJson request, string who, CancellationToken cancellationToken)
    {
        if (_d.TryGetAnswer(request.RequestId, out var known))
        {
            return known;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_d.TryGetAnswer(request.RequestId, out known))
            {
                return known;
            }

            var answer = await DoAsync(action, workflow, runId, task, request.Expected, cancellationToken).ConfigureAwait(false);
            var json = answer.Error is { } error
                ? JsonSerializer.Serialize(error, DashboardJson.Default.ErrorJson)
                : JsonSerializer.Serialize(answer.Result!, DashboardJson.Default.ActionResultJson);
            _d.Remember(request.RequestId, answer.Status, json);
            Record(action, workflow, runId, task, request.Expected, answer, who);
            return (answer.Status, json);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<(int Status, string Json)> BulkAsync(BulkRequestJson request, string who, CancellationToken cancellationToken)
    {
        if (_d.TryGetAnswer(request.RequestId, out var known))
        {
            return known;
        }

        if (request.Action is not ("cancel" or "retry"))
        {
            return (StatusCodes.Status400BadRequest, JsonSerializer.Serialize(new ErrorJson("A bulk action is 'cancel' or 'retry'.", null), DashboardJson.Default.ErrorJson));
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var results = new List<BulkItemResultJson>();
            foreach (var item in request.Runs ?? Array.Empty<BulkItemJson>())
            {
                var answer = await DoAsync(request.Action, item.Workflow, item.RunId, null, item.Expected, cancellationToken).ConfigureAwait(false);
                Record(request.Action, item.Workflow, item.RunId, null, item.Expected, answer, who);
                results.Add(new BulkItemResultJson(item.Workflow, item.RunId, answer.Status, answer.Result?.Outcome ?? "refused", answer.Result?.Message ?? answer.Error!.Error));
            }

            var json = JsonSerializer.Serialize(new BulkResultJson(results), DashboardJson.Default.BulkResultJson);
            _d.Remember(request.RequestId, StatusCodes.Status200OK, json);
            return (StatusCodes.Status200OK, json);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<(int Status, string Json)> TriggerAsync(string name, TriggerRequestJson request, string who, CancellationToken cancellationToken)
    {
        if (_d.TryGetAnswer(request.RequestId, out var known))
        {
            return known;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_d.TryGetAnswer(request.RequestId, out known))
            {
                return known;
            }

            var answer = await StartAsync(name, request, cancellationToken).ConfigureAwait(false);
            var json = answer.Error is { } error
                ? JsonSerializer.Serialize(error, DashboardJson.Default.ErrorJson)
                : JsonSerializer.Serialize(answer.Result!, DashboardJson.Default.ActionResultJson);
            _d.Remember(request.RequestId, answer.Status, json);
            Record("trigger", answer.Result?.Workflow ?? name, answer.Result?.RunId ?? "-", null, null, answer, who);
            return (answer.Status, json);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Record(string action, string workflow, string runId, string? task, string? expected, Answer answer, string who)
    {
        var now = _d.Monitor.Now;
        _d.Audit(new AuditJson(now, who, action, workflow, runId, task, expected, answer.Result?.Outcome ?? answer.Error!.Error, answer.Status));
        _d.Monitor.Publish(new LiveEventJson("action", workflow, runId, task, null, null, now, action));
    }

    private async Task<Answer> DoAsync(string action, string workflow, string runId, string? task, string? expectedText, CancellationToken cancellationToken)
    {
        var entry = _d.Monitor.Find(workflow, runId);
        RunCheckpoint? checkpoint = null;
        if (Store is { } store)
        {
            try
            {
                checkpoint = await store.LoadAsync(workflow, runId, cancellationToken).ConfigureAwait(false);
            }
            catch (CheckpointException ex)
            {
                return Refuse(StatusCodes.Status409Conflict, "The stored run cannot be read: " + ex.Message);
            }
        }

        RunStatus? current = entry is not null ? RunStates.Of(entry.Run) : checkpoint?.Status ?? (checkpoint is null ? null : RunStatus.Running);
        if (current is not { } actual)
        {
            return Refuse(StatusCodes.Status404NotFound, $"There is no run '{runId}' of {workflow}.");
        }

        if (DashboardText.ParseStatus(expectedText) is not { } expected)
        {
            return Refuse(StatusCodes.Status400BadRequest, "Say which state the run is expected in: \"expected\": running, completed, failed or cancelled.", actual);
        }

        if (action == "cancel" && actual == RunStatus.Cancelled)
        {
            return Done(StatusCodes.Status200OK, "already-cancelled", $"Run {runId} is already cancelled.", workflow, runId, actual);
        }

        if (expected != actual)
        {
            return Refuse(StatusCodes.Status409Conflict, $"Run {runId} is {DashboardText.Status(actual)}, not {DashboardText.Status(expected)}: it has moved on. Look again before acting.", actual);
        }

        var definition = DashboardData.Definition(workflow);
        var inputs = entry?.InputsJson ?? checkpoint?.InputsJson;
        var inThisProcess = entry is not null && !entry.Run.HasEnded;
        switch (action)
        {
            case "cancel":
                if (actual != RunStatus.Running)
                {
                    return Refuse(StatusCodes.Status409Conflict, $"Run {runId} has ended ({DashboardText.Status(actual)}): there is nothing to cancel.", actual);
                }

                if (!inThisProcess)
                {
                    return Refuse(StatusCodes.Status409Conflict, $"Run {runId} is not running in this process: cancel it where it runs (its store says running).", actual);
                }

                entry!.Run.Cancel();
                return Done(StatusCodes.Status202Accepted, "cancelling", $"Cancelling run {runId}: tasks not started will not run, running ones see their token cancelled.", workflow, runId, actual);

            case "retry":
                if (actual is not (RunStatus.Failed or RunStatus.Cancelled))
                {
                    return Refuse(StatusCodes.Status409Conflict, $"Only a failed or cancelled run is retried; run {runId} is {DashboardText.Status(actual)}.", actual);
                }

                if (definition?.SerializerContext is not null && Store is not null && inputs is not null)
                {
                    return await ContinueAsync(definition, workflow, runId, inputs, entry, "retrying", $"Retrying the failed and cancelled tasks of run {runId}; completed tasks are restored from the store.", cancellationToken).ConfigureAwait(false);
                }

                if (entry is { Run.HasEnded: true } ended)
                {
                    await Ended(ended.Run, cancellationToken).ConfigureAwait(false);
                    _ = ended.Run.RerunAsync(CancellationToken.None).ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                    return Done(StatusCodes.Status202Accepted, "retrying", $"Retrying the tasks of run {runId} that did not complete, in this process.", workflow, runId, RunStatus.Running);
                }

                return Refuse(StatusCodes.Status409Conflict, $"Run {runId} cannot be retried here: it needs this program's workflow with a [WorkflowSerialization] context, a store and its recorded inputs.", actual);

            case "retry-from":
                if (actual == RunStatus.Running)
                {
                    return Refuse(StatusCodes.Status409Conflict, $"Run {runId} is running: retry from a task once it has ended.", actual);
                }

                if (definition?.SerializerContext is null || Store is not { } taskStore || inputs is null)
                {
                    return Refuse(StatusCodes.Status409Conflict, "Retrying from a task needs this program's workflow with a [WorkflowSerialization] context, a store and the run's recorded inputs.", actual);
                }

                var downstream = task is null ? Array.Empty<string>() : DashboardData.Downstream(definition.Graph, task);
                if (downstream.Count == 0)
                {
                    return Refuse(StatusCodes.Status404NotFound, $"Workflow {workflow} has no task '{task}'.", actual);
                }

                if (entry is not null)
                {
                    await Ended(entry.Run, cancellationToken).ConfigureAwait(false);
                }

                var records = downstream.Select(static name => new TaskRecord(name, TaskState.Pending, null, 0, null, null, null)).ToList();
                await taskStore.SaveAsync(new RunCheckpoint(workflow, runId, null, records, new Dictionary<string, string>()), cancellationToken).ConfigureAwait(false);
                return await ContinueAsync(definition, workflow, runId, inputs, entry, "retrying", $"Retrying run {runId} from {task} with its downstream ({string.Join(", ", downstream)}).", cancellationToken).ConfigureAwait(false);

            case "rerun":
                if (definition?.SerializerContext is null || inputs is null)
                {
                    return Refuse(StatusCodes.Status409Conflict, "Rerunning needs this program's workflow with a [WorkflowSerialization] context and the run's recorded inputs.", actual);
                }

                return await StartNewAsync(definition, inputs, null, runId, cancellationToken).ConfigureAwait(false);

            default:
                return Refuse(StatusCodes.Status404NotFound, $"There is no action '{action}'.");
        }
    }

    private async Task<Answer> ContinueAsync(WorkflowDefinition definition, string workflow, string runId, string inputs, RunEntry? entry, string outcome, string message, CancellationToken cancellationToken)
    {
        if (entry is not null)
        {
            await Ended(entry.Run, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var run = await definition.StartAsync(inputs, _d.Runner, runId, cancellationToken).ConfigureAwait(false);
            _d.Monitor.Started(run, inputs, null);
            return Done(StatusCodes.Status202Accepted, outcome, message, workflow, runId, RunStatus.Running);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or CheckpointException or RunLeasedException)
        {
            return Refuse(StatusCodes.Status409Conflict, Clean(ex.Message));
        }
    }

    private async Task<Answer> StartAsync(string name, TriggerRequestJson request, CancellationToken cancellationToken)
    {
        if (DashboardData.FindWorkflow(name) is not { } definition)
        {
            return Refuse(StatusCodes.Status404NotFound, $"There is no workflow '{name}'.");
        }

        if (definition.SerializerContext is null)
        {
            return Refuse(StatusCodes.Status409Conflict, $"Workflow {definition.FullName} cannot be started by name: it has no [WorkflowSerialization] context.");
        }

        var inputs = request.Inputs is { ValueKind: not JsonValueKind.Undefined } given ? given.GetRawText() : "{}";
        var runId = string.IsNullOrWhiteSpace(request.RunId) ? null : request.RunId.Trim();
        if (runId is not null && _d.Monitor.Find(definition.FullName, runId) is not null)
        {
            return Refuse(StatusCodes.Status409Conflict, $"Run {runId} of {definition.FullName} exists already: give another id, or retry that run.");
        }

        return await StartNewAsync(definition, inputs, runId, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Answer> StartNewAsync(WorkflowDefinition definition, string inputs, string? runId, string? rerunOf, CancellationToken cancellationToken)
    {
        try
        {
            var run = await definition.StartAsync(inputs, _d.Runner, runId ?? Guid.NewGuid().ToString("N"), cancellationToken).ConfigureAwait(false);
            _d.Monitor.Started(run, inputs, rerunOf);
            var message = rerunOf is null ? $"Started run {run.RunId} of {definition.Name}." : $"Started run {run.RunId}, a rerun of {rerunOf}.";
            return Done(StatusCodes.Status201Created, "started", message, run.WorkflowKey, run.RunId, RunStatus.Running);
        }
        catch (ArgumentException ex)
        {
            return Refuse(StatusCodes.Status400BadRequest, Clean(ex.Message));
        }
        catch (Exception ex) when (ex is InvalidOperationException or CheckpointException or RunLeasedException)
        {
            return Refuse(StatusCodes.Status409Conflict, Clean(ex.Message));
        }
    }

    /// <summary>Waits for an ended run's last checkpoint (and lease release) before the same run id starts again.</summary>
    private static async Task Ended(WorkflowRun run, CancellationToken cancellationToken)
    {
        try
        {
            await run.Completion.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Failed or cancelled: what matters is that it is over.
        }
    }

    private static string Clean(string message) => message.Replace(" (Parameter 'inputsJson')", string.Empty, StringComparison.Ordinal);

    private Answer Done(int status, string outcome, string message, string workflow, string runId, RunStatus state) =>
        new(status, new ActionResultJson(outcome, message, workflow, runId, RunUrl(workflow, runId), DashboardText.Status(state)), null);

    private static Answer Refuse(int status, string message, RunStatus? actual = null) =>
        new(status, null, new ErrorJson(message, actual is { } a ? DashboardText.Status(a) : null));

    private sealed record Answer(int Status, ActionResultJson? Result, ErrorJson? Error);
}
