using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace Workflowy.Tests.Contracts;

/// <summary>
/// The run-lease contract of <see cref="IWorkflowStore"/> (<see cref="IWorkflowStore.TryAcquireRunLeaseAsync"/>,
/// <see cref="IWorkflowStore.RenewRunLeaseAsync"/>, <see cref="IWorkflowStore.ReleaseRunLeaseAsync"/>), run against each
/// store by a derived class. <see cref="Store"/> and <see cref="Other"/> stand for two processes: the same instance for
/// a store in memory, two instances on the same directory or file otherwise. This file is compiled into
/// tests/Workflowy.Sqlite.Tests too.
/// </summary>
public abstract class RunLeaseContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(30);

    protected abstract IWorkflowStore Store { get; }

    /// <summary>Another store on the same data (a new instance for the file stores).</summary>
    protected abstract IWorkflowStore Other();

    [Fact]
    public async Task AFreeRun_IsLeased_UntilNowPlusTheDuration()
    {
        var lease = await Store.TryAcquireRunLeaseAsync("wf", "r1", "a", T0, Duration);

        Assert.Equal(new RunLease(true, "a", T0 + Duration), lease);
    }

    [Fact]
    public async Task ALeasedRun_IsRefusedToAnotherOwner_WhoLearnsTheHolderAndItsExpiry()
    {
        await Store.TryAcquireRunLeaseAsync("wf", "r1", "a", T0, Duration);

        var refused = await Other().TryAcquireRunLeaseAsync("wf", "r1", "b", T0.AddSeconds(29), Duration);

        Assert.Equal(new RunLease(false, "a", T0 + Duration), refused);
    }

    [Fact]
    public async Task TheHolder_GetsItAgain_AndItsExpiryMovesOn()
    {
        await Store.TryAcquireRunLeaseAsync("wf", "r1", "a", T0, Duration);

        var again = await Other().TryAcquireRunLeaseAsync("wf", "r1", "a", T0.AddSeconds(10), Duration);

        Assert.Equal(new RunLease(true, "a", T0.AddSeconds(40)), again);
        Assert.False((await Store.TryAcquireRunLeaseAsync("wf", "r1", "b", T0.AddSeconds(35), Duration)).Acquired);
    }

    [Fact]
    public async Task AnExpiredLease_IsTakenOver()
    {
        await Store.TryAcquireRunLeaseAsync("wf", "r1", "crashed", T0, Duration);

        var taken = await Other().TryAcquireRunLeaseAsync("wf", "r1", "b", T0 + Duration, Duration);

        Assert.Equal(new RunLease(true, "b", T0 + Duration + Duration), taken);
        Assert.Equal(new RunLease(false, "b", T0 + Duration + Duration), await Store.TryAcquireRunLeaseAsync("wf", "r1", "c", T0.AddSeconds(31), Duration));
    }

    [Fact]
    public async Task Renewing_ExtendsTheHoldersLease_EvenAfterItExpired_IfNoOneTookIt()
    {
        await Store.TryAcquireRunLeaseAsync("wf", "r1", "a", T0, Duration);

        Assert.Equal(new RunLease(true, "a", T0.AddSeconds(40)), await Other().RenewRunLeaseAsync("wf", "r1", "a", T0.AddSeconds(10), Duration));
        Assert.Equal(new RunLease(true, "a", T0.AddSeconds(130)), await Store.RenewRunLeaseAsync("wf", "r1", "a", T0.AddSeconds(100), Duration));
        Assert.False((await Other().TryAcquireRunLeaseAsync("wf", "r1", "b", T0.AddSeconds(120), Duration)).Acquired);
    }

    [Fact]
    public async Task Renewing_ALeaseTakenOver_OrGone_IsRefused()
    {
        await Store.TryAcquireRunLeaseAsync("wf", "r1", "a", T0, Duration);
        await Other().TryAcquireRunLeaseAsync("wf", "r1", "b", T0.AddMinutes(1), Duration);

        Assert.Equal(new RunLease(false, "b", T0.AddSeconds(90)), await Store.RenewRunLeaseAsync("wf", "r1", "a", T0.AddMinutes(1), Duration));
        await Other().ReleaseRunLeaseAsync("wf", "r1", "b");
        Assert.Equal(new RunLease(false, null, default), await Store.RenewRunLeaseAsync("wf", "r1", "a", T0.AddMinutes(1), Duration));
        Assert.False((await Store.RenewRunLeaseAsync("wf", "never-leased", "a", T0, Duration)).Acquired);
    }

    [Fact]
    public async Task Releasing_FreesTheRunAtOnce_ButOnlyForTheHolder()
    {
        await Store.TryAcquireRunLeaseAsync("wf", "r1", "a", T0, Duration);

        await Other().ReleaseRunLeaseAsync("wf", "r1", "b"); // not the holder: nothing happens
        Assert.False((await Other().TryAcquireRunLeaseAsync("wf", "r1", "b", T0, Duration)).Acquired);

        await Store.ReleaseRunLeaseAsync("wf", "r1", "a");
        Assert.True((await Other().TryAcquireRunLeaseAsync("wf", "r1", "b", T0.AddSeconds(1), Duration)).Acquired);
        await Store.ReleaseRunLeaseAsync("wf", "no-such-run", "a");
    }

    [Fact]
    public async Task LeasesBelongToOneRun_OfOneWorkflow()
    {
        await Store.TryAcquireRunLeaseAsync("wf", "r1", "a", T0, Duration);

        Assert.True((await Other().TryAcquireRunLeaseAsync("wf", "r2", "b", T0, Duration)).Acquired);
        Assert.True((await Other().TryAcquireRunLeaseAsync("other", "r1", "b", T0, Duration)).Acquired);
        Assert.True((await Other().TryAcquireRunLeaseAsync("wf", "r/1 with spaces/ü", "b", T0, Duration)).Acquired);
    }

    [Fact]
    public async Task ALease_IsNotARun_AndChangesNoCheckpoint()
    {
        await Store.SaveAsync(new RunCheckpoint("wf", "r1", "{}", Array.Empty<TaskRecord>(), new Dictionary<string, string> { ["k"] = "1" }));
        await Store.TryAcquireRunLeaseAsync("wf", "r1", "a", T0, Duration);
        await Store.TryAcquireRunLeaseAsync("wf", "leased-only", "a", T0, Duration);

        Assert.Null(await Other().LoadAsync("wf", "leased-only"));
        Assert.Equal("1", (await Other().LoadAsync("wf", "r1"))!.Values["k"]);
        var listing = await Other().QueryRunsAsync(new RunQuery());
        Assert.Equal("r1", Assert.Single(listing.Runs).RunId);
        Assert.Empty(listing.Unreadable);
    }

    [Fact]
    public async Task OfManyOwnersAskingAtOnce_ExactlyOneGetsAFreeRun()
    {
        var stores = Enumerable.Range(0, 8).Select(i => i % 2 == 0 ? Store : Other()).ToArray();

        var leases = await Task.WhenAll(stores.Select((store, i) => Task.Run(async () => await store.TryAcquireRunLeaseAsync("wf", "contended", "owner-" + i, T0, Duration))));

        var winner = Assert.Single(leases, l => l.Acquired);
        Assert.All(leases.Where(l => !l.Acquired), l => Assert.Equal(winner.Owner, l.Owner));
    }

    [Fact]
    public async Task OfManyOwnersTakingOverAnExpiredLease_ExactlyOneGetsIt()
    {
        await Store.TryAcquireRunLeaseAsync("wf", "contended", "crashed", T0, Duration);
        var stores = Enumerable.Range(0, 8).Select(i => i % 2 == 0 ? Store : Other()).ToArray();

        var leases = await Task.WhenAll(stores.Select((store, i) => Task.Run(async () => await store.TryAcquireRunLeaseAsync("wf", "contended", "owner-" + i, T0.AddMinutes(5), Duration))));

        var winner = Assert.Single(leases, l => l.Acquired);
        Assert.NotEqual("crashed", winner.Owner);
    }
}
