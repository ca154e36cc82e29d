namespace Workflowy.SourceGeneration;

/// <summary>The names of the generator's pipeline steps, for incremental-caching tests.</summary>
internal static class TrackingNames
{
    public const string Tasks = nameof(Tasks);
    public const string EntryPoints = nameof(EntryPoints);
    public const string Workflows = nameof(Workflows);
    public const string Bound = nameof(Bound);
    public const string Source = nameof(Source);

    public static readonly string[] All = { Tasks, EntryPoints, Workflows, Bound, Source };
}
