using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace Workflowy.Dashboard;

internal sealed partial class DashboardData
{
    public async Task<TaskDetailJson?> TaskAsync(string workflow, string runId, string task, CancellationToken cancellationToken)
    {
        var view = await RunAsync(workflow, runId, cancellationToken).ConfigureAwait(false);
        var row = view?.Detail.Tasks.FirstOrDefault(t => t.Name == task);
        if (view is null || row is null)
        {
            return null;
        }

        var max = _d.Options.MaxOutputChars;
        var graph = view.Entry?.Run.Graph ?? view.Definition?.Graph;
        var handle = view.Entry?.Run.Tasks.FirstOrDefault(t => t.Name == task);
        var record = view.Checkpoint?.Tasks.FirstOrDefault(r => r.Key == task);
        var options = handle?.Options ?? (graph is not null && graph.IndexOf(task) is var i and >= 0 ? graph.Tasks[i].Options : null);

        var attempts = new List<AttemptJson>();
        foreach (var bar in view.Detail.Timeline.Where(b => b.Task == task))
        {
            attempts.Add(new AttemptJson(bar.Attempt, bar.Start, bar.End, bar.Outcome, bar.Error));
        }

        ExceptionJson? exception = null;
        if (handle?.Exception is { } ex)
        {
            string detail;
            try
            {
                detail = ex.ToString();
            }
            catch (Exception)
            {
                detail = ex.GetType().FullName ?? ex.GetType().Name;
            }

            var (cut, wasCut) = DashboardText.Cap(detail, max);
            string message;
            try
            {
                message = ex.Message;
            }
            catch (Exception)
            {
                message = string.Empty;
            }

            exception = new ExceptionJson(ex.GetType().FullName ?? ex.GetType().Name, message, Throughline.ChainOf(ex) ?? Array.Empty<string>(), cut, wasCut);
        }

        string? output = null;
        var outputCut = false;
        if (row.State == "completed")
        {
            string? json = null;
            if (handle is not null && view.Definition?.SerializerContext is not null && graph?.IndexOf(task) >= 0)
            {
                try
                {
                    json = view.Entry!.Run.ResultJson(task);
                }
                catch (Exception e) when (e is InvalidOperationException or ArgumentException or NotSupportedException)
                {
                    json = null;
                }
            }

            json ??= record?.ResultJson;
            if (json is not null)
            {
                (output, outputCut) = DashboardText.Cap(json, max);
            }
        }

        var storedError = record?.Error is { } stored ? DashboardText.Cap(stored, max).Text : null;
        var downstream = graph is not null ? Downstream(graph, task) : Array.Empty<string>();
        return new TaskDetailJson(
            workflow,
            runId,
            task,
            row.State,
            attempts,
            exception,
            exception is null ? storedError : null,
            options is null ? null : Policy(options),
            handle?.NextAttemptAt,
            output,
            outputCut,
            _d.Logs?.LinesOf(runId, task) ?? Array.Empty<LogLineJson>(),
            _d.Logs is not null,
            downstream,
            view.Detail.Actions.RetryFrom && downstream.Count > 0);
    }

    public static PolicyJson Policy(TaskOptions o) => new(
        o.MaxAttempts,
        o.Retries,
        o.Backoff.ToString(),
        o.BackoffBase.TotalMilliseconds,
        o.BackoffCap.TotalMilliseconds,
        o.BackoffJitter,
        o.Timeout?.TotalMilliseconds,
        o.OnDependencyFailure.ToString(),
        o.Backend.ToString());

    public async Task<WorkflowListJson> WorkflowsAsync(string? only, CancellationToken cancellationToken)
    {
        var list = new List<WorkflowJson>();
        var schedules = await SchedulesAsync(null, cancellationToken).ConfigureAwait(false);
        foreach (var definition in WorkflowCatalog.All)
        {
            if (only is not null && definition.FullName != only)
            {
                continue;
            }

            var graph = definition.Graph;
            list.Add(new WorkflowJson(
                definition.Name,
                definition.FullName,
                definition.SerializerContext is not null,
                definition.Inputs.Select(input => InputOf(definition, input)).ToList(),
                graph.Tasks.Select(n => new WorkflowTaskJson(n.Name, n.Dependencies.Select(d => graph.Tasks[d].Name).ToList(), Policy(n.Options))).ToList(),
                schedules with { Schedules = schedules.Schedules.Where(s => s.Workflow == definition.FullName).ToList() }));
        }

        return new WorkflowListJson(list);
    }

    private InputJson InputOf(WorkflowDefinition definition, WorkflowInputInfo input)
    {
        var type = input.TypeName;
        var nullable = type.EndsWith('?');
        var bare = nullable ? type[..^1] : type;
        var kind = bare switch
        {
            "int" or "long" or "short" or "byte" or "sbyte" or "uint" or "ulong" or "ushort" => "integer",
            "double" or "float" or "decimal" => "number",
            "bool" => "boolean",
            "string" or "System.Guid" or "System.DateTime" or "System.DateTimeOffset" or "System.TimeSpan" or "System.DateOnly" or "System.TimeOnly" or "char" => "string",
            _ => "json",
        };
        return new InputJson(input.Name, type, kind, nullable, IsRedacted(definition, input.Name));
    }
}
