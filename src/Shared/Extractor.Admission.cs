using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Workflowy.SourceGeneration;

// The values of [ConcurrencyKey], [CacheResult] and [FanOut], and the element type of a collection result (what a
// fan-out over it passes to each call).
internal static partial class Extractor
{
    private static ConcurrencyModel ExtractConcurrency(AttributeData attribute)
    {
        var names = new List<string>();
        foreach (var argument in attribute.ConstructorArguments)
        {
            if (argument.Kind == TypedConstantKind.Array)
            {
                names.AddRange(argument.Values.Select(v => v.Value as string ?? string.Empty));
            }
            else
            {
                names.Add(argument.Value as string ?? string.Empty);
            }
        }

        int maxRunning = 1, maxPending = -1, onLimit = 0, onMismatch = 0;
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Value.Value is not int value)
            {
                continue;
            }

            switch (named.Key)
            {
                case "MaxRunning": maxRunning = value; break;
                case "MaxPending": maxPending = value; break;
                case "OnLimit": onLimit = value; break;
                case "OnArgumentMismatch": onMismatch = value; break;
            }
        }

        return new ConcurrencyModel(names.ToEquatableArray(), maxRunning, maxPending, onLimit, onMismatch);
    }

    private static CacheModel ExtractCache(AttributeData attribute)
    {
        var ttl = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string ?? string.Empty : string.Empty;
        var exclude = new List<string>();
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Key == "Exclude" && named.Value.Kind == TypedConstantKind.Array && !named.Value.IsNull)
            {
                exclude.AddRange(named.Value.Values.Select(v => v.Value as string ?? string.Empty));
            }
        }

        return new CacheModel(ttl, exclude.ToEquatableArray());
    }

    private static FanOutModel ExtractFanOut(AttributeData attribute)
    {
        var source = attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string ?? string.Empty : string.Empty;
        int batch = -1, parallel = -1, onFailure = 0;
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Value.Value is not int value)
            {
                continue;
            }

            switch (named.Key)
            {
                case "BatchSize": batch = value; break;
                case "MaxParallel": parallel = value; break;
                case "OnFailure": onFailure = value; break;
            }
        }

        return new FanOutModel(source, batch, parallel, onFailure);
    }

    /// <summary>The element type of a collection result (an array, or an IEnumerable&lt;T&gt; other than string); else null.</summary>
    private static TypeRef? ElementType(ITypeSymbol? type)
    {
        if (type is null || type.SpecialType == SpecialType.System_String)
        {
            return null;
        }

        if (type is IArrayTypeSymbol { Rank: 1 } array)
        {
            return ExtractType(array.ElementType);
        }

        if (type is INamedTypeSymbol { IsGenericType: true } named && named.ConstructedFrom.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
        {
            return ExtractType(named.TypeArguments[0]);
        }

        foreach (var candidate in type.AllInterfaces)
        {
            if (candidate.IsGenericType && candidate.ConstructedFrom.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
            {
                return ExtractType(candidate.TypeArguments[0]);
            }
        }

        return null;
    }
}
