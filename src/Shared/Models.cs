using System;

namespace Workflowy.SourceGeneration;

/// <summary>How a task method returns.</summary>
internal enum ReturnKind
{
    Void,
    Value,
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
}

/// <summary>What a parameter is, before binding.</summary>
internal enum ParameterKind
{
    Normal,
    CancellationToken,
    TaskContext,
}

/// <summary>Effective accessibility of a type, as far as generated members care.</summary>
internal enum Visibility
{
    Private = 0,
    Internal = 1,
    Public = 2,
}

/// <summary>A type as text: how to write it, its identity (without nullability), and what it converts to.</summary>
internal sealed record TypeRef(string Display, string Key, EquatableArray<string> AssignableTo, Visibility Visibility)
{
    public bool IsAssignableTo(TypeRef target)
    {
        foreach (var key in AssignableTo)
        {
            if (key == target.Key)
            {
                return true;
            }
        }

        return false;
    }
}

internal sealed record ParameterModel(string Name, TypeRef Type, ParameterKind Kind, string? UnsupportedReason, bool IsNullable);

/// <summary>A type named in <c>RetryOn</c>.</summary>
internal sealed record RetryType(string Display, bool IsException);

/// <summary>The options given on [Task]; null means not given (the runtime default applies).</summary>
internal sealed record TaskOptionsModel(
    int? Retries,
    int? MaxAttempts,
    int? Backoff,
    double? BackoffBaseSeconds,
    double? BackoffCapSeconds,
    double? BackoffJitter,
    double? TimeoutSeconds,
    int? OnDependencyFailure,
    EquatableArray<RetryType> RetryOn)
{
    public static readonly TaskOptionsModel None = new(null, null, null, null, null, null, null, null, EquatableArray<RetryType>.Empty);

    public bool IsDefault => Equals(None);
}

/// <summary>One [Task] method, with nothing but values in it.</summary>
/// <param name="NotNullResult">
/// The result type as an error message writes it, when the result is a reference type declared without <c>?</c> in a
/// nullable-enabled context (the generated code then fails a task whose body returns null); null otherwise.
/// </param>
internal sealed record TaskModel(
    string MethodName,
    string TaskName,
    int Backend,
    bool IsStatic,
    bool IsAsyncKeyword,
    ReturnKind ReturnKind,
    TypeRef? ResultType,
    EquatableArray<ParameterModel> Parameters,
    EquatableArray<string> DependsOn,
    string? UnsupportedReason,
    int DeclarationIndex,
    int MemberIndex,
    TaskOptionsModel Options,
    string? NotNullResult = null);

internal sealed record ContainingType(string Keyword, string Name);

/// <summary>The class that holds the tasks.</summary>
/// <param name="SerializerContext">The context named by [WorkflowSerialization], fully qualified; null if none.</param>
/// <param name="SerializableTypes">The type keys the context registers with [JsonSerializable].</param>
/// <param name="SerializerProblem">Why the named context is unusable (not a JsonSerializerContext), if it is.</param>
/// <param name="CanConstruct">Whether generated code can make the workflow object with <c>new T()</c> (to start it by name).</param>
internal sealed record WorkflowTypeModel(
    string Namespace,
    string Name,
    string FullName,
    string Keyword,
    string RunClassName,
    EquatableArray<ContainingType> ContainingTypes,
    bool IsPartial,
    string? UnsupportedReason,
    Visibility Visibility,
    string? SerializerContext = null,
    EquatableArray<string> SerializableTypes = default,
    string? SerializerProblem = null,
    bool CanConstruct = false);

/// <summary>A [Task] method together with its class; the unit the generator extracts per attribute.</summary>
internal sealed record TaskEntry(WorkflowTypeModel Type, TaskModel Task);

/// <summary>Every task of one class, in declaration order, and its declared entry points.</summary>
internal sealed record WorkflowModel(WorkflowTypeModel Type, EquatableArray<TaskModel> Tasks, EquatableArray<EntryPointModel> EntryPoints);

internal enum EntryReturn
{
    Other,
    Run,
    TaskOfRun,
}

internal enum EntryParameterKind
{
    Input,
    Runner,
    CancellationToken,
}

internal sealed record EntryParameter(string Name, string TypeDisplay, string TypeKey, EntryParameterKind Kind, bool ByValue);

/// <summary>A user-declared <c>[Workflow] partial</c> entry point.</summary>
/// <param name="IsBodilessPartial">A partial definition whose body the generator may write.</param>
internal sealed record EntryPointModel(
    string Name,
    string Accessibility,
    bool IsStatic,
    bool IsBodilessPartial,
    string ReturnTypeDisplay,
    EntryReturn ReturnKind,
    EquatableArray<EntryParameter> Parameters,
    int DeclarationIndex,
    int MemberIndex);

internal sealed record EntryPointEntry(WorkflowTypeModel Type, EntryPointModel EntryPoint);

