using System.Text.Json.Serialization;

namespace Workflowy.Tests.Workflows.Catalog;

public sealed record Parcel(string To, int Grams);

[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(Parcel))]
internal sealed partial class CatalogJson : JsonSerializerContext
{
}

/// <summary>Started by name from JSON in CatalogTests: three inputs (one nullable), a record result, a void task.</summary>
[WorkflowSerialization(typeof(CatalogJson))]
public sealed partial class CatalogShipping
{
    public static int Constructed;

    public CatalogShipping() => Interlocked.Increment(ref Constructed);

    public string Label { get; init; } = "new";

    [Task]
    public Parcel Pack(string to, int grams) => grams >= 0 ? new Parcel(to, grams) : throw new ArgumentOutOfRangeException(nameof(grams));

    [Task, DependsOn(nameof(Pack))]
    public decimal Quote(Parcel pack, string? coupon) => pack.Grams / 100m - (coupon is null ? 0 : 1);

    [Task, DependsOn(nameof(Quote))]
    public string Receipt(decimal quote) => $"{Label}:{quote}";

    [Task, DependsOn(nameof(Receipt))]
    public void Notify(string receipt)
    {
    }
}

/// <summary>No serializer context: listed and rendered, not started by name.</summary>
public sealed partial class CatalogUnserialized
{
    [Task] public int One(int seed) => seed;
    [Task, DependsOn(nameof(One))] public int Two(int one) => one * 2;
}

/// <summary>No parameterless constructor: started by name only with the runner's Services.</summary>
[WorkflowSerialization(typeof(CatalogJson))]
public sealed partial class CatalogInjected(string greeting)
{
    [Task] public string Greet(string name) => greeting + ", " + name;
}

/// <summary>Two workflows of the same short name, for the ambiguity of <see cref="WorkflowCatalog.Find"/>.</summary>
public sealed partial class CatalogTwin
{
    [Task] public int A() => 1;
}

public partial class CatalogHost
{
    /// <summary>Not accessible in its assembly: compiles and runs, but is not in the catalogue.</summary>
    private sealed partial class Hidden
    {
        [Task] public int A() => 1;

        public static int Run() => new Hidden().RunAsync().GetAwaiter().GetResult().A.Result;
    }

    /// <summary>Accessible in its assembly (protected internal): in the catalogue.</summary>
    protected internal sealed partial class Guarded
    {
        [Task] public int A() => 1;
    }

    public static int RunHidden() => Hidden.Run();
}
