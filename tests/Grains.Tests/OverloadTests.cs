using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Tests.Support;
using MemoryPlatform.Runtime.Core;
using Xunit.Abstractions;

namespace MemoryPlatform.Grains.Tests;

[Collection(RedisCollection.Name)]
public sealed class OverloadTests(RedisFixture redis, ITestOutputHelper output) : ClusterTestBase(redis, output)
{
    protected override int Silos => 1;

    public override async Task InitializeAsync() => Cluster = await GrainsCluster.StartAsync(Redis.ConnectionString, Logs, Silos,
        o => o with { Batching = new BatchingOptions { MaxGenerateBatch = 1, MaxBatchDelay = TimeSpan.Zero, MaxQueueLength = 3 } });

    [Fact]
    public async Task An_ingest_of_more_spans_than_the_queue_holds_is_encoded_in_parts_that_fit()
    {
        var tenant = await Cluster.NewTenantAsync();
        var text = Text(100, seed: 9);
        var status = await Cluster.Document(tenant, "long").Ingest(text, None);
        Assert.True(status.Spans > Cluster.Options.EncodeQueue.ReadCount, "the consumer must read more jobs at once than the queue holds");
        var ready = await Cluster.WaitReadyAsync(tenant, "long");
        Assert.Equal(status.Spans, ready.SpansDone);
        Assert.Equal(text, await Cluster.Document(tenant, "long").Reconstruct(None));
    }

    [Fact]
    public async Task More_queries_than_the_queue_holds_get_overloaded_and_the_admitted_ones_complete()
    {
        var tenant = await Cluster.NewTenantAsync();
        await Cluster.Document(tenant, "doc").Ingest("a short document", None);
        await Cluster.WaitReadyAsync(tenant, "doc");
        Cluster.Models[0].TokenDelay = TimeSpan.FromMilliseconds(20);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            try
            {
                var text = "";
                await foreach (var e in Cluster.Document(tenant, "doc").Query(new QueryRequest([], "q", MaxTokens: 16), None)) text += e.Text;
                return text;
            }
            catch (OverloadedException) // the runtime carries it as itself, wherever the grain ran (→ 429 at the gateway)
            {
                return "overloaded";
            }
        }));
        Assert.Contains("overloaded", outcomes);
        Assert.Contains("a short document", outcomes);
        Assert.All(outcomes, o => Assert.True(o is "overloaded" or "a short document", o));
    }
}