/// <summary>An entry point checked against the workflow: how to call the run, or why it cannot.</summary>
/// <param name="InputArguments">For each workflow input, in order, the entry point parameter that carries it.</param>
internal sealed record BoundEntryPoint(
    EntryPointModel Model,
    bool IsValid,
    EquatableArray<string> InputArguments,
    string? RunnerParameter,
    string? TokenParameter);

/// <summary>A problem the graph builder found; the analyzer turns it into a diagnostic, the generator into a safe stub.</summary>
/// <param name="Id">The WFY id.</param>
/// <param name="Task">The task index (-1 for the class).</param>
/// <param name="Detail">A parameter index or a dependency index, depending on the id; -1 for the task itself.</param>
/// <param name="Args">The message arguments.</param>
/// <param name="Option">For option problems, the name of the [Task] property at fault.</param>
internal sealed record Problem(string Id, int Task, int Detail, EquatableArray<string> Args, string? Option = null);

internal enum ArgumentKind
{
    Input,
    Dependency,
    CancellationToken,
    TaskContext,
}

/// <summary>What one parameter of a task receives. <see cref="Value"/> is the input name or the dependency index.</summary>
/// <param name="LiftToNullable">The parameter is <c>T?</c> of a value-type result: it receives null when the dependency did not complete.</param>
/// <param name="ParameterName">The parameter's name (for the catalogue's task list and the task invoker).</param>
/// <param name="ParameterType">The parameter's type as written (for the catalogue's task list).</param>
internal sealed record BoundArgument(ArgumentKind Kind, string InputName, int Dependency, bool LiftToNullable = false, string ParameterName = "", string ParameterType = "");

internal sealed record BoundTask(
    bool IsSupported,
    string MethodName,
    string TaskName,
    string PropertyName,
    int Backend,
    bool IsStatic,
    ReturnKind ReturnKind,
    string? ResultType,
    EquatableArray<BoundArgument> Arguments,
    EquatableArray<int> Dependencies,
    bool ObservesCancellation,
    TaskOptionsModel Options,
    string? NotNullResult = null);

internal sealed record WorkflowInput(string Name, string Type);

/// <summary>A workflow ready to emit: bound arguments, inputs, order, Mermaid text, and the problems found.</summary>
internal sealed record BoundWorkflow(
    WorkflowTypeModel Type,
    string RunClassName,
    Visibility Visibility,
    EquatableArray<BoundTask> Tasks,
    EquatableArray<WorkflowInput> Inputs,
    EquatableArray<int> TopologicalOrder,
    string Mermaid,
    string Dot,
    EquatableArray<BoundEntryPoint> EntryPoints,
    EquatableArray<Problem> Problems)
{
    /// <summary>No problem is an error. Warnings (<see cref="DiagnosticIds.IsWarning"/>) do not stop the build, so they must not stop the run.</summary>
    public bool IsValid
    {
        get
        {
            foreach (var problem in Problems)
            {
                if (!DiagnosticIds.IsWarning(problem.Id))
                {
                    return false;
                }
            }

            return true;
        }
    }
}

internal static class DiagnosticIds
{
    public const string Cycle = "WFY001";
    public const string AsyncOnThread = "WFY002";
    public const string UnknownDependency = "WFY003";
    public const string NotPartial = "WFY004";
    public const string AmbiguousBinding = "WFY006";
    public const string DependencyTypeMismatch = "WFY008";
    public const string InputTypeConflict = "WFY009";
    public const string DuplicateTaskName = "WFY010";
    public const string UnsupportedSignature = "WFY011";
    public const string SelfDependency = "WFY012";
    public const string DependsOnWithoutTask = "WFY013";
    public const string ReservedInputName = "WFY014";
    public const string BothRetriesAndMaxAttempts = "WFY005";
    public const string InvalidOptionValue = "WFY007";
    public const string RunAnywayBinding = "WFY015";
    public const string RetryOnNotException = "WFY016";
    public const string EntryPointMismatch = "WFY017";
    public const string EntryPointNotPartial = "WFY018";
    public const string NotSerializable = "WFY019";
    public const string SerializerNotContext = "WFY020";

    /// <summary>
    /// Whether the diagnostic is a warning; every other WFY id is an error. The analyzers take each descriptor's
    /// severity from here, and the generator emits throwing stubs only for workflows with an error.
    /// </summary>
    public static bool IsWarning(string id) => id is DependsOnWithoutTask or RunAnywayBinding;
}

internal static class WellKnownNames
{
    public const string TaskAttribute = "Workflowy.TaskAttribute";
    public const string DependsOnAttribute = "Workflowy.DependsOnAttribute";
    public const string WorkflowAttribute = "Workflowy.WorkflowAttribute";
    public const string WorkflowSerializationAttribute = "Workflowy.WorkflowSerializationAttribute";
    public const string WorkflowRunner = "global::Workflowy.WorkflowRunner";
    public const string TaskContext = "global::Workflowy.TaskContext";
    public const string CancellationToken = "global::System.Threading.CancellationToken";
    public const int BackendThread = 2;
    public const int BackendMax = 3;
    public const int DependencyFailureRunAnyway = 2;
    public const string Exception = "global::System.Exception";
}
