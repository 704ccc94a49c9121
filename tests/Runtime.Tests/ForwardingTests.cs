using System.Diagnostics.Metrics;
using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Hosting;
using MemoryPlatform.Runtime.Testing;
using MemoryPlatform.Runtime.Tests.Support;
using Xunit.Abstractions;

namespace MemoryPlatform.Runtime.Tests;

/// <summary>Calls that reach a silo without the grain's activation (a caller's stale location) are passed to the owner.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ForwardingTests(RedisFixture redis, ITestOutputHelper output) : ClusterTestBase(redis, output)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Calls_sent_to_silos_without_the_activation_run_once_on_the_owner()
    {
        var key = NewKey("forward");
        var owner = await Cluster.GrainFactory().GetGrain<ICounterGrain>(key).WhereAmI();
        var others = Cluster.Silos.Where(s => s.SiloId != owner).ToList();
        Assert.Equal(2, others.Count);
        using var forwards = new ForwardCounter();
        using var caller = new SiloCaller();

        foreach (var silo in Cluster.Silos)
            Assert.Equal(owner, await caller.CallAsync<ICounterGrain, string>(silo.Address, key, nameof(ICounterGrain.WhereAmI), [], None));
        var counts = new List<int>();
        for (var i = 0; i < 10; i++)
            counts.Add(await caller.CallAsync<ICounterGrain, int>(others[i % 2].Address, key, nameof(ICounterGrain.Increment), [], None));

        Assert.Equal(Enumerable.Range(1, 10), counts); // each forwarded call ran exactly once, in order
        Assert.Equal(1, Probe.For(key).Activations);
        foreach (var silo in others) Assert.Equal(6, forwards.Of(silo)); // 1 WhereAmI + 5 Increment each
        Assert.Equal(0, forwards.Of(Cluster.Silos.Single(s => s.SiloId == owner)));
    }

    [Fact]
    public async Task A_forwarded_call_returns_the_grains_error_typed()
    {
        var key = NewKey("forward-error");
        var owner = await Cluster.GrainFactory().GetGrain<IProbeGrain>(key).WhereAmI();
        var other = Cluster.Silos.First(s => s.SiloId != owner);
        using var caller = new SiloCaller();

        var error = await Assert.ThrowsAsync<GrainCallException>(() =>
            caller.CallAsync<IProbeGrain, int>(other.Address, key, nameof(IProbeGrain.Fail), ["boom 7"], None));
        Assert.Equal("boom 7", error.Message);
        Assert.Equal(typeof(InvalidOperationException).FullName, error.RemoteExceptionType);
    }

    /// <summary>Counts the runtime's forwarded-call metric per silo (silo ids are unique per test cluster).</summary>
    private sealed class ForwardCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _bySilo = [];

        public ForwardCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == RuntimeMetrics.MeterName && instrument.Name == "memplat.runtime.calls.forwarded")
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                    if (tag is { Key: "silo", Value: string silo })
                        lock (_bySilo) _bySilo[silo] = _bySilo.GetValueOrDefault(silo) + value;
            });
            _listener.Start();
        }

        public long Of(Silo silo)
        {
            lock (_bySilo) return _bySilo.GetValueOrDefault(silo.SiloId);
        }

        public void Dispose() => _listener.Dispose();
    }
}
