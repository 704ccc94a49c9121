using System.Diagnostics.Metrics;
using System.Net;
using MemoryPlatform.Gateway.Tests.Fixtures;
using MemoryPlatform.Grains.Models;
using MemoryPlatform.Grains.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayApi;

namespace MemoryPlatform.Gateway.Tests;

/// <summary>
/// Calls routed through the runtime's ClusterClient when the silo running them dies. A read whose connection
/// breaks mid-call is retried once by the gateway after a membership refresh, and lands on a live silo, which
/// rebuilds the document's activation from Redis. Its own real cluster on the collection's redis-server and tiny
/// model (the shared one keeps its two silos for the other tests).
/// </summary>
[Collection(GatewayCollection.Name)]
public class SiloFailureTests(GatewayFixture fixture)
{
    [Fact]
    public async Task A_reconstruction_survives_the_kill_of_the_silo_running_it()
    {
        await using var cluster = await GrainsCluster.StartAsync(fixture.Redis.ConnectionString, NullLoggerFactory.Instance, silos: 2,
            newModel: fixture.Model.Load);
        var gateway = fixture.CreateGateway(new Dictionary<string, string?> { ["Cluster:ClusterId"] = cluster.Cluster.ClusterId });
        await WaitReadyAsync(gateway);
        var (_, key) = await fixture.CreateTenantAsync(gateway: gateway);
        using var client = gateway.Client(key);
        // 150 spans, decoded 16 tokens each: seconds of generation, so the kill lands mid-call.
        var spans = (await IngestReadyStatusAsync(client, fixture.TextOfTokens(150 * fixture.SpanLength), "long")).GetProperty("spans").GetInt32();
        Assert.True(spans >= 150);

        // The first generation queued on one of this cluster's silos names the silo running the reconstruction.
        var silos = cluster.Cluster.Silos.Select(s => s.SiloId).ToHashSet();
        var running = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == GrainsMetrics.MeterName && instrument.Name == "memplat_model_queue_length") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? silo = null, kind = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "silo") silo = tag.Value as string;
                if (tag.Key == "kind") kind = tag.Value as string;
            }
            if (value > 0 && kind == "generate" && silo is not null && silos.Contains(silo)) running.TrySetResult(silo);
        });
        listener.Start();

        var read = client.PostAsync("v1/documents/long/reconstruct", null);
        var siloId = await running.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(read.IsCompleted, "the reconstruction ended before the kill");
        await cluster.Cluster.KillSiloAsync(cluster.Cluster.Silos.Single(s => s.SiloId == siloId));

        using var response = await read.WaitAsync(TimeSpan.FromMinutes(3));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await ReadJson(response);
        Assert.Equal("long", body.GetProperty("id").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.String, body.GetProperty("text").ValueKind);
    }
}
