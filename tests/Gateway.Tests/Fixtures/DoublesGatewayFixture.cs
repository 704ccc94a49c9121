using MemoryPlatform.Gateway.Tests.Doubles;
using MemoryPlatform.Runtime.Testing;

namespace MemoryPlatform.Gateway.Tests.Fixtures;

/// <summary>
/// The gateway in front of silos hosting the in-memory grain doubles of <see cref="ClusterGrains"/>, for the few
/// tests of gateway logic whose trigger the real platform cannot produce on demand: a grain call held open until
/// its deadline passes, a full model queue, a decoder failing mid-answer, and a grain that reports the cancellation
/// it received. Everything else runs on <see cref="GatewayFixture"/>.
/// </summary>
public class DoublesGatewayFixture : GatewayFixtureBase
{
    public TestCluster Cluster { get; private set; } = null!;
    public InMemoryDocuments Documents { get; } = new();

    protected override string ClusterId => Cluster.ClusterId;

    protected override async Task StartClusterAsync() => Cluster = await TestCluster.StartAsync(new TestClusterOptions
    {
        RedisConnectionString = Redis.ConnectionString,
        InitialSilos = 2,
        Grains = ClusterGrains.Registry(),
        ConfigureServices = s => ClusterGrains.ConfigureServices(s, Redis.ConnectionString, Documents),
    });

    protected override async ValueTask StopClusterAsync()
    {
        if (Cluster is not null) await Cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class DoublesGatewayCollection : ICollectionFixture<DoublesGatewayFixture>
{
    public const string Name = "gateway-doubles";
}
