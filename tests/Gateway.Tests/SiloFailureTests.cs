using System.Net;
using System.Net.Http.Json;
using MemoryPlatform.Gateway.Tests.Doubles;
using MemoryPlatform.Gateway.Tests.Fixtures;
using MemoryPlatform.Runtime.Testing;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayFixture;

namespace MemoryPlatform.Gateway.Tests;

/// <summary>
/// Calls routed through the runtime's ClusterClient when the silo running them dies. A read whose connection
/// breaks mid-call is retried once by the gateway after a membership refresh, and lands on a live silo.
/// Its own cluster (the shared one keeps its two silos for the other tests).
/// </summary>
[Collection(GatewayCollection.Name)]
public class SiloFailureTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_status_read_survives_the_kill_of_the_silo_running_it()
    {
        var documents = new InMemoryDocuments();
        await using var cluster = await TestCluster.StartAsync(new TestClusterOptions
        {
            RedisConnectionString = fixture.Redis.ConnectionString,
            InitialSilos = 2,
            Grains = ClusterGrains.Registry(),
            ConfigureServices = s => ClusterGrains.ConfigureServices(s, fixture.Redis.ConnectionString, documents),
        });
        var gateway = fixture.CreateGateway(new Dictionary<string, string?> { ["Cluster:ClusterId"] = cluster.ClusterId });
        await WaitReadyAsync(gateway);
        var (_, key) = await fixture.CreateTenantAsync(gateway: gateway);
        using var client = gateway.Client(key);
        using (var ingest = await client.PostAsJsonAsync("v1/documents", new { id = "hold-kill", text = "survivor text" }))
            Assert.Equal(HttpStatusCode.Accepted, ingest.StatusCode);

        var held = documents.HeldStatusCalls.GetOrAdd("hold-kill", _ => new HeldCall());
        var read = client.GetAsync("v1/documents/hold-kill");
        var siloId = await held.Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        documents.HeldStatusCalls.TryRemove("hold-kill", out _); // the retried call must not wait again
        await cluster.KillSiloAsync(cluster.Silos.Single(s => s.SiloId == siloId));
        held.Release.TrySetResult();

        using var response = await read.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hold-kill", (await ReadJson(response)).GetProperty("id").GetString());
    }
}
