using MemoryPlatform.Runtime.Hosting;
using MemoryPlatform.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace MemoryPlatform.Runtime.Tests;

[Collection(ClusterCollection.Name)]
public sealed class LifecycleTests(RedisFixture redis, ITestOutputHelper output) : ClusterTestBase(redis, output)
{
    protected override int InitialSilos => 2;

    protected override SiloOptions ConfigureSilo(SiloOptions options) => options with
    {
        Activation = options.Activation with
        {
            CollectionAge = TimeSpan.FromSeconds(1),
            CollectionPeriod = TimeSpan.FromMilliseconds(300),
        },
    };

    [Fact]
    public async Task An_idle_grain_is_deactivated_and_its_next_call_reactivates_it_with_saved_state()
    {
        var key = NewKey("idle");
        var grain = Cluster.GrainFactory().GetGrain<IPersistentGrain>(key);
        for (var i = 0; i < 5; i++) await grain.Add(1);

        await Eventually.TrueAsync(() => Probe.For(key).Deactivations == 1, "idle deactivation");
        await Eventually.TrueAsync(() => Cluster.Silos.Sum(s => s.ActivationCount) == 0, "catalog emptied");

        Assert.Equal(5, await Cluster.GrainFactory(1).GetGrain<IPersistentGrain>(key).Get()); // OnActivateAsync loaded it
        Assert.Equal(2, Probe.For(key).Activations);
    }

    [Fact]
    public async Task DeactivateOnIdle_ends_the_activation_after_the_current_call()
    {
        var key = NewKey("deact");
        var grain = Cluster.GrainFactory().GetGrain<IProbeGrain>(key);
        await grain.DeactivateAfterThis();
        await Eventually.TrueAsync(() => Probe.For(key).Deactivations == 1, "deactivated on request");
        await grain.Nothing();
        Assert.Equal(2, Probe.For(key).Activations);
    }

    [Fact]
    public async Task A_busy_grain_is_not_collected()
    {
        var key = NewKey("busy");
        var grain = Cluster.GrainFactory().GetGrain<IProbeGrain>(key);
        await grain.Work(2500); // longer than the collection age, but busy all along
        Assert.Equal(0, Probe.For(key).Deactivations);
    }
}
