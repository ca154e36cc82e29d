using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;

namespace Workflowy.SourceGeneration;

/// <summary>
/// Validates a workflow and binds it: dependencies resolved to indices, parameters to inputs or results,
/// a topological order, the Mermaid text, and every problem found (each one a WFY diagnostic).
/// </summary>
internal static partial class GraphBuilder
{
    /// <summary>
    /// Members of the generated run class (and its base) that a task property must not hide. Hand-kept: the test
    /// ReservedNameTests finds every public and protected member of WorkflowRun and its bases, and every member the
    /// generated class declares, and fails naming the ones missing here. Input fields (<c>_input_*</c>) are a prefix.
    /// </summary>
    private static readonly HashSet<string> ReservedMembers = new(StringComparer.Ordinal)
    {
        // object
        "ToString", "Equals", "GetHashCode", "GetType", "MemberwiseClone", "Finalize", "ReferenceEquals",
        // WorkflowRun, public
        "Graph", "Runner", "RunId", "Tasks", "Completion", "Failure", "HasEnded", "Cancel", "GetAwaiter", "Parent",
        "IsDetached", "GetProgress", "WorkflowKey", "Detach", "RerunAsync", "WhenEach", "Submit", "TaskStateChanged",
        "ProgressChanged", "RunToken", "ReportStoreFailure",
        // WorkflowRun, protected (the generated code's protocol)
        "ExecuteAsync", "ObservesCancellation", "CreateHandle", "ResultOf", "ResultOrNull", "Store", "StoreNotNull", "Await",
        "CreateContext", "Begin", "WhenEnded", "SerializerContext", "SerializeResult", "RestoreResult", "SerializeInputs",
        "ArgumentsOf", "FanOutChunks", "FanOutEach", "FanOutCollect",
        "InvokeInProcessWorker",
        "UseRunId", "UseCheckpoint", "TypeInfoOf", "ResultJson", "GetInputsJson", "RestoreJson", "InputFromJson", "InputsJson", "WriteInput",
        // declared by the generated run class
        "Definition", "Mermaid", "Dot", "StartNew", "RunNew", "ResumeNew", "_workflow",
    };

    private const string InputFieldPrefix = "_input_";

    public const string RunnerParameter = "runner";
    public const string CancellationTokenParameter = "cancellationToken";
    public const string RunIdParameter = "runId";

    public static WorkflowModel Group(WorkflowTypeModel type, IEnumerable<TaskModel> tasks, IEnumerable<EntryPointModel>? entryPoints = null) =>
        new(
            type,
            tasks.OrderBy(t => t.DeclarationIndex).ThenBy(t => t.MemberIndex).ThenBy(t => t.MethodName, StringComparer.Ordinal).ToEquatableArray(),
            (entryPoints ?? Enumerable.Empty<EntryPointModel>()).OrderBy(e => e.DeclarationIndex).ThenBy(e => e.MemberIndex).ThenBy(e => e.Name, StringComparer.Ordinal).ToEquatableArray());

    /// <summary>The task index of problems that concern an entry point (the entry point's index is in Detail).</summary>
    public const int EntryPointTask = -2;

    public static BoundWorkflow Build(WorkflowModel workflow)
    {
        var problems = new List<Problem>();
        var (tasks, fanOuts) = PrepareFanOuts(workflow.Tasks, problems);
        var type = workflow.Type;
        if (!type.IsPartial)
        {
            problems.Add(new Problem(DiagnosticIds.NotPartial, -1, -1, Args(type.Name)));
        }

        if (type.UnsupportedReason is not null)
        {
            problems.Add(new Problem(DiagnosticIds.UnsupportedSignature, -1, -1, Args(type.Name, type.UnsupportedReason)));
        }

        // Names: a dependency may name a task by its task name or by its method name.
        var byTaskName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < tasks.Count; i++)
        {
            if (byTaskName.ContainsKey(tasks[i].TaskName))
            {
                problems.Add(new Problem(DiagnosticIds.DuplicateTaskName, i, -1, Args(tasks[i].TaskName, tasks[byTaskName[tasks[i].TaskName]].MethodName)));
            }
            else
            {
                byTaskName[tasks[i].TaskName] = i;
            }
        }

