using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Membership;
using MemoryPlatform.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace MemoryPlatform.Runtime.Tests;

[Collection(ClusterCollection.Name)]
public sealed class FailoverTests(RedisFixture redis, ITestOutputHelper output) : ClusterTestBase(redis, output)
{
    [Fact]
    public async Task A_killed_silo_is_declared_dead_and_its_grains_reactivate_elsewhere()
    {
        var keys = Enumerable.Range(0, 30).Select(_ => NewKey("failover")).ToArray();
        foreach (var key in keys) await Cluster.GrainFactory().GetGrain<ICounterGrain>(key).Increment();
        var victim = Cluster.Silos[1];
        var victimKeys = keys.Where(k => Probe.For(k).Silos.Single() == victim.SiloId).ToArray();
        Assert.NotEmpty(victimKeys);

        await Cluster.KillSiloAsync(victim);
        // Calls made right away wait (retrying undelivered attempts) until the death is declared.
        var survivor = Cluster.Silos[0].GrainFactory;
        var early = survivor.GetGrain<ICounterGrain>(victimKeys[0]).Increment();
        await Cluster.WaitForStableMembershipAsync();
        Assert.Equal(SiloStatus.Dead, Cluster.Silos[0].Membership.Current.Silos[victim.SiloId].Status);
        Assert.Equal(1, await early); // state was in memory on the dead silo: a fresh activation

        foreach (var key in keys)
        {
            var silo = await survivor.GetGrain<ICounterGrain>(key).WhereAmI();
            Assert.NotEqual(victim.SiloId, silo);
        }
        foreach (var key in victimKeys) Assert.Equal(2, Probe.For(key).Activations);
        foreach (var key in keys.Except(victimKeys)) Assert.Equal(1, Probe.For(key).Activations);
    }

    [Fact]
    public async Task A_call_in_flight_on_a_killed_silo_fails_fast_as_unavailable()
    {
        var victim = Cluster.Silos[2];
        string key;
        do key = NewKey("inflight");
        while (await Cluster.GrainFactory().GetGrain<IProbeGrain>(key).WhereAmI() != victim.SiloId);

        var call = Cluster.GrainFactory(0).GetGrain<IProbeGrain>(key).Work(25_000);
        await Eventually.TrueAsync(() => Probe.For(key).MaxInFlight == 1, "call running on the victim");
        await Cluster.KillSiloAsync(victim);
        // Not retried (the method may have run) and not left hanging until the 30 s deadline.
        await Assert.ThrowsAsync<SiloUnavailableException>(() => call.WaitAsync(TimeSpan.FromSeconds(20)));

        await Cluster.WaitForStableMembershipAsync();
        Assert.NotEqual(victim.SiloId, await Cluster.GrainFactory(1).GetGrain<IProbeGrain>(key).WhereAmI());
    }

    [Fact]
    public async Task A_stopped_silo_deactivates_its_grains_and_leaves_the_cluster_cleanly()
    {
        var keys = Enumerable.Range(0, 20).Select(_ => NewKey("stop")).ToArray();
        foreach (var key in keys) await Cluster.GrainFactory().GetGrain<ICounterGrain>(key).Increment();
        var leaving = Cluster.Silos[2];
        var leavingKeys = keys.Where(k => Probe.For(k).Silos.Single() == leaving.SiloId).ToArray();
        Assert.NotEmpty(leavingKeys);

        await Cluster.StopSiloAsync(leaving);
        foreach (var key in leavingKeys) Assert.Equal(1, Probe.For(key).Deactivations); // hooks ran
        var row = (await new MembershipTable(Redis.Connection.GetDatabase(), Cluster.ClusterId).ReadAsync()).Silos[leaving.SiloId];
        Assert.Equal(SiloStatus.Dead, row.Status); // no waiting for failure detection
        foreach (var key in leavingKeys)
            Assert.NotEqual(leaving.SiloId, await Cluster.GrainFactory(0).GetGrain<ICounterGrain>(key).WhereAmI());
    }

    [Fact]
    public async Task A_new_silo_joins_and_takes_new_grains_while_old_ones_stay_put()
    {
        var old = Enumerable.Range(0, 10).Select(_ => NewKey("old")).ToArray();
        foreach (var key in old) await Cluster.GrainFactory().GetGrain<ICounterGrain>(key).Increment();
        var joined = await Cluster.StartSiloAsync();
        await Cluster.WaitForStableMembershipAsync();

        foreach (var key in old)
        {
            Assert.Equal(2, await joined.GrainFactory.GetGrain<ICounterGrain>(key).Increment());
            Assert.Equal(1, Probe.For(key).Activations); // directory entry beats the new rendezvous winner
        }
        var fresh = Enumerable.Range(0, 40).Select(_ => NewKey("new")).ToArray();
        foreach (var key in fresh) await Cluster.GrainFactory().GetGrain<ICounterGrain>(key).Increment();
        Assert.Contains(fresh, k => Probe.For(k).Silos.Single() == joined.SiloId);
    }
}
