using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Grains.Tests.Support;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace MemoryPlatform.Grains.Tests;

[Collection(RedisCollection.Name)]
public sealed class FailoverTests(RedisFixture redis, ITestOutputHelper output) : ClusterTestBase(redis, output)
{
    [Fact]
    public async Task Ingest_completes_when_the_silo_running_it_is_killed_and_blobs_match_a_healthy_ingest()
    {
        var tenant = await Cluster.NewTenantAsync();
        var text = Text(120, seed: 7); // ~70 spans
        foreach (var model in Cluster.Models) model.EncodeDelay = TimeSpan.FromMilliseconds(60);
        var status = await Cluster.Document(tenant, "big").Ingest(text, None);
        var ownerId = await Cluster.OwnerOfAsync<IDocumentGrain>(GrainKeys.Document(tenant, "big"));
        var owner = Cluster.Cluster.Silos.Single(s => s.SiloId == ownerId);
        await Eventually.MatchAsync(() => Cluster.Document(tenant, "big").GetStatus(None),
            s => s!.SpansDone >= 4, "encoding under way");

        await Cluster.Cluster.KillSiloAsync(owner);
        var done = await Cluster.WaitReadyAsync(tenant, "big", TimeSpan.FromSeconds(120));
        Assert.Equal(status.Spans, done.SpansDone);
        Assert.NotEqual(ownerId, await Cluster.OwnerOfAsync<IDocumentGrain>(GrainKeys.Document(tenant, "big")));

        // The same text ingested on a single healthy silo (another tenant: no shared encodes) gives the same bytes.
        await using var single = await GrainsCluster.StartAsync(Redis.ConnectionString, Logs, silos: 1);
        var reference = await single.NewTenantAsync();
        await single.Document(reference, "big").Ingest(text, None);
        await single.WaitReadyAsync(reference, "big", TimeSpan.FromSeconds(120));
        for (var i = 0; i < status.Spans; i++)
        {
            var actual = (byte[])(await Cluster.Redis.Slots.StringGetAsync(RedisKeys.Span(tenant, "big", i)))!;
            var expected = (byte[])(await single.Redis.Slots.StringGetAsync(RedisKeys.Span(reference, "big", i)))!;
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"span {i} differs");
        }
        Assert.Equal(text, await Cluster.Document(tenant, "big", silo: 1).Reconstruct(None));
    }

    [Fact]
    public async Task Jobs_pending_on_a_dead_consumer_are_claimed_by_the_others()
    {
        var tenant = await Cluster.NewTenantAsync();
        var victim = Cluster.Cluster.Silos[2];
        // The healthy consumers are slow, so they cannot take the whole stream before the victim's next poll (CI saw
        // a 22-span document encoded by the other two in 30 ms); the victim takes a batch and never finishes it.
        foreach (var silo in Cluster.Cluster.Silos) Cluster.ModelOf(silo).EncodeDelay = TimeSpan.FromSeconds(1);
        Cluster.ModelOf(victim).EncodeDelay = TimeSpan.FromSeconds(30);
        var docs = new List<string>();
        for (var attempt = 0; attempt < 4 && !await VictimHoldsJobsAsync(); attempt++)
        {
            var doc = $"doc-{attempt}";
            docs.Add(doc);
            await Cluster.Document(tenant, doc).Ingest(Text(60, seed: 8 + attempt), None);
            try { await Eventually.MatchAsync(VictimHoldsJobsAsync, held => held, "the victim holds pending jobs", TimeSpan.FromSeconds(10)); }
            catch (TimeoutException) { } // the others took this document whole: ingest another
        }
        Assert.True(await VictimHoldsJobsAsync(), "the victim never took a job in 4 documents");

        await Cluster.Cluster.KillSiloAsync(victim);
        foreach (var doc in docs) await Cluster.WaitReadyAsync(tenant, doc, TimeSpan.FromSeconds(120));
        await Cluster.DrainAsync();

        async Task<bool> VictimHoldsJobsAsync() => ((RedisResult[])(await Cluster.Db.ExecuteAsync("XPENDING",
            Cluster.Options.EncodeQueue.StreamKey, Cluster.Options.EncodeQueue.Group, "-", "+", "100", victim.SiloId))!).Length > 0;
    }
}
