using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Workflowy.SourceGeneration;

/// <summary>
/// Turns symbols into value models. Compiled into both the generator and the analyzers, so the rules that shape
/// the generated code and the rules that report errors are the same code.
/// </summary>
internal static partial class Extractor
{
    private static readonly SymbolDisplayFormat DisplayFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>Type identity for binding: no nullability, tuples as ValueTuple (element names do not matter).</summary>
    private static readonly SymbolDisplayFormat KeyFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.ExpandValueTuple);

    public static bool IsTaskAttribute(AttributeData attribute) =>
        attribute.AttributeClass is { } c && FullName(c) == WellKnownNames.TaskAttribute;

    public static bool IsWorkflowAttribute(AttributeData attribute) =>
        attribute.AttributeClass is { } c && FullName(c) == WellKnownNames.WorkflowAttribute;

    public static bool IsDependsOnAttribute(AttributeData attribute) =>
        attribute.AttributeClass is { } c && FullName(c) == WellKnownNames.DependsOnAttribute;

    public static TaskEntry? ExtractEntry(IMethodSymbol method, CancellationToken cancellationToken)
    {
        var type = method.ContainingType;
        if (type is null)
        {
            return null;
        }

        var typeModel = ExtractTypeCached(type, cancellationToken);
        var task = ExtractTask(method, type, cancellationToken);
        return task is null ? null : new TaskEntry(typeModel, task);
    }

    public static WorkflowTypeModel ExtractType(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var containing = new List<ContainingType>();
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            containing.Insert(0, new ContainingType(Keyword(outer), outer.Name));
        }

        var isPartial = true;
        for (var t = type; t is not null; t = t.ContainingType)
        {
            foreach (var reference in t.DeclaringSyntaxReferences)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration &&
                    !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    isPartial = false;
                }
            }
        }

        string? unsupported = null;
        if (type.TypeKind != TypeKind.Class)
        {
            unsupported = $"'{type.Name}' is a {type.TypeKind.ToString().ToLowerInvariant()}; declare the tasks in a partial class";
        }
        else if (type.IsStatic)
        {
            unsupported = $"'{type.Name}' is static; remove 'static' (RunAsync is an instance method; the tasks themselves may stay static)";
        }
        else
        {
            for (var t = type; t is not null; t = t.ContainingType)
            {
                if (t.TypeParameters.Length > 0)
                {
                    unsupported = $"'{t.Name}' is generic; move the tasks to a non-generic class (workflow classes and the types containing them cannot be generic)";
                    break;
                }
            }
        }

        var ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : string.Empty;
        var fullName = type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);

        // The run class is nested in the workflow class: pick a name no member of the class already uses.
        var runClassName = type.Name + "Run";
        for (var i = 2; runClassName == type.Name || IsTakenByUser(type, runClassName); i++)
        {
            runClassName = type.Name + "Run" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        string? serializer = null;
        string? serializerProblem = null;
        var serializable = new List<string>();
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is not { } c || FullName(c) != WellKnownNames.WorkflowSerializationAttribute ||
                attribute.ConstructorArguments.Length != 1 || attribute.ConstructorArguments[0].Value is not INamedTypeSymbol context)
            {
                continue;
            }

            serializer = context.ToDisplayString(KeyFormat);
            var isContext = false;
            for (var b = context.BaseType; b is not null; b = b.BaseType)
            {
                if (b.ToDisplayString() == "System.Text.Json.Serialization.JsonSerializerContext")
                {
                    isContext = true;
                }
            }

            if (!isContext)
            {
                serializerProblem = $"{context.Name} is not a JsonSerializerContext";
            }

            foreach (var registration in context.GetAttributes())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (registration.AttributeClass?.ToDisplayString() == "System.Text.Json.Serialization.JsonSerializableAttribute" &&
                    registration.ConstructorArguments.Length >= 1 && registration.ConstructorArguments[0].Value is ITypeSymbol registered)
                {
                    serializable.Add(registered.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(KeyFormat));
                }
            }
        }

        return new WorkflowTypeModel(
            ns, type.Name, fullName, Keyword(type), runClassName, containing.ToEquatableArray(), isPartial, unsupported, VisibilityOf(type),
            serializer, serializable.OrderBy(t => t, System.StringComparer.Ordinal).Distinct().ToEquatableArray(), serializerProblem,
            CanConstruct(type));
    }

    /// <summary>
    /// Whether generated code may write <c>new T()</c>: a non-abstract class with a public or internal constructor that
    /// takes no arguments, is not obsolete, and sets the required members if the class has any.
    /// </summary>
    private static bool CanConstruct(INamedTypeSymbol type)
    {
        if (type.IsAbstract)
        {
            return false;
        }

        var hasRequired = false;
        for (var t = type; t is not null && !hasRequired; t = t.BaseType)
        {
            hasRequired = t.GetMembers().Any(m => m is IPropertySymbol { IsRequired: true } or IFieldSymbol { IsRequired: true });
        }

        foreach (var constructor in type.InstanceConstructors)
        {
            if (constructor.DeclaredAccessibility is Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal &&
                constructor.Parameters.All(p => p.IsOptional || p.IsParams) &&
                !constructor.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.ObsoleteAttribute") &&
                (!hasRequired || constructor.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.Diagnostics.CodeAnalysis.SetsRequiredMembersAttribute")))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a member of that name exists other than the run class the generator itself adds.</summary>
    private static bool IsTakenByUser(INamedTypeSymbol type, string name)
    {
        foreach (var member in type.GetMembers(name))
        {
            if (!member.DeclaringSyntaxReferences.All(r => r.SyntaxTree.FilePath.EndsWith(".Workflow.g.cs", System.StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    public static TaskModel? ExtractTask(IMethodSymbol method, INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        AttributeData? taskAttribute = null;
        ConcurrencyModel? concurrency = null;
        CacheModel? cache = null;
        FanOutModel? fanOut = null;
        var dependsOn = new List<string>();
        foreach (var attribute in method.GetAttributes())
        {
            if (IsTaskAttribute(attribute))
            {
                taskAttribute = attribute;
            }
            else if (attribute.AttributeClass is { } c && FullName(c) == WellKnownNames.ConcurrencyKeyAttribute)
            {
                concurrency = ExtractConcurrency(attribute);
            }
            else if (attribute.AttributeClass is { } k && FullName(k) == WellKnownNames.CacheResultAttribute)
            {
                cache = ExtractCache(attribute);
            }
            else if (attribute.AttributeClass is { } f && FullName(f) == WellKnownNames.FanOutAttribute)
            {
                fanOut = ExtractFanOut(attribute);
            }
            else if (IsDependsOnAttribute(attribute))
            {
                dependsOn.AddRange(DependencyNames(attribute));
            }
        }

        if (taskAttribute is null)
        {
            return null;
        }

        if (fanOut is not null && !dependsOn.Contains(fanOut.Source))
        {
            // The fan-out's source is a dependency like any other (after the [DependsOn] ones, for their locations).
            dependsOn.Add(fanOut.Source);
        }

        string? name = null;
        var backend = 0;
        if (taskAttribute.ConstructorArguments.Length == 1 && taskAttribute.ConstructorArguments[0].Value is string ctorName)
        {
            name = ctorName;
        }

        int? retries = null, maxAttempts = null, backoff = null, onDependencyFailure = null;
        double? backoffBase = null, backoffCap = null, jitter = null, timeout = null;
        var retryOn = new List<RetryType>();
        foreach (var named in taskAttribute.NamedArguments)
        {
            // Value throws for arrays (RetryOn); those are read through Values below.
            var value = named.Value.Kind == TypedConstantKind.Array ? null : named.Value.Value;
            switch (named.Key)
            {
                case "Name" when value is string s:
                    name = s;
                    break;
                case "Backend" when value is int b:
                    backend = b;
                    break;
                case "Retries" when value is int r:
                    retries = r;
                    break;
                case "MaxAttempts" when value is int m:
                    maxAttempts = m;
                    break;
                case "Backoff" when value is int k:
                    backoff = k;
                    break;
                case "OnDependencyFailure" when value is int f:
                    onDependencyFailure = f;
                    break;
                case "BackoffBaseSeconds":
                    backoffBase = AsDouble(value);
                    break;
                case "BackoffCapSeconds":
                    backoffCap = AsDouble(value);
                    break;
                case "BackoffJitter":
                    jitter = AsDouble(value);
                    break;
                case "TimeoutSeconds":
                    timeout = AsDouble(value);
                    break;
                case "RetryOn" when named.Value.Kind == TypedConstantKind.Array && !named.Value.IsNull:
                    foreach (var item in named.Value.Values)
                    {
                        if (item.Value is ITypeSymbol retryType)
                        {
                            var typeRef = ExtractType(retryType);
                            retryOn.Add(new RetryType(typeRef.Display, typeRef.AssignableTo.Contains(WellKnownNames.Exception)));
                        }
                    }

                    break;
            }
        }

        var options = new TaskOptionsModel(retries, maxAttempts, backoff, backoffBase, backoffCap, jitter, timeout, onDependencyFailure, retryOn.ToEquatableArray(), concurrency, cache);

        if (string.IsNullOrWhiteSpace(name))
        {
            name = method.Name;
        }

        var (returnKind, resultType) = ClassifyReturn(method.ReturnType);
        var parameters = new List<ParameterModel>();
        foreach (var parameter in method.Parameters)
        {
            cancellationToken.ThrowIfCancellationRequested();
            parameters.Add(ExtractParameter(parameter));
        }

        var (declarationIndex, memberIndex) = DeclarationOrder(method, type, cancellationToken);

        return new TaskModel(
            method.Name,
            name!,
            backend,
            method.IsStatic,
            method.IsAsync,
            returnKind,
            resultType is null ? null : ExtractType(resultType),
            parameters.ToEquatableArray(),
            dependsOn.ToEquatableArray(),
            UnsupportedReason(method, returnKind),
            declarationIndex,
            memberIndex,
            options,
            NotNullResult(resultType),
            fanOut,
            ElementType(resultType));
    }

    /// <summary>The result type's name for an error message if it is a reference type declared not nullable (nullable context enabled); else null.</summary>
    private static string? NotNullResult(ITypeSymbol? resultType) =>
        resultType is { IsReferenceType: true, NullableAnnotation: NullableAnnotation.NotAnnotated }
            ? resultType.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat)
            : null;

    public static EntryPointEntry? ExtractEntryPointEntry(IMethodSymbol method, CancellationToken cancellationToken)
    {
        var type = method.ContainingType;
        if (type is null)
        {
            return null;
        }

        var typeModel = ExtractTypeCached(type, cancellationToken);
        return new EntryPointEntry(typeModel, ExtractEntryPoint(method, type, typeModel.RunClassName, cancellationToken));
    }

    public static EntryPointModel ExtractEntryPoint(IMethodSymbol method, INamedTypeSymbol type, string runClassName, CancellationToken cancellationToken)
    {
        // Bodiless partial: a partial definition that no one but the generator implements.
        var implementation = method.PartialImplementationPart;
        var bodiless = method.IsPartialDefinition &&
                       (implementation is null ||
                        implementation.DeclaringSyntaxReferences.All(r => r.SyntaxTree.FilePath.EndsWith(".Workflow.g.cs", System.StringComparison.Ordinal)));

        var returnKind = EntryReturn.Other;
        if (method.ReturnType is INamedTypeSymbol returnType)
        {
            if (returnType.Name == runClassName && returnType.TypeArguments.Length == 0)
            {
                returnKind = EntryReturn.Run;
            }
            else if (returnType.MetadataName == "Task`1" && returnType.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks" &&
                     returnType.TypeArguments[0].Name == runClassName)
            {
                returnKind = EntryReturn.TaskOfRun;
            }
        }

        var parameters = new List<EntryParameter>();
        foreach (var parameter in method.Parameters)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var key = parameter.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(KeyFormat);
            var kind = key switch
            {
                WellKnownNames.CancellationToken => EntryParameterKind.CancellationToken,
                WellKnownNames.WorkflowRunner => EntryParameterKind.Runner,
                _ => EntryParameterKind.Input,
            };
            parameters.Add(new EntryParameter(parameter.Name, parameter.Type.ToDisplayString(DisplayFormat), key, kind, parameter.RefKind == RefKind.None && !parameter.IsParams));
        }

        var (declarationIndex, memberIndex) = DeclarationOrder(method, type, cancellationToken);

        return new EntryPointModel(
            method.Name,
            AccessibilityText(method.DeclaredAccessibility),
            method.IsStatic,
            bodiless,
            method.ReturnType.ToDisplayString(DisplayFormat),
            returnKind,
            parameters.ToEquatableArray(),
            declarationIndex,
            memberIndex);
    }

    /// <summary>
    /// Where a member is declared: the index of its partial declaration among the type's, and its index among that
    /// declaration's members. Declaration order that edits inside bodies do not change.
    /// </summary>
    private static (int DeclarationIndex, int MemberIndex) DeclarationOrder(IMethodSymbol method, INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not MethodDeclarationSyntax syntax ||
            syntax.Parent is not TypeDeclarationSyntax parent)
        {
            return (0, 0);
        }

        var declarations = type.DeclaringSyntaxReferences;
        for (var i = 0; i < declarations.Length; i++)
        {
            if (declarations[i].SyntaxTree == parent.SyntaxTree && declarations[i].Span == parent.Span)
            {
                return (i, parent.Members.IndexOf(syntax));
            }
        }

        return (0, parent.Members.IndexOf(syntax));
    }

    private static string AccessibilityText(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Public => "public",
        Accessibility.Internal => "internal",
        Accessibility.Protected => "protected",
        Accessibility.ProtectedOrInternal => "protected internal",
        Accessibility.ProtectedAndInternal => "private protected",
        _ => "private",
    };

    /// <summary>The dependency names of one [DependsOn], in argument order (null entries are kept as empty).</summary>
    public static IEnumerable<string> DependencyNames(AttributeData attribute)
    {
        foreach (var argument in attribute.ConstructorArguments)
        {
            if (argument.Kind == TypedConstantKind.Array)
            {
                foreach (var value in argument.Values)
                {
                    yield return value.Value as string ?? string.Empty;
                }
            }
            else
            {
                yield return argument.Value as string ?? string.Empty;
            }
        }
    }

    private static double? AsDouble(object? value) => value switch
    {
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        _ => null,
    };

    private static ParameterModel ExtractParameter(IParameterSymbol parameter)
    {
        var type = ExtractType(parameter.Type);
        var kind = type.Key switch
        {
            WellKnownNames.CancellationToken => ParameterKind.CancellationToken,
            WellKnownNames.TaskContext => ParameterKind.TaskContext,
            _ => ParameterKind.Normal,
        };

        string? unsupported = null;
        if (parameter.RefKind != RefKind.None)
        {
            unsupported = $"parameter '{parameter.Name}' is passed by {parameter.RefKind.ToString().ToLowerInvariant()}; task parameters must be passed by value";
        }
        else if (parameter.Type.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer)
        {
            unsupported = $"parameter '{parameter.Name}' is a pointer; take a value instead";
        }
        else if (parameter.Type.IsRefLikeType)
        {
            unsupported = $"parameter '{parameter.Name}' is a ref struct ({parameter.Type.Name}), which cannot be stored between tasks; take an array or a memory type instead";
        }
        else if (parameter.IsParams)
        {
            unsupported = $"parameter '{parameter.Name}' is 'params'; remove 'params' and take the array";
        }

        var nullable = parameter.Type.NullableAnnotation == NullableAnnotation.Annotated ||
                       parameter.Type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T;
        return new ParameterModel(parameter.Name, type, kind, unsupported, nullable);
    }

    private static string? UnsupportedReason(IMethodSymbol method, ReturnKind returnKind)
    {
        if (method.IsGenericMethod)
        {
            return "it is generic; make it non-generic, since the graph needs concrete types";
        }

        if (method.IsAsync && method.ReturnsVoid)
        {
            return "it is 'async void', which cannot be awaited; return Task instead";
        }

        if (method.ReturnsByRef || method.ReturnsByRefReadonly)
        {
            return "it returns by reference; return the value instead";
        }

        if (method.IsAbstract || method.IsExtern || (method.IsPartialDefinition && method.PartialImplementationPart is null))
        {
            return "it has no body; give it one (for a partial method, add the implementing declaration)";
        }

        if (method.MethodKind != MethodKind.Ordinary)
        {
            return $"it is a {method.MethodKind} rather than an ordinary method; put [Task] on a method that calls it";
        }

        if (returnKind == ReturnKind.Value && method.ReturnType.IsRefLikeType)
        {
            return $"it returns a ref struct ({method.ReturnType.Name}), which cannot be stored between tasks; return an array or a memory type instead";
        }

        if (method.ReturnType.TypeKind is TypeKind.Pointer or TypeKind.FunctionPointer)
        {
            return "it returns a pointer; return a value instead";
        }

        return null;
    }

    private static (ReturnKind Kind, ITypeSymbol? Result) ClassifyReturn(ITypeSymbol returnType)
    {
        if (returnType.SpecialType == SpecialType.System_Void)
        {
            return (ReturnKind.Void, null);
        }

        if (returnType is INamedTypeSymbol named && named.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks")
        {
            switch (named.MetadataName)
            {
                case "Task":
                    return (ReturnKind.Task, null);
                case "ValueTask":
                    return (ReturnKind.ValueTask, null);
                case "Task`1":
                    return (ReturnKind.TaskOfT, named.TypeArguments[0]);
                case "ValueTask`1":
                    return (ReturnKind.ValueTaskOfT, named.TypeArguments[0]);
            }
        }

        return (ReturnKind.Value, returnType);
    }

    /// <summary>Type models per symbol, so that a compilation's types are described once, not once per task (int has 31 interfaces).</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ITypeSymbol, TypeRef> TypeCache = new();

    /// <summary>Workflow type models per symbol, so that a class with many tasks is described once per compilation.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<INamedTypeSymbol, WorkflowTypeModel> WorkflowTypeCache = new();

    public static WorkflowTypeModel ExtractTypeCached(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (WorkflowTypeCache.TryGetValue(type, out var cached))
        {
            return cached;
        }

        return WorkflowTypeCache.GetValue(type, t => ExtractType(t, cancellationToken));
    }

    public static TypeRef ExtractType(ITypeSymbol type)
    {
        if (TypeCache.TryGetValue(type, out var cached))
        {
            return cached;
        }

        return TypeCache.GetValue(type, static t => ExtractTypeUncached(t));
    }

    private static TypeRef ExtractTypeUncached(ITypeSymbol type)
    {
        var key = type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(KeyFormat);
        var assignable = new List<string> { key };
        if (type.IsValueType && type.OriginalDefinition.SpecialType != SpecialType.System_Nullable_T)
        {
            assignable.Add(key + "?");
        }

        for (var b = type.BaseType; b is not null; b = b.BaseType)
        {
            assignable.Add(b.ToDisplayString(KeyFormat));
        }

        foreach (var i in type.AllInterfaces)
        {
            assignable.Add(i.ToDisplayString(KeyFormat));
        }

        if (type.TypeKind is TypeKind.Interface or TypeKind.TypeParameter or TypeKind.Dynamic)
        {
            assignable.Add("object");
        }

        return new TypeRef(type.ToDisplayString(DisplayFormat), key, assignable.Distinct().ToEquatableArray(), VisibilityOf(type));
    }

    private static Visibility VisibilityOf(ITypeSymbol type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return VisibilityOf(array.ElementType);
            case IPointerTypeSymbol pointer:
                return VisibilityOf(pointer.PointedAtType);
            case ITypeParameterSymbol:
                return Visibility.Public;
        }

        var result = Visibility.Public;
        for (ITypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            var own = t.DeclaredAccessibility switch
            {
                Accessibility.Public or Accessibility.NotApplicable => Visibility.Public,
                Accessibility.Internal or Accessibility.ProtectedOrInternal => Visibility.Internal,
                _ => Visibility.Private,
            };
            if (own < result)
            {
                result = own;
            }
        }

        if (type is INamedTypeSymbol named)
        {
            foreach (var argument in named.TypeArguments)
            {
                var v = VisibilityOf(argument);
                if (v < result)
                {
                    result = v;
                }
            }
        }

        return result;
    }

    private static string Keyword(INamedTypeSymbol type) => type switch
    {
        { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
        { IsRecord: true } => "record",
        { TypeKind: TypeKind.Struct } => "struct",
        { TypeKind: TypeKind.Interface } => "interface",
        _ => "class",
    };

    private static string FullName(INamedTypeSymbol type) =>
        type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + type.MetadataName : type.MetadataName;
}
