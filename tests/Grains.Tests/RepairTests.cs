using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Grains.Tenants;
using MemoryPlatform.Grains.Tests.Support;
using MemoryPlatform.ModelCore.Icae;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace MemoryPlatform.Grains.Tests;

/// <summary>
/// Documents that reads find wrong as a whole (encoded by another model, or stalled with its encode jobs lost) are
/// reported and re-encoded, on a real redis-server. Single damaged spans are DocumentTests' theory.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RepairTests(RedisFixture redis, ITestOutputHelper output) : ClusterTestBase(redis, output)
{
    protected override int Silos => 2;

    private static byte[] BlobOf(string text, int span, ModelFingerprint model) =>
        SlotBlob.Encode(TestMemoryModel.Slots(new TestMemoryModel().Tokenize(text).Skip(16 * span).Take(16).ToArray()), 4, 8,
            SlotDType.Float16, model);

    [Fact]
    public async Task A_document_encoded_by_another_model_is_reencoded_for_the_served_model_and_says_so()
    {
        var tenant = await Cluster.NewTenantAsync();
        var text = Text(30, seed: 7);
        await Cluster.Document(tenant, "doc").Ingest(text, None);
        var before = await Cluster.WaitReadyAsync(tenant, "doc");

        // The operator rolls the cluster onto another model (same shapes, another fingerprint) over the same Redis.
        await Cluster.DisposeAsync();
        Cluster = await GrainsCluster.StartAsync(Redis.ConnectionString, Logs, Silos, newModel: () => new TestMemoryModel("v2"));
        var v2 = new TestMemoryModel("v2").Fingerprint;

        await RemoteErrors.ThrowsAsync<DocumentNotReadyException>(async () =>
        {
            await foreach (var _ in Cluster.Document(tenant, "doc").Query(new QueryRequest([], "q"), None)) { }
        });
        var after = await Cluster.WaitReadyAsync(tenant, "doc");
        Assert.Contains("re-encoding all", after.Repair);
        Assert.Contains(v2.ToHex()[..12], after.Repair);
        Assert.Equal(before.Spans, after.Spans);
        for (var i = 0; i < after.Spans; i++)
            Assert.Equal(BlobOf(text, i, v2), (byte[])(await Cluster.Redis.Slots.StringGetAsync(RedisKeys.Span(tenant, "doc", i)))!);
        Assert.Equal(text, await Cluster.Document(tenant, "doc").Reconstruct(None));
        Assert.Equal(after.MemoryBytes, (await Cluster.Tenant(tenant).Get(None))!.MemoryBytes);
    }

    [Fact]
    public async Task An_encode_whose_jobs_were_lost_is_queued_again_and_the_status_says_so()
    {
        await using var cluster = await GrainsCluster.StartAsync(Redis.ConnectionString, Logs, silos: 1,
            o => o with { EncodeQueue = o.EncodeQueue with { StallTimeout = TimeSpan.FromSeconds(2) } });
        var tenant = await cluster.NewTenantAsync();
        var text = Text(25, seed: 8);

        // What a silo killed between creating a document and queueing its jobs leaves behind: the control keys only.
        var model = new TestMemoryModel();
        var tokens = model.Tokenize(text);
        var spans = (tokens.Length + 15) / 16;
        var blob = SlotBlob.SizeOf(4, 8, SlotDType.Float16);
        var reservation = await cluster.Services.GetRequiredService<TenantStore>()
            .ReserveAsync(tenant, "lost", isNew: true, spans * blob, 1000, long.MaxValue);
        var entries = Enumerable.Range(0, spans).Select(i => new SpanEntry(reservation.Version,
            StableHash.SpanContent(tenant, tokens.AsSpan(16 * i, Math.Min(16, tokens.Length - 16 * i)), model.Fingerprint),
            16 * i, Math.Min(16, tokens.Length - 16 * i))).ToList();
        var now = DateTimeOffset.UtcNow;
        Assert.True(await cluster.Services.GetRequiredService<DocumentStore>().CreateAsync(new DocumentRecord(tenant, "lost",
            DocumentState.Encoding, tokens.Length, spans, 0, model.Fingerprint.ToHex(), text.Length, blob, null, now, now), tokens, entries));

        var ready = await cluster.WaitReadyAsync(tenant, "lost");
        Assert.Contains("had no job in the encode stream, queued again", ready.Repair);
        for (var i = 0; i < spans; i++)
            Assert.Equal(BlobOf(text, i, model.Fingerprint), (byte[])(await cluster.Redis.Slots.StringGetAsync(RedisKeys.Span(tenant, "lost", i)))!);
        Assert.Equal(text, await cluster.Document(tenant, "lost").Reconstruct(None));
    }
}
