using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Workflowy.SourceGeneration;

// The checks of [ConcurrencyKey] and [CacheResult] (WFY021-WFY024): they name parameters of the task, their values are
// in range, and the parameters in a key compare by value.
internal static partial class GraphBuilder
{
    /// <summary>The <see cref="Problem.Option"/> of problems located on the [ConcurrencyKey] attribute.</summary>
    public const string ConcurrencyKeyOption = "[ConcurrencyKey]";

    /// <summary>The <see cref="Problem.Option"/> of problems located on the [CacheResult] attribute.</summary>
    public const string CacheResultOption = "[CacheResult]";

    private const string IEnumerableKey = "global::System.Collections.IEnumerable";

    private static void ValidateAdmission(TaskModel task, int index, List<Problem> problems)
    {
        var options = task.Options;
        if (options.Concurrency is { } concurrency)
        {
            foreach (var name in concurrency.Parameters)
            {
                CheckNamesParameter(task, index, name, "ConcurrencyKey", ConcurrencyKeyOption, problems);
            }

            void Invalid(string rule) =>
                problems.Add(new Problem(DiagnosticIds.InvalidConcurrencyLimit, index, -1, Args(task.TaskName, rule), ConcurrencyKeyOption));

            if (concurrency.MaxRunning < 1)
            {
                Invalid($"MaxRunning = {concurrency.MaxRunning.ToString(CultureInfo.InvariantCulture)}, but at least one call must be able to run; use 1 or more");
            }

            if (concurrency.MaxPending < -1)
            {
                Invalid($"MaxPending = {concurrency.MaxPending.ToString(CultureInfo.InvariantCulture)} is negative; use 0 or more, or leave it out");
            }

            if (concurrency.OnLimit is < 0 or > 2)
            {
                Invalid($"OnLimit = {concurrency.OnLimit.ToString(CultureInfo.InvariantCulture)} is not a ConcurrencyLimit; use Queue, Reuse or Reject");
            }
            else if (concurrency.OnLimit == 1 && concurrency.MaxPending == 0)
            {
                Invalid("OnLimit = Reuse reuses a pending call, but MaxPending = 0 allows none; use MaxPending = 1 or more");
            }
            else if (concurrency.OnLimit == 2 && concurrency.MaxPending > 0)
            {
                Invalid("OnLimit = Reject refuses calls over MaxRunning, so nothing is ever pending; remove MaxPending, or use Queue");
            }

            if (concurrency.OnArgumentMismatch is < 0 or > 1)
            {
                Invalid($"OnArgumentMismatch = {concurrency.OnArgumentMismatch.ToString(CultureInfo.InvariantCulture)} is not an ArgumentMismatch; use Error or KeepFirst");
            }

            foreach (var name in concurrency.Parameters.Distinct())
            {
                CheckValueEquality(task, index, name, "concurrency key", "give the key a parameter of a type compared by value", problems);
            }
        }

        if (options.Cache is { } cache)
        {
            if (!TryParseTimeToLive(cache.TimeToLive, out _))
            {
                problems.Add(new Problem(DiagnosticIds.InvalidCacheTimeToLive, index, -1, Args(cache.TimeToLive, task.TaskName), CacheResultOption));
            }

            foreach (var name in cache.Exclude)
            {
                CheckNamesParameter(task, index, name, "CacheResult.Exclude", CacheResultOption, problems);
            }

            foreach (var parameter in task.Parameters)
            {
                if (parameter.Kind == ParameterKind.Normal && !cache.Exclude.Contains(parameter.Name))
                {
                    CheckValueEquality(task, index, parameter.Name, "cache key", $"exclude it (Exclude = new[] {{ nameof({parameter.Name}) }}) or take a type compared by value", problems);
                }
            }
        }
    }

    /// <summary>A positive time span in the invariant "c" format ([-][d.]hh:mm:ss[.fffffff]).</summary>
    public static bool TryParseTimeToLive(string text, out TimeSpan value) =>
        TimeSpan.TryParseExact(text, "c", CultureInfo.InvariantCulture, out value) && value > TimeSpan.Zero;

    private static void CheckNamesParameter(TaskModel task, int index, string name, string where, string option, List<Problem> problems)
    {
        if (task.Parameters.Any(p => p.Name == name && p.Kind == ParameterKind.Normal))
        {
            return;
        }

        var names = string.Join(", ", task.Parameters.Where(p => p.Kind == ParameterKind.Normal).Select(p => p.Name));
        problems.Add(new Problem(
            DiagnosticIds.AdmissionNotAParameter,
            index,
            -1,
            Args(where, name, task.TaskName, names.Length == 0 ? "it has none that carry a value" : "its parameters: " + names),
            option));
    }

    private static void CheckValueEquality(TaskModel task, int index, string name, string what, string fix, List<Problem> problems)
    {
        for (var p = 0; p < task.Parameters.Count; p++)
        {
            var parameter = task.Parameters[p];
            if (parameter.Name != name || parameter.Kind != ParameterKind.Normal)
            {
                continue;
            }

            var type = parameter.Type;
            if (type.Key != "string" && (type.Key.EndsWith("]", StringComparison.Ordinal) || type.AssignableTo.Contains(IEnumerableKey)))
            {
                problems.Add(new Problem(DiagnosticIds.KeyWithoutValueEquality, index, p, Args(name, type.Display, task.TaskName, what, fix)));
            }
        }
    }
}
