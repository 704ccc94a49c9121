using MemoryPlatform.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace MemoryPlatform.Runtime.Tests;

[Collection(ClusterCollection.Name)]
public sealed class SingleActivationTests(RedisFixture redis, ITestOutputHelper output) : ClusterTestBase(redis, output)
{
    [Fact]
    public async Task Three_silos_hammering_one_grain_keep_one_activation_and_an_exact_count()
    {
        var key = NewKey("counter");
        var silos = Cluster.Silos;
        // 30 callers x 10 increments, spread over all silos, all starting before the grain exists.
        var callers = Enumerable.Range(0, 30).Select(i => Task.Run(async () =>
        {
            var grain = silos[i % silos.Count].GrainFactory.GetGrain<ICounterGrain>(key);
            for (var n = 0; n < 10; n++) await grain.Increment();
        }));
        await Task.WhenAll(callers);

        foreach (var silo in silos)
            Assert.Equal(300, await silo.GrainFactory.GetGrain<ICounterGrain>(key).Get());
        Assert.Equal(1, Probe.For(key).Activations);
    }

    [Fact]
    public async Task Many_grains_spread_over_the_silos_each_activated_once()
    {
        var keys = Enumerable.Range(0, 60).Select(_ => NewKey("spread")).ToArray();
        var silos = Cluster.Silos;
        await Task.WhenAll(keys.SelectMany(key => silos.Select(s => s.GrainFactory.GetGrain<ICounterGrain>(key).Increment())));

        foreach (var key in keys)
        {
            Assert.Equal(silos.Count, await Cluster.GrainFactory().GetGrain<ICounterGrain>(key).Get());
            Assert.Equal(1, Probe.For(key).Activations);
        }
        var hosts = keys.Select(k => Probe.For(k).Silos.Single()).Distinct().Count();
        Assert.Equal(silos.Count, hosts); // placement used every silo
        Assert.Equal(keys.Length, silos.Sum(s => s.ActivationCount));
    }
}
