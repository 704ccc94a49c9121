using MemoryPlatform.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace MemoryPlatform.Runtime.Tests;

[Collection(ClusterCollection.Name)]
public sealed class TurnBasedTests(RedisFixture redis, ITestOutputHelper output) : ClusterTestBase(redis, output)
{
    protected override int InitialSilos => 2;

    [Fact]
    public async Task Normal_requests_never_overlap_even_across_awaits()
    {
        var key = NewKey("turns");
        var silos = Cluster.Silos;
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            silos[i % silos.Count].GrainFactory.GetGrain<IProbeGrain>(key).Work(30)));
        Assert.Equal(1, Probe.For(key).MaxInFlight);
    }

    [Fact]
    public async Task Read_only_requests_interleave_with_each_other()
    {
        var key = NewKey("reads");
        var grain = Cluster.GrainFactory().GetGrain<IProbeGrain>(key);
        await grain.Nothing(); // activate first, so all reads arrive at a live activation
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => grain.Read(1000)));
        Assert.True(Probe.For(key).MaxInFlight > 1, $"max in flight {Probe.For(key).MaxInFlight}");
    }

    [Fact]
    public async Task Always_interleave_requests_run_beside_a_normal_one()
    {
        var key = NewKey("interleave");
        var grain = Cluster.GrainFactory().GetGrain<IProbeGrain>(key);
        await grain.Nothing();
        var slow = grain.Work(3000);
        await Eventually.TrueAsync(() => Probe.For(key).MaxInFlight >= 1, "work started");
        await grain.Interleaved(1); // completes while Work still holds the turn
        Assert.False(slow.IsCompleted);
        Assert.Equal(2, Probe.For(key).MaxInFlight);
        await slow;
    }

    [Fact]
    public async Task Grain_to_grain_calls_keep_counts_exact()
    {
        var counter = NewKey("target");
        var callers = Enumerable.Range(0, 6).Select(_ => NewKey("caller")).ToArray();
        await Task.WhenAll(callers.SelectMany(c => Enumerable.Range(0, 10).Select(_ =>
            Cluster.GrainFactory(1).GetGrain<IProbeGrain>(c).IncrementCounter(counter))));
        Assert.Equal(60, await Cluster.GrainFactory().GetGrain<ICounterGrain>(counter).Get());
    }
}
