namespace Workflowy.Tests.Workflows.Catalog.Other;

/// <summary>The second <c>CatalogTwin</c>: same short name, another namespace.</summary>
public sealed partial class CatalogTwin
{
    [Task] public int B() => 2;
}
