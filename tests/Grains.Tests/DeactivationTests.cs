using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Grains.Tests.Support;
using Xunit.Abstractions;

namespace MemoryPlatform.Grains.Tests;

[Collection(RedisCollection.Name)]
public sealed class DeactivationTests(RedisFixture redis, ITestOutputHelper output) : ClusterTestBase(redis, output)
{
    protected override int Silos => 2;

    public override async Task InitializeAsync() => Cluster = await GrainsCluster.StartAsync(Redis.ConnectionString, Logs, Silos,
        configureSilo: s => s with { Activation = s.Activation with { CollectionAge = TimeSpan.FromSeconds(2), CollectionPeriod = TimeSpan.FromMilliseconds(500) } });

    [Fact]
    public async Task An_idle_document_is_collected_and_its_next_activation_restores_everything()
    {
        var tenant = await Cluster.NewTenantAsync();
        var text = Text(15, seed: 4);
        await Cluster.Document(tenant, "doc").Ingest(text, None);
        var status = await Cluster.WaitReadyAsync(tenant, "doc");
        var key = GrainKeys.Document(tenant, "doc");
        Assert.NotNull(await Cluster.OwnerOfAsync<IDocumentGrain>(key));

        await Eventually.MatchAsync(() => Cluster.OwnerOfAsync<IDocumentGrain>(key), owner => owner is null, "document grain collected");

        Assert.Equal(status, await Cluster.Document(tenant, "doc", silo: 1).GetStatus(None));
        Assert.Equal(text, await Cluster.Document(tenant, "doc").Reconstruct(None));
        await Cluster.Document(tenant, "doc").Append("!", None);
        await Cluster.WaitReadyAsync(tenant, "doc");
        Assert.Equal(text + "!", await Cluster.Document(tenant, "doc").Reconstruct(None));
    }
}
