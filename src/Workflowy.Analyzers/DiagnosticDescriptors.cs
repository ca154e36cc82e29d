using Microsoft.CodeAnalysis;
using Workflowy.SourceGeneration;

namespace Workflowy.Analyzers;

/// <summary>The catalogue of Workflowy diagnostics. IDs are stable and never reused.</summary>
internal static class DiagnosticDescriptors
{
    private const string HelpBase = "https://github.com/workflowy-dotnet/workflowy/blob/main/docs/diagnostics.md#";

    public static readonly DiagnosticDescriptor Cycle = Rule(
        DiagnosticIds.Cycle,
        "Workflowy.Graph",
        "Dependency cycle",
        "The tasks form a dependency cycle: {0}. Remove one of these [DependsOn] edges so that the graph has an order.");

    public static readonly DiagnosticDescriptor AsyncOnThread = Rule(
        DiagnosticIds.AsyncOnThread,
        "Workflowy.Backend",
        "Async task on the Thread backend",
        "Task '{0}' returns a task but asks for Backend.Thread, which runs synchronous bodies only. Use Backend.Async (or Backend.Default), or make the method synchronous.");

    public static readonly DiagnosticDescriptor UnknownDependency = Rule(
        DiagnosticIds.UnknownDependency,
        "Workflowy.Graph",
        "Unknown dependency",
        "Task '{0}' depends on '{1}', which is not a task of this class.{2} Name a [Task] method of the same class, preferably with nameof(...).");

    public static readonly DiagnosticDescriptor NotPartial = Rule(
        DiagnosticIds.NotPartial,
        "Workflowy.Declaration",
        "[Task] in a non-partial type",
        "'{0}' declares [Task] methods but it (or a type containing it) is not partial. Add the 'partial' modifier so that the generator can add RunAsync, Start and the run class.");

    public static readonly DiagnosticDescriptor AmbiguousBinding = Rule(
        DiagnosticIds.AmbiguousBinding,
        "Workflowy.Binding",
        "Ambiguous parameter binding",
        "Parameter '{0}' of task '{1}' could take the result of several dependencies of type {2} ('{3}'). Rename the parameter after the dependency it should receive.");

    public static readonly DiagnosticDescriptor DependencyTypeMismatch = Rule(
        DiagnosticIds.DependencyTypeMismatch,
        "Workflowy.Binding",
        "Dependency result does not fit the parameter named after it",
        "Parameter '{0}' of task '{1}' is named after dependency '{2}', whose result ({3}) cannot be assigned to {4}. Change the parameter's type, or rename it if it is meant to be a workflow input.");

    public static readonly DiagnosticDescriptor InputTypeConflict = Rule(
        DiagnosticIds.InputTypeConflict,
        "Workflowy.Binding",
        "Workflow input with conflicting types",
        "Workflow input '{0}' is {2} in task '{1}' but {3} in an earlier task. Give the parameters the same type, or different names.");

    public static readonly DiagnosticDescriptor DuplicateTaskName = Rule(
        DiagnosticIds.DuplicateTaskName,
        "Workflowy.Declaration",
        "Duplicate task name",
        "The task name '{0}' is already used by method '{1}'. Give one of the tasks a different Name.");

    public static readonly DiagnosticDescriptor UnsupportedSignature = Rule(
        DiagnosticIds.UnsupportedSignature,
        "Workflowy.Declaration",
        "Unsupported task signature",
        "'{0}' cannot be a workflow task: {1}.");

    public static readonly DiagnosticDescriptor SelfDependency = Rule(
        DiagnosticIds.SelfDependency,
        "Workflowy.Graph",
        "Task depends on itself",
        "Task '{0}' depends on itself. Remove its own name from [DependsOn].");

    public static readonly DiagnosticDescriptor DependsOnWithoutTask = Rule(
        DiagnosticIds.DependsOnWithoutTask,
        "Workflowy.Declaration",
        "[DependsOn] without [Task]",
        "Method '{0}' has [DependsOn] but no [Task], so it is not part of any workflow. Add [Task], or remove [DependsOn].");

    public static readonly DiagnosticDescriptor ReservedInputName = Rule(
        DiagnosticIds.ReservedInputName,
        "Workflowy.Binding",
        "Workflow input name is reserved",
        "Parameter '{1}' of task '{0}' would become a workflow input named '{1}', a name RunAsync uses for its own parameter. Rename the parameter.");

    public static readonly DiagnosticDescriptor BothRetriesAndMaxAttempts = Rule(
        DiagnosticIds.BothRetriesAndMaxAttempts,
        "Workflowy.Options",
        "Both Retries and MaxAttempts",
        "Task '{0}' sets both Retries and MaxAttempts, which say the same thing two ways. Keep one: Retries = n is MaxAttempts = n + 1.");

    public static readonly DiagnosticDescriptor InvalidOptionValue = Rule(
        DiagnosticIds.InvalidOptionValue,
        "Workflowy.Options",
        "Invalid task option value",
        "Option {0} of task '{1}' has the invalid value {2}: {3}.");

    public static readonly DiagnosticDescriptor RunAnywayBinding = Rule(
        DiagnosticIds.RunAnywayBinding,
        "Workflowy.Binding",
        "RunAnyway task binds a dependency result",
        "Parameter '{0}' of task '{1}' takes the result of '{2}', but the task runs even when '{2}' did not complete (OnDependencyFailure = RunAnyway) and then receives default. Make the parameter nullable to say you handle that, or use another policy.");

    public static readonly DiagnosticDescriptor RetryOnNotException = Rule(
        DiagnosticIds.RetryOnNotException,
        "Workflowy.Options",
        "RetryOn type is not an exception",
        "RetryOn of task '{1}' names {0}, which is not an exception type, so it can never match a failure. Name exception types only.");