        var byMethodName = new Dictionary<string, int>(StringComparer.Ordinal);
        var overloaded = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tasks.Count; i++)
        {
            if (byMethodName.ContainsKey(tasks[i].MethodName))
            {
                overloaded.Add(tasks[i].MethodName);
            }
            else
            {
                byMethodName[tasks[i].MethodName] = i;
            }
        }

        var dependencies = new List<int>[tasks.Count];
        for (var i = 0; i < tasks.Count; i++)
        {
            var task = tasks[i];
            var resolved = new List<int>();
            dependencies[i] = resolved;
            if (task.UnsupportedReason is not null)
            {
                problems.Add(new Problem(DiagnosticIds.UnsupportedSignature, i, -1, Args(task.MethodName, task.UnsupportedReason)));
            }

            for (var p = 0; p < task.Parameters.Count; p++)
            {
                if (task.Parameters[p].UnsupportedReason is { } reason)
                {
                    problems.Add(new Problem(DiagnosticIds.UnsupportedSignature, i, p, Args(task.MethodName, reason)));
                }
            }

            ValidateOptions(task, i, problems);
            if (task.Backend == WellKnownNames.BackendThread && (task.ReturnKind is not (ReturnKind.Void or ReturnKind.Value) || task.IsAsyncKeyword))
            {
                problems.Add(new Problem(DiagnosticIds.AsyncOnThread, i, -1, Args(task.TaskName)));
            }

            for (var d = 0; d < task.DependsOn.Count; d++)
            {
                var name = task.DependsOn[d];
                if (!byTaskName.TryGetValue(name, out var target) &&
                    !(byMethodName.TryGetValue(name, out target) && !overloaded.Contains(name)))
                {
                    var suggestion = Closest(name, tasks.Select(t => t.TaskName));
                    problems.Add(new Problem(
                        DiagnosticIds.UnknownDependency,
                        i,
                        d,
                        Args(task.TaskName, name, suggestion is null ? string.Empty : $" Did you mean '{suggestion}'?")));
                    continue;
                }

                if (target == i)
                {
                    problems.Add(new Problem(DiagnosticIds.SelfDependency, i, d, Args(task.TaskName)));
                    continue;
                }

                if (!resolved.Contains(target))
                {
                    resolved.Add(target);
                }
            }
        }

        var order = TopologicalOrder(tasks, dependencies, problems);
        RequireAggregates(tasks, fanOuts, dependencies, problems);
        var inputs = new List<WorkflowInput>();
        var inputTypes = new Dictionary<string, TypeRef>(StringComparer.Ordinal);
        var boundTasks = new List<BoundTask>();
        var usedProperties = new HashSet<string>(StringComparer.Ordinal) { type.RunClassName };
        for (var i = 0; i < tasks.Count; i++)
        {
            var task = tasks[i];
            var arguments = new List<BoundArgument>();
            var observes = false;
            for (var p = 0; p < task.Parameters.Count; p++)
            {
                var parameter = task.Parameters[p];
                var argument = fanOuts[i] is { } fanOut && fanOut.ItemParameter == p
                    ? new BoundArgument(ArgumentKind.FanOutItem, string.Empty, fanOut.Source)
                    : BindParameter(tasks, i, p, dependencies[i], problems);
                if (argument.Kind == ArgumentKind.Dependency &&
                    task.Options.OnDependencyFailure == WellKnownNames.DependencyFailureRunAnyway)
                {
                    if (!parameter.IsNullable)
                    {
                        problems.Add(new Problem(DiagnosticIds.RunAnywayBinding, i, p, Args(parameter.Name, task.TaskName, tasks[argument.Dependency].TaskName)));
                    }
                    else if (tasks[argument.Dependency].ResultType is { } result && parameter.Type.Key == result.Key + "?")
                    {
                        argument = argument with { LiftToNullable = true };
                    }
                }

                if (argument.Kind is ArgumentKind.CancellationToken or ArgumentKind.TaskContext)
                {
                    observes = true;
                }

                if (argument.Kind == ArgumentKind.Input && parameter.UnsupportedReason is null)
                {
                    if (parameter.Name is RunnerParameter or CancellationTokenParameter or RunIdParameter)
                    {
                        problems.Add(new Problem(DiagnosticIds.ReservedInputName, i, p, Args(task.TaskName, parameter.Name)));
                    }
                    else if (inputTypes.TryGetValue(parameter.Name, out var existing))
                    {
                        if (existing.Key != parameter.Type.Key)
                        {
                            problems.Add(new Problem(
                                DiagnosticIds.InputTypeConflict,
                                i,
                                p,
                                Args(parameter.Name, task.TaskName, parameter.Type.Display, existing.Display)));
                        }
                    }
                    else
                    {
                        inputTypes[parameter.Name] = parameter.Type;
                        inputs.Add(new WorkflowInput(parameter.Name, parameter.Type.Display));
                    }
                }

                arguments.Add(argument with { ParameterName = parameter.Name, ParameterType = parameter.Type.Display });
            }

            ValidateAdmission(task, i, problems);
            var property = PropertyName(task);
            if (!usedProperties.Add(property))
            {
                property = task.MethodName + "Task" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                usedProperties.Add(property);
            }

            boundTasks.Add(new BoundTask(
                task.UnsupportedReason is null,
                task.MethodName,
                task.TaskName,
                property,
                task.Backend,
                task.IsStatic,
                task.ReturnKind,
                task.ResultType?.Display,
                arguments.ToEquatableArray(),
                dependencies[i].ToEquatableArray(),
                observes,
                task.Options,
                fanOuts[i] is null ? task.NotNullResult : null,
                task.Parameters.Select(p => p.Name).ToEquatableArray(),
                fanOuts[i]));
        }

        var visibility = type.Visibility;
        foreach (var t in tasks)
        {
            if (t.ResultType is { } r && r.Visibility < visibility)
            {
                visibility = r.Visibility;
            }
        }

        foreach (var input in inputTypes.Values)
        {
            if (input.Visibility < visibility)
            {
                visibility = input.Visibility;
            }
        }

        if (type.SerializerContext is { } context)
        {
            if (type.SerializerProblem is { } problem)
            {
                problems.Add(new Problem(DiagnosticIds.SerializerNotContext, -1, -1, Args(problem)));
            }
            else
            {
                var registered = new HashSet<string>(type.SerializableTypes, StringComparer.Ordinal);
                for (var i = 0; i < tasks.Count; i++)
                {
                    if (tasks[i].ResultType is { } result && !registered.Contains(result.Key))
                    {
                        problems.Add(new Problem(DiagnosticIds.NotSerializable, i, -1, Args(result.Display.TrimEnd('?'), ShortName(context), "result of task '" + tasks[i].TaskName + "'")));
                    }
                }

                var reported = new HashSet<string>(StringComparer.Ordinal);
                for (var i = 0; i < tasks.Count; i++)
                {
                    for (var p = 0; p < tasks[i].Parameters.Count; p++)
                    {
                        var parameter = tasks[i].Parameters[p];
                        if (boundTasks[i].Arguments[p].Kind == ArgumentKind.Input && parameter.UnsupportedReason is null &&
                            !registered.Contains(parameter.Type.Key) && reported.Add(parameter.Name))
                        {
                            problems.Add(new Problem(DiagnosticIds.NotSerializable, i, p, Args(parameter.Type.Display.TrimEnd('?'), ShortName(context), "workflow input '" + parameter.Name + "'")));
                        }
                    }
                }
            }
        }

        CheckProcessTasks(type, tasks, problems);
        var entryPoints = new List<BoundEntryPoint>();
        for (var e = 0; e < workflow.EntryPoints.Count; e++)
        {
            entryPoints.Add(BindEntryPoint(workflow.EntryPoints[e], e, type, inputs, problems));
        }

        var names = tasks.Select(t => t.TaskName).ToArray();
        return new BoundWorkflow(
            type,
            type.RunClassName,
            visibility,
            boundTasks.ToEquatableArray(),
            inputs.ToEquatableArray(),
            order.ToEquatableArray(),
            GraphText.Mermaid(names, dependencies),
            GraphText.Dot(type.Name, names, dependencies),
            entryPoints.ToEquatableArray(),
            problems.ToEquatableArray());
    }

    private static string ShortName(string qualified)
    {
        var name = qualified.StartsWith("global::", StringComparison.Ordinal) ? qualified.Substring(8) : qualified;
        return name.Substring(name.LastIndexOf('.') + 1);
    }

    /// <summary>Checks a declared entry point against the workflow's inputs; reports WFY017/WFY018 with the right signature.</summary>
    private static BoundEntryPoint BindEntryPoint(EntryPointModel entry, int index, WorkflowTypeModel type, List<WorkflowInput> inputs, List<Problem> problems)
    {
        var invalid = new BoundEntryPoint(entry, false, EquatableArray<string>.Empty, null, null);
        if (!entry.IsBodilessPartial)
        {
            problems.Add(new Problem(DiagnosticIds.EntryPointNotPartial, EntryPointTask, index, Args(entry.Name, type.RunClassName)));
            return invalid;
        }

        var reasons = new List<string>();
        if (entry.IsStatic)
        {
            reasons.Add("it is static, but a run needs the workflow instance");
        }

        if (entry.ReturnKind == EntryReturn.Other)
        {
            reasons.Add($"it returns {entry.ReturnTypeDisplay}, not Task<{type.RunClassName}> or {type.RunClassName}");
        }

        string? runner = null;
        string? token = null;
        var byName = new Dictionary<string, EntryParameter>(StringComparer.Ordinal);
        foreach (var parameter in entry.Parameters)
        {
            if (!parameter.ByValue)
            {
                reasons.Add($"parameter '{parameter.Name}' is not passed by value");
            }
            else if (parameter.Kind == EntryParameterKind.CancellationToken)
            {
                if (token is not null)
                {
                    reasons.Add($"it has two cancellation tokens ('{token}' and '{parameter.Name}')");
                }

                token ??= parameter.Name;
            }
            else if (parameter.Kind == EntryParameterKind.Runner)
            {
                if (runner is not null)
                {
                    reasons.Add($"it has two runners ('{runner}' and '{parameter.Name}')");
                }

                runner ??= parameter.Name;
            }
            else
            {
                byName[parameter.Name] = parameter;
            }
        }

        var arguments = new List<string>();
        foreach (var input in inputs)
        {
            if (byName.TryGetValue(input.Name, out var parameter))
            {
                if (parameter.TypeDisplay.TrimEnd('?') != input.Type.TrimEnd('?'))
                {
                    reasons.Add($"parameter '{parameter.Name}' is {parameter.TypeDisplay}, but the workflow input '{input.Name}' is {input.Type}");
                }

                arguments.Add(parameter.Name);
                byName.Remove(input.Name);
            }
            else
            {
                reasons.Add($"it lacks the workflow input '{input.Name}' ({input.Type})");
            }
        }

        foreach (var extra in byName.Values)
        {
            reasons.Add($"parameter '{extra.Name}' is not a workflow input");
        }

        if (reasons.Count == 0)
        {
            return new BoundEntryPoint(entry, true, arguments.ToEquatableArray(), runner, token);
        }

        var returnType = entry.ReturnKind == EntryReturn.Run ? type.RunClassName : $"global::System.Threading.Tasks.Task<{type.RunClassName}>";
        var signature = new List<string>();
        signature.AddRange(inputs.Select(i => $"{i.Type} {i.Name}"));
        if (runner is not null)
        {
            signature.Add($"global::Workflowy.WorkflowRunner? {runner}");
        }

        signature.Add($"global::System.Threading.CancellationToken {token ?? CancellationTokenParameter}");
        var correct = $"{entry.Accessibility} partial {returnType} {entry.Name}({string.Join(", ", signature)});";
        problems.Add(new Problem(DiagnosticIds.EntryPointMismatch, EntryPointTask, index, Args(entry.Name, string.Join("; ", reasons), correct)));
        return invalid;
    }

    private static void ValidateOptions(TaskModel task, int index, List<Problem> problems)
    {
        var o = task.Options;
        if (o.IsDefault && task.Backend is >= 0 and <= WellKnownNames.BackendMax)
        {
            return;
        }

        void Invalid(string option, string value, string rule) =>
            problems.Add(new Problem(DiagnosticIds.InvalidOptionValue, index, -1, Args(option, task.TaskName, value, rule), option));

        if (task.Backend is < 0 or > WellKnownNames.BackendMax)
        {
            Invalid("Backend", Number(task.Backend), "use a member of the Backend enum");
        }

        if (o.Retries is not null && o.MaxAttempts is not null)
        {
            problems.Add(new Problem(DiagnosticIds.BothRetriesAndMaxAttempts, index, -1, Args(task.TaskName), "MaxAttempts"));
        }

        if (o.Retries is < 0)
        {
            Invalid("Retries", Number(o.Retries.Value), "it counts additional attempts and must be 0 or more");
        }

        if (o.MaxAttempts is < 1)
        {
            Invalid("MaxAttempts", Number(o.MaxAttempts.Value), "it counts every attempt and must be 1 or more");
        }

        if (o.Backoff is < 0 or > 2)
        {
            Invalid("Backoff", Number(o.Backoff.Value), "use None, Linear or Exponential");
        }

        if (o.OnDependencyFailure is < 0 or > 2)
        {
            Invalid("OnDependencyFailure", Number(o.OnDependencyFailure.Value), "use Fail, Skip or RunAnyway");
        }

        if (o.TimeoutSeconds is { } timeout && !(timeout > 0 && timeout <= MaxSeconds))
        {
            Invalid("TimeoutSeconds", Number(timeout), "a timeout must be a positive number of seconds; leave it out for no timeout");
        }

        if (o.BackoffBaseSeconds is { } backoffBase && !(backoffBase >= 0 && backoffBase <= MaxSeconds))
        {
            Invalid("BackoffBaseSeconds", Number(backoffBase), "it must be 0 or more seconds");
        }

        if (o.BackoffCapSeconds is { } cap && !(cap >= 0 && cap <= MaxSeconds))
        {
            Invalid("BackoffCapSeconds", Number(cap), "it must be 0 or more seconds");
        }

        if (o.BackoffJitter is { } jitter && !(jitter >= 0 && jitter <= 1))
        {
            Invalid("BackoffJitter", Number(jitter), "it is a fraction of the delay between 0 and 1");
        }

        foreach (var retryType in o.RetryOn)
        {
            if (!retryType.IsException)
            {
                problems.Add(new Problem(DiagnosticIds.RetryOnNotException, index, -1, Args(retryType.Display, task.TaskName), "RetryOn"));
            }
        }
    }

    /// <summary>The largest number of seconds a TimeSpan holds, with margin.</summary>
    private const double MaxSeconds = 9.2e11;

    private static string Number(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static string Number(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static BoundArgument BindParameter(EquatableArray<TaskModel> tasks, int taskIndex, int parameterIndex, List<int> dependencies, List<Problem> problems)
    {
        var task = tasks[taskIndex];
        var parameter = task.Parameters[parameterIndex];
        switch (parameter.Kind)
        {
            case ParameterKind.CancellationToken:
                return new BoundArgument(ArgumentKind.CancellationToken, string.Empty, -1);
            case ParameterKind.TaskContext:
                return new BoundArgument(ArgumentKind.TaskContext, string.Empty, -1);
        }

        // 1. A dependency named like the parameter (case-insensitive).
        foreach (var d in dependencies)
        {
            if (string.Equals(tasks[d].TaskName, parameter.Name, StringComparison.OrdinalIgnoreCase) ||
                string.Equals(tasks[d].MethodName, parameter.Name, StringComparison.OrdinalIgnoreCase))
            {
                var result = tasks[d].ResultType;
                if (result is null || !result.IsAssignableTo(parameter.Type))
                {
                    problems.Add(new Problem(
                        DiagnosticIds.DependencyTypeMismatch,
                        taskIndex,
                        parameterIndex,
                        Args(parameter.Name, task.TaskName, tasks[d].TaskName, result?.Display ?? "no result", parameter.Type.Display)));
                }

                return new BoundArgument(ArgumentKind.Dependency, string.Empty, d);
            }
        }

        // 2. The one dependency whose result type fits, among those no other parameter of this task names.
        var claimedByName = new HashSet<int>(dependencies.Where(d => task.Parameters.Any(p =>
            p.Kind == ParameterKind.Normal &&
            (string.Equals(tasks[d].TaskName, p.Name, StringComparison.OrdinalIgnoreCase) ||
             string.Equals(tasks[d].MethodName, p.Name, StringComparison.OrdinalIgnoreCase)))));
        var candidates = dependencies
            .Where(d => !claimedByName.Contains(d) && tasks[d].ResultType is { } r && r.IsAssignableTo(parameter.Type))
            .ToList();
        if (candidates.Count == 1)
        {
            return new BoundArgument(ArgumentKind.Dependency, string.Empty, candidates[0]);
        }

        if (candidates.Count > 1)
        {
            problems.Add(new Problem(
                DiagnosticIds.AmbiguousBinding,
                taskIndex,
                parameterIndex,
                Args(parameter.Name, task.TaskName, parameter.Type.Display, string.Join("', '", candidates.Select(c => tasks[c].TaskName)))));
            return new BoundArgument(ArgumentKind.Dependency, string.Empty, candidates[0]);
        }

        // 3. A workflow input.
        return new BoundArgument(ArgumentKind.Input, parameter.Name, -1);
    }

    /// <summary>Kahn's algorithm in declaration order; on a cycle, reports each cycle once and falls back to declaration order.</summary>
    private static List<int> TopologicalOrder(EquatableArray<TaskModel> tasks, List<int>[] dependencies, List<Problem> problems)
    {
        var n = tasks.Count;
        var inDegree = new int[n];
        var dependents = new List<int>[n];
        for (var i = 0; i < n; i++)
        {
            dependents[i] = new List<int>();
        }

        for (var i = 0; i < n; i++)
        {
            foreach (var d in dependencies[i])
            {
                inDegree[i]++;
                dependents[d].Add(i);
            }
        }

        var order = new List<int>(n);
        var ready = new SortedSet<int>();
        for (var i = 0; i < n; i++)
        {
            if (inDegree[i] == 0)
            {
                ready.Add(i);
            }
        }

        while (ready.Count > 0)
        {
            var next = ready.Min;
            ready.Remove(next);
            order.Add(next);
            foreach (var dependent in dependents[next])
            {
                if (--inDegree[dependent] == 0)
                {
                    ready.Add(dependent);
                }
            }
        }

        if (order.Count == n)
        {
            return order;
        }

        foreach (var cycle in FindCycles(n, dependencies, inDegree))
        {
            var names = cycle.Select(c => tasks[c].TaskName).ToList();
            names.Add(names[0]);
            problems.Add(new Problem(DiagnosticIds.Cycle, cycle[0], -1, Args(string.Join(" -> ", names))));
        }

        return Enumerable.Range(0, n).ToList();
    }

    /// <summary>One concrete cycle per strongly connected component left after Kahn's algorithm, each starting at its lowest index.</summary>
    private static IEnumerable<List<int>> FindCycles(int n, List<int>[] dependencies, int[] remainingInDegree)
    {
        var remaining = new bool[n];
        for (var i = 0; i < n; i++)
        {
            remaining[i] = remainingInDegree[i] > 0;
        }

        // Tarjan's algorithm, iterative, over the remaining nodes (edges: task -> its dependencies).
        var index = new int[n];
        var low = new int[n];
        var onStack = new bool[n];
        for (var i = 0; i < n; i++)
        {
            index[i] = -1;
        }

        var stack = new Stack<int>();
        var counter = 0;
        var components = new List<List<int>>();
        for (var root = 0; root < n; root++)
        {
            if (!remaining[root] || index[root] >= 0)
            {
                continue;
            }

            var work = new Stack<(int Node, int Edge)>();
            work.Push((root, 0));
            index[root] = low[root] = counter++;
            stack.Push(root);
            onStack[root] = true;
            while (work.Count > 0)
            {
                var (node, edge) = work.Pop();
                var deps = dependencies[node];
                if (edge < deps.Count)
                {
                    work.Push((node, edge + 1));
                    var next = deps[edge];
                    if (!remaining[next])
                    {
                        continue;
                    }

                    if (index[next] < 0)
                    {
                        index[next] = low[next] = counter++;
                        stack.Push(next);
                        onStack[next] = true;
                        work.Push((next, 0));
                    }
                    else if (onStack[next])
                    {
                        low[node] = Math.Min(low[node], index[next]);
                    }

                    continue;
                }

                if (work.Count > 0)
                {
                    var parent = work.Peek().Node;
                    low[parent] = Math.Min(low[parent], low[node]);
                }

                if (low[node] == index[node])
                {
                    var component = new List<int>();
                    int member;
                    do
                    {
                        member = stack.Pop();
                        onStack[member] = false;
                        component.Add(member);
                    }
                    while (member != node);

                    if (component.Count > 1)
                    {
                        components.Add(component);
                    }
                }
            }
        }

        foreach (var component in components.OrderBy(c => c.Min()))
        {
            yield return CycleWithin(component, dependencies);
        }
    }

    /// <summary>A simple cycle inside a strongly connected component: a breadth-first path back to the start, in dependency order.</summary>
    private static List<int> CycleWithin(List<int> component, List<int>[] dependencies)
    {
        var members = new HashSet<int>(component);
        var start = component.Min();

        // Follow "is a dependency of" edges so the cycle reads in execution order: A -> B means B depends on A.
        var previous = new Dictionary<int, int>();
        var queue = new Queue<int>();
        queue.Enqueue(start);
        var found = -1;
        while (queue.Count > 0 && found < 0)
        {
            var node = queue.Dequeue();
            foreach (var candidate in members.OrderBy(m => m))
            {
                if (!dependencies[candidate].Contains(node))
                {
                    continue;
                }

                if (candidate == start)
                {
                    found = node;
                    break;
                }

                if (!previous.ContainsKey(candidate))
                {
                    previous[candidate] = node;
                    queue.Enqueue(candidate);
                }
            }
        }

        var path = new List<int>();
        for (var node = found; node != start; node = previous[node])
        {
            path.Add(node);
        }

        path.Add(start);
        path.Reverse();
        return path;
    }

    private static string PropertyName(TaskModel task)
    {
        var name = SyntaxFacts.IsValidIdentifier(task.TaskName) ? task.TaskName : task.MethodName;
        return ReservedMembers.Contains(name) || name.StartsWith(InputFieldPrefix, StringComparison.Ordinal) ? name + "Task" : name;
    }

    private static string? Closest(string name, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = EditDistance(name.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                bestDistance = distance;
                best = candidate;
            }
        }

        return best is not null && bestDistance <= Math.Max(2, name.Length / 3) ? best : null;
    }

    public static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static EquatableArray<string> Args(params string[] args) => args.ToEquatableArray();
}
