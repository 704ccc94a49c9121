using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Models;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Grains.Tests.Support;
using MemoryPlatform.ModelCore.Icae;
using Xunit.Abstractions;

namespace MemoryPlatform.Grains.Tests;

/// <summary>The grains on the real ICAE model (libtorch, bf16, a real tokenizer), not the test double.</summary>
[Collection(RedisCollection.Name)]
public sealed class RealModelTests(RedisFixture redis, ITestOutputHelper output, TinyIcaeModelFixture fixture)
    : ClusterTestBase(redis, output), IClassFixture<TinyIcaeModelFixture>
{
    private TinyIcaeModel Model => fixture.Model;

    // One span per encode call: kernels round differently at other batch shapes, and byte-identical slots across
    // silos need the same shapes everywhere (GrainsOptions.Batching.MaxEncodeBatch explains the production default).
    private static GrainsOptions OneSpanPerEncode(GrainsOptions o) => o with { Batching = o.Batching with { MaxEncodeBatch = 1 } };

    public override async Task InitializeAsync() =>
        Cluster = await GrainsCluster.StartAsync(Redis.ConnectionString, Logs, Silos, OneSpanPerEncode, newModel: Model.Load);

    private static string Document(int sentences) => string.Join(' ', Enumerable.Range(0, sentences).Select(TinyIcaeModel.Sentence));

    [Fact]
    public async Task Ingest_on_the_real_model_survives_killing_its_silo_and_every_blob_matches_a_single_silo_encode()
    {
        var tenant = await Cluster.NewTenantAsync();
        var text = Document(400);
        var status = await Cluster.Document(tenant, "doc").Ingest(text, None);
        var ownerId = await Cluster.OwnerOfAsync<IDocumentGrain>(GrainKeys.Document(tenant, "doc"));
        await Cluster.Cluster.KillSiloAsync(Cluster.Cluster.Silos.Single(s => s.SiloId == ownerId));

        var done = await Cluster.WaitReadyAsync(tenant, "doc", TimeSpan.FromMinutes(3));
        Assert.Equal(status.Spans, done.SpansDone);
        Assert.True(done.Spans > 50, $"only {done.Spans} spans: the kill should land mid-ingest");

        await using var single = await GrainsCluster.StartAsync(Redis.ConnectionString, Logs, silos: 1, OneSpanPerEncode, newModel: Model.Load);
        var reference = await single.NewTenantAsync();
        await single.Document(reference, "doc").Ingest(text, None);
        await single.WaitReadyAsync(reference, "doc", TimeSpan.FromMinutes(3));
        for (var i = 0; i < done.Spans; i++)
        {
            var actual = (byte[])(await Cluster.Redis.Slots.StringGetAsync(RedisKeys.Span(tenant, "doc", i)))!;
            var expected = (byte[])(await single.Redis.Slots.StringGetAsync(RedisKeys.Span(reference, "doc", i)))!;
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"span {i} differs");
            Assert.Equal(4, SlotBlob.ReadHeader(actual).Rows);
        }
    }

    [Fact]
    public void A_raw_context_reference_is_refused_as_a_silos_adapter()
    {
        var dir = Directory.CreateTempSubdirectory("memplat-reference-").FullName;
        try
        {
            foreach (var file in Directory.GetFiles(Model.AdapterDir)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
            var config = Path.Combine(dir, IcaeConfig.FileName);
            (IcaeConfig.Load(config) with { DecoderLora = true }).Save(config);
            var e = Assert.Throws<InvalidDataException>(() => IcaeMemoryModel.Load(Model.ModelDir, dir, "cpu"));
            Assert.Contains("raw-context reference", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_query_streams_the_decoders_tokens_over_the_real_slots_and_reports_usage()
    {
        var tenant = await Cluster.NewTenantAsync();
        await Cluster.Document(tenant, "a").Ingest(Document(12), None);
        await Cluster.Document(tenant, "b").Ingest(Document(6), None);
        var a = await Cluster.WaitReadyAsync(tenant, "a");
        var b = await Cluster.WaitReadyAsync(tenant, "b");

        var events = new List<QueryEvent>();
        await foreach (var e in Cluster.Document(tenant, "a", silo: 2).Query(new QueryRequest(["a", "b"], "Who lit the light?", MaxTokens: 8), None))
            events.Add(e);
        var usage = Assert.Single(events, e => e.Usage is not null).Usage!;
        Assert.Equal((a.Spans + b.Spans) * 4, usage.MemorySlots);
        Assert.Equal(events.Count - 1, usage.CompletionTokens);
        Assert.InRange(usage.CompletionTokens, 1, 8);
        Assert.False(string.IsNullOrEmpty(await Cluster.Document(tenant, "a").Reconstruct(None)));
    }
}

/// <summary>Builds the tiny real model once for the test class.</summary>
public sealed class TinyIcaeModelFixture : IDisposable
{
    public TinyIcaeModel Model { get; } = new();
    public void Dispose() => Model.Dispose();
}