    public static readonly DiagnosticDescriptor EntryPointMismatch = Rule(
        DiagnosticIds.EntryPointMismatch,
        "Workflowy.EntryPoint",
        "Entry point does not match the workflow",
        "Entry point '{0}' does not match the workflow: {1}. Declare it as: {2}");

    public static readonly DiagnosticDescriptor EntryPointNotPartial = Rule(
        DiagnosticIds.EntryPointNotPartial,
        "Workflowy.EntryPoint",
        "[Workflow] on a method that is not a bodiless partial declaration",
        "'{0}' has [Workflow] but is not a partial method declaration without a body, so the generator cannot implement it. Declare it as 'public partial Task<{1}> {0}(...);' and remove its body.");

    public static readonly DiagnosticDescriptor NotSerializable = Rule(
        DiagnosticIds.NotSerializable,
        "Workflowy.Persistence",
        "Persisted type not registered in the serializer context",
        "{0} ({2}) is not registered in the workflow's serializer context {1}, so it cannot be checkpointed. Add [JsonSerializable(typeof({0}))] to {1}.");

    public static readonly DiagnosticDescriptor SerializerNotContext = Rule(
        DiagnosticIds.SerializerNotContext,
        "Workflowy.Persistence",
        "[WorkflowSerialization] names a type that is not a JsonSerializerContext",
        "[WorkflowSerialization] needs a source-generated JsonSerializerContext, but {0}. Name a partial class deriving from JsonSerializerContext with [JsonSerializable] registrations.");

    public static readonly DiagnosticDescriptor AdmissionNotAParameter = Rule(
        DiagnosticIds.AdmissionNotAParameter,
        "Workflowy.Admission",
        "Key argument is not a parameter of the task",
        "{0} names '{1}', which is not a parameter of task '{2}' ({3}). Name a parameter of the task with nameof(...).");

    public static readonly DiagnosticDescriptor InvalidConcurrencyLimit = Rule(
        DiagnosticIds.InvalidConcurrencyLimit,
        "Workflowy.Admission",
        "Invalid concurrency limit",
        "[ConcurrencyKey] of task '{0}': {1}.");

    public static readonly DiagnosticDescriptor InvalidCacheTimeToLive = Rule(
        DiagnosticIds.InvalidCacheTimeToLive,
        "Workflowy.Admission",
        "Invalid cache time to live",
        "[CacheResult(\"{0}\")] of task '{1}' is not a positive time span in invariant format; write it as [d.]hh:mm:ss, e.g. \"00:10:00\" for ten minutes.");

    public static readonly DiagnosticDescriptor KeyWithoutValueEquality = Rule(
        DiagnosticIds.KeyWithoutValueEquality,
        "Workflowy.Admission",
        "Key parameter is not compared by value",
        "Parameter '{0}' of type {1} is part of the {3} of task '{2}', but a collection is compared by reference, so equal calls would never share a key; {4}.");

    public static readonly DiagnosticDescriptor FanOutSourceNotCollection = Rule(
        DiagnosticIds.FanOutSourceNotCollection,
        "Workflowy.FanOut",
        "Fan-out source is not a collection",
        "Task '{0}' fans out over task '{1}', whose result {2} is not a collection. Fan out over a task that returns an array, a list or another IEnumerable<T>.");

    public static readonly DiagnosticDescriptor FanOutParameterMismatch = Rule(
        DiagnosticIds.FanOutParameterMismatch,
        "Workflowy.FanOut",
        "No parameter takes the fan-out's element",
        "Task '{0}' fans out over the {2} elements of task '{1}', but none of its parameters takes {4} ({3}). Add a parameter of type {3}, or fix the source or BatchSize.");

    public static readonly DiagnosticDescriptor InvalidFanOut = Rule(
        DiagnosticIds.InvalidFanOut,
        "Workflowy.FanOut",
        "Invalid fan-out",
        "[FanOut] of task '{0}': {1}.");

    public static readonly DiagnosticDescriptor FanOutWithoutAggregate = Rule(
        DiagnosticIds.FanOutWithoutAggregate,
        "Workflowy.FanOut",
        "Fan-out without an aggregate",
        "Task '{0}' fans out, but no task depends on it to receive its results ({1}). Add an aggregate: [Task, DependsOn(nameof({0}))] T Aggregate({1} results).");
    public static readonly DiagnosticDescriptor ProcessWithoutSerializer = Rule(
        DiagnosticIds.ProcessWithoutSerializer,
        "Workflowy.Backend",
        "Process task in a workflow without a serializer context",
        "Task '{0}' runs on Backend.Process: its inputs, dependency results and result cross to a child process as JSON, but workflow '{1}' names no serializer context. Add [WorkflowSerialization(typeof(YourJsonContext))] to '{1}', registering those types with [JsonSerializable], or use another backend.");

    public static readonly DiagnosticDescriptor ProcessNotInCatalog = Rule(
        DiagnosticIds.ProcessNotInCatalog,
        "Workflowy.Backend",
        "Process task in a workflow the catalogue does not list",
        "Task '{0}' runs on Backend.Process, but workflow '{1}' is a private or protected nested class, which the workflow catalogue does not list, so the child process cannot find it. Make '{1}' internal or public, or use another backend.");

    /// <summary>A descriptor whose severity comes from <see cref="DiagnosticIds.IsWarning"/>, the one list the generator also reads.</summary>
    private static DiagnosticDescriptor Rule(string id, string category, string title, string message) =>
        new(id, title, message, category, DiagnosticIds.IsWarning(id) ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpBase + id.ToLowerInvariant());
}
