using System.Collections.Generic;
using System.Linq;

namespace Workflowy.SourceGeneration;

// [FanOut] (WFY025-WFY028): a fan-out task's result becomes the list of its calls' results, before anything binds to
// it, so that its aggregate binds and is checked like any dependent (WFY006, WFY008).
internal static partial class GraphBuilder
{
    /// <summary>The <see cref="Problem.Option"/> of problems located on the [FanOut] attribute.</summary>
    public const string FanOutOption = "[FanOut]";

    private const string ReadOnlyList = "global::System.Collections.Generic.IReadOnlyList<";

    /// <summary>
    /// Resolves each [FanOut]: its source, the parameter that takes an element (or a chunk), and the task's result as
    /// the list of its calls' results. Returns the tasks with those result types, and the binding per task (null for
    /// tasks that do not fan out or whose fan-out is invalid).
    /// </summary>
    private static (EquatableArray<TaskModel> Tasks, FanOutBinding?[] FanOuts) PrepareFanOuts(EquatableArray<TaskModel> tasks, List<Problem> problems)
    {
        var fanOuts = new FanOutBinding?[tasks.Count];
        if (!tasks.Any(t => t.FanOut is not null))
        {
            return (tasks, fanOuts);
        }

        var prepared = tasks.ToList();
        for (var i = 0; i < tasks.Count; i++)
        {
            var task = tasks[i];
            if (task.FanOut is not { } fanOut)
            {
                continue;
            }

            void Invalid(string rule) => problems.Add(new Problem(DiagnosticIds.InvalidFanOut, i, -1, Args(task.TaskName, rule), FanOutOption));

            var valid = true;
            if (fanOut.BatchSize is 0 or < -1)
            {
                Invalid($"BatchSize = {Number(fanOut.BatchSize)}, but a call needs at least one element; use 1 or more, or leave it out to call the task once per element");
                valid = false;
            }

            if (fanOut.MaxParallel is 0 or < -1)
            {
                Invalid($"MaxParallel = {Number(fanOut.MaxParallel)}, but at least one call must run; use 1 or more, or leave it out");
                valid = false;
            }

            if (fanOut.OnFailure is < 0 or > 1)
            {
                Invalid($"OnFailure = {Number(fanOut.OnFailure)} is not a FanOutFailure; use FailFast or CollectAll");
                valid = false;
            }

            if (task.ResultType is null)
            {
                Invalid("it returns no result, so there is nothing to aggregate; return a value per call");
                valid = false;
            }

            if (task.Options.Concurrency is not null || task.Options.Cache is not null)
            {
                Invalid("[ConcurrencyKey] and [CacheResult] apply to one call, not to a fan-out; put them on a task the fan-out's calls do not go through, or remove them");
                valid = false;
            }

            if (task.Backend == WellKnownNames.BackendProcess)
            {
                Invalid("its calls run in this process, one per element, so Backend.Process does not apply to it; fan out to a task without Backend.Process, or remove [FanOut]");
                valid = false;
            }

            var collectAll = fanOut.OnFailure == 1;
            if (task.ResultType is { } callResult)
            {
                // The handle is the list of the calls' results even when the fan-out has problems, so that its
                // aggregate binds (and only the fan-out's own problem is reported).
                var listElement = collectAll ? "global::Workflowy.FanOutResult<" + callResult.Display + ">" : callResult.Display;
                var listElementKey = collectAll ? "global::Workflowy.FanOutResult<" + callResult.Key + ">" : callResult.Key;
                var list = new TypeRef(
                    ReadOnlyList + listElement + ">",
                    ReadOnlyList + listElementKey + ">",
                    new[]
                    {
                        ReadOnlyList + listElementKey + ">",
                        "global::System.Collections.Generic.IReadOnlyCollection<" + listElementKey + ">",
                        "global::System.Collections.Generic.IEnumerable<" + listElementKey + ">",
                        "global::System.Collections.IEnumerable",
                        "object",
                    }.ToEquatableArray(),
                    callResult.Visibility);
                prepared[i] = task with { ResultType = list, NotNullResult = null };
            }

            var source = FindTask(tasks, fanOut.Source);
            if (source < 0 || source == i)
            {
                // Unknown or itself: reported as WFY003/WFY012 (the source is a dependency).
                continue;
            }

            if (tasks[source].ResultElementType is not { } element)
            {
                problems.Add(new Problem(
                    DiagnosticIds.FanOutSourceNotCollection,
                    i,
                    -1,
                    Args(task.TaskName, tasks[source].TaskName, tasks[source].ResultType?.Display ?? "no result"),
                    FanOutOption));
                continue;
            }

            var batch = fanOut.BatchSize != -1;
            var chunkKey = ReadOnlyList + element.Key + ">";
            var item = -1;
            for (var p = 0; p < task.Parameters.Count && item < 0; p++)
            {
                var parameter = task.Parameters[p];
                if (parameter.Kind != ParameterKind.Normal)
                {
                    continue;
                }

                if (batch ? parameter.Type.Key == chunkKey : element.IsAssignableTo(parameter.Type))
                {
                    item = p;
                }
            }

            if (item < 0)
            {
                var expected = batch ? ReadOnlyList + element.Display + ">" : element.Display;
                problems.Add(new Problem(
                    DiagnosticIds.FanOutParameterMismatch,
                    i,
                    -1,
                    Args(task.TaskName, tasks[source].TaskName, element.Display, expected, batch ? "a chunk of BatchSize elements" : "one element"),
                    FanOutOption));
                continue;
            }

            if (!valid)
            {
                continue;
            }

            fanOuts[i] = new FanOutBinding(
                item,
                source,
                batch ? ReadOnlyList + element.Display + ">" : element.Display,
                task.ResultType!.Display,
                batch ? fanOut.BatchSize : 0,
                fanOut.MaxParallel > 0 ? fanOut.MaxParallel : 0,
                collectAll,
                task.ReturnKind is ReturnKind.TaskOfT or ReturnKind.ValueTaskOfT);
        }

        return (prepared.ToEquatableArray(), fanOuts);
    }

    /// <summary>WFY028: a fan-out that no task depends on computes results nobody receives.</summary>
    private static void RequireAggregates(EquatableArray<TaskModel> tasks, FanOutBinding?[] fanOuts, List<int>[] dependencies, List<Problem> problems)
    {
        for (var i = 0; i < fanOuts.Length; i++)
        {
            if (fanOuts[i] is null || dependencies.Any(d => d.Contains(i)))
            {
                continue;
            }

            problems.Add(new Problem(DiagnosticIds.FanOutWithoutAggregate, i, -1, Args(tasks[i].TaskName, tasks[i].ResultType!.Display), FanOutOption));
        }
    }

    /// <summary>A task by task name, or by method name when that method is not overloaded; -1 if none.</summary>
    private static int FindTask(EquatableArray<TaskModel> tasks, string name)
    {
        for (var i = 0; i < tasks.Count; i++)
        {
            if (tasks[i].TaskName == name)
            {
                return i;
            }
        }

        var found = -1;
        for (var i = 0; i < tasks.Count; i++)
        {
            if (tasks[i].MethodName == name)
            {
                if (found >= 0)
                {
                    return -1;
                }

                found = i;
            }
        }

        return found;
    }
}
