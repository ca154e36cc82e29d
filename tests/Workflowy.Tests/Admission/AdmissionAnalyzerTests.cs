using System.Globalization;
using Workflowy.Tests.Infrastructure;

namespace Workflowy.Tests;

/// <summary>WFY021-WFY024: the checks of [ConcurrencyKey] and [CacheResult].</summary>
public class AdmissionAnalyzerTests
{
    [Fact]
    public void ValidKeysAndCaches_HaveNoDiagnostics()
    {
        Markup.VerifyAnalyzer("""
            using System.Threading;
            using Workflowy;
            public record Tenant(string Id);
            public partial class W
            {
                [Task] public int Load(int x) => x;
                [Task, DependsOn(nameof(Load)), ConcurrencyKey(nameof(tenant), MaxRunning = 2, OnLimit = ConcurrencyLimit.Reuse, OnArgumentMismatch = ArgumentMismatch.KeepFirst)]
                [CacheResult("1.00:00:00", Exclude = new[] { nameof(ids) })]
                public int Sync(Tenant tenant, int load, int[] ids, CancellationToken ct) => load;
                [Task, ConcurrencyKey] public void TaskLevel() { }
            }
            """);
    }

    [Fact]
    public void WFY021_AKeyOrAnExclusionThatIsNotAParameter()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using System.Threading;
            using Workflowy;
            public partial class W
            {
                [Task, {|WFY021:ConcurrencyKey("tenantId")|}] public void Sync(string tenant) { }
                [Task, {|WFY021:CacheResult("00:01:00", Exclude = new[] { "ct" })|}] public int Price(int sku, CancellationToken ct) => sku;
            }
            """);
        var message = diagnostics[0].GetMessage(CultureInfo.InvariantCulture);
        Assert.Contains("ConcurrencyKey names 'tenantId', which is not a parameter of task 'Sync' (its parameters: tenant)", message);
        Assert.Contains("nameof", message);
        Assert.Contains("its parameters: sku", diagnostics[1].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY022_LimitsOutOfRange()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task, {|WFY022:ConcurrencyKey(nameof(t), MaxRunning = 0)|}] public void A(string t) { }
                [Task, {|WFY022:ConcurrencyKey(nameof(t), OnLimit = ConcurrencyLimit.Reuse, MaxPending = 0)|}] public void B(string t) { }
                [Task, {|WFY022:ConcurrencyKey(nameof(t), OnLimit = ConcurrencyLimit.Reject, MaxPending = 3)|}] public void C(string t) { }
                [Task, {|WFY022:ConcurrencyKey(nameof(t), MaxPending = -2)|}] public void D(string t) { }
            }
            """);
        Assert.Contains("MaxRunning = 0", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
        Assert.Contains("use MaxPending = 1 or more", diagnostics[1].GetMessage(CultureInfo.InvariantCulture));
        Assert.Contains("nothing is ever pending", diagnostics[2].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY023_TimeToLiveNotAPositiveInvariantTimeSpan()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using Workflowy;
            public partial class W
            {
                [Task, {|WFY023:CacheResult("10 minutes")|}] public int A(int x) => x;
                [Task, {|WFY023:CacheResult("00:00:00")|}] public int B(int x) => x;
                [Task, {|WFY023:CacheResult("-00:05:00")|}] public int C(int x) => x;
            }
            """);
        Assert.Contains("\"00:10:00\" for ten minutes", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WFY024_ACollectionInAKey_IsComparedByReference()
    {
        var diagnostics = Markup.VerifyAnalyzer("""
            using System.Collections.Generic;
            using Workflowy;
            public partial class W
            {
                [Task, ConcurrencyKey(nameof(ids))] public void A(int[] {|WFY024:ids|}) { }
                [Task, CacheResult("00:01:00")] public int B(List<string> {|WFY024:names|}, string label) => names.Count;
            }
            """);
        Assert.Contains("concurrency key of task 'A'", diagnostics[0].GetMessage(CultureInfo.InvariantCulture));
        Assert.Contains("Exclude = new[] { nameof(names) }", diagnostics[1].GetMessage(CultureInfo.InvariantCulture));
    }
}
