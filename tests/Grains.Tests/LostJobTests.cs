using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Grains.Tests.Support;
using MemoryPlatform.Runtime.Hosting;
using MemoryPlatform.Runtime.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace MemoryPlatform.Grains.Tests;

/// <summary>
/// Encode jobs lost behind a pending ingest (what a hard Redis crash does to the last XADDs before the AOF fsync): the
/// document lists spans as pending that no job will ever finish. The document grain finds them and queues them again,
/// once, on activation and when its status shows no progress.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class LostJobTests(RedisFixture redis, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly ILoggerFactory _logs = XunitLoggerProvider.CreateFactory(output);
    private GrainsCluster? _cluster;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
        _logs.Dispose();
    }

    private async Task<GrainsCluster> StartAsync(TimeSpan stallTimeout, TimeSpan collectionAge) =>
        _cluster = await GrainsCluster.StartAsync(redis.ConnectionString, _logs, silos: 2,
            configure: o => o with { EncodeQueue = o.EncodeQueue with { StallTimeout = stallTimeout } },
            configureSilo: s => s with
            {
                Activation = s.Activation with { CollectionAge = collectionAge, CollectionPeriod = TimeSpan.FromMilliseconds(500) },
            });

    /// <summary>56 spans of 16 tokens; consumers take 8 jobs each and sit on them for a while, so most jobs are still
    /// in the stream when it is cut.</summary>
    private static async Task<(string Tenant, string Text, DocumentStatus Status)> IngestSlowlyAsync(GrainsCluster cluster, TimeSpan encodeDelay)
    {
        foreach (var model in cluster.Models) model.EncodeDelay = encodeDelay;
        var tenant = await cluster.NewTenantAsync();
        var text = string.Join(' ', Enumerable.Range(0, 200).Select(i => $"w{i}"));
        var status = await cluster.Document(tenant, "doc").Ingest(text, None);
        return (tenant, text, status);
    }

    /// <summary>Waits until consumers hold jobs (read, not yet acknowledged): those finish, the rest of the stream is then cut.</summary>
    private static Task HeldJobsAsync(GrainsCluster cluster) =>
        Eventually.MatchAsync(async () => (RedisResult[])(await cluster.Db.ExecuteAsync("XPENDING",
                cluster.Options.EncodeQueue.StreamKey, cluster.Options.EncodeQueue.Group))!,
            summary => (long)summary[0] > 0, "consumers hold jobs");

    /// <summary>Every span's slots are the encode of its own tokens, each span was encoded exactly once, no job is left.</summary>
    private static async Task AssertRightSlotsEncodedOnceAsync(GrainsCluster cluster, string tenant, string text, int spans)
    {
        var model = cluster.Models[0];
        var tokens = model.Tokenize(text);
        var reads = await cluster.Services.GetRequiredService<MemoryStore>().ReadSpansAsync(tenant, "doc", spans, model.Fingerprint, None);
        for (var i = 0; i < spans; i++)
        {
            Assert.Null(reads[i].Problem);
            Assert.Equal(tokens.Skip(i * model.SpanLength).Take(model.SpanLength), TestMemoryModel.TokensOf(reads[i].Matrix!));
        }
        Assert.Equal(spans, cluster.Models.Sum(m => m.EncodedSpans));
        await cluster.DrainAsync();
        Assert.Equal(text, await cluster.Document(tenant, "doc").Reconstruct(None));
    }

    [Fact]
    public async Task A_document_whose_queued_jobs_were_lost_finishes_after_it_reactivates()
    {
        // No stall check in this test: only the new activation can notice.
        var cluster = await StartAsync(stallTimeout: TimeSpan.FromHours(1), collectionAge: TimeSpan.FromSeconds(2));
        var (tenant, text, status) = await IngestSlowlyAsync(cluster, TimeSpan.FromMilliseconds(300));
        Assert.True(status.Spans >= 40, $"{status.Spans} spans");
        await HeldJobsAsync(cluster);
        await cluster.Db.KeyDeleteAsync(cluster.Options.EncodeQueue.StreamKey); // the stream, its group and every job in it

        // The jobs the consumers held finish; the others are gone, and the document stays encoding.
        await Eventually.MatchAsync(() => cluster.OwnerOfAsync<IDocumentGrain>(GrainKeys.Document(tenant, "doc")),
            owner => owner is null, "document grain collected");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var stuck = (await cluster.Services.GetRequiredService<DocumentStore>().GetAsync(tenant, "doc"))!;
        Assert.Equal(DocumentState.Encoding, stuck.State);
        Assert.InRange(stuck.Done, 1, status.Spans - 20);
        Assert.Equal(0, await cluster.Queue.LengthAsync());
        var encodedBefore = cluster.Models.Sum(m => m.EncodedSpans);
        Assert.Equal(stuck.Done, encodedBefore);

        foreach (var model in cluster.Models) model.EncodeDelay = TimeSpan.Zero;
        var ready = await cluster.WaitReadyAsync(tenant, "doc", TimeSpan.FromSeconds(60));
        Assert.Equal(status.Spans, ready.SpansDone);
        await AssertRightSlotsEncodedOnceAsync(cluster, tenant, text, status.Spans);
    }

    [Fact]
    public async Task A_live_document_whose_jobs_were_trimmed_away_finishes_once_its_status_shows_no_progress()
    {
        // The grain stays active (polled), as after a Redis restart that silos and grains survive.
        var cluster = await StartAsync(stallTimeout: TimeSpan.FromSeconds(2), collectionAge: TimeSpan.FromHours(1));
        var (tenant, text, status) = await IngestSlowlyAsync(cluster, TimeSpan.FromMilliseconds(300));
        await HeldJobsAsync(cluster);
        await cluster.Db.ExecuteAsync("XTRIM", cluster.Options.EncodeQueue.StreamKey, "MAXLEN", "0"); // jobs gone, group kept

        var ready = await cluster.WaitReadyAsync(tenant, "doc", TimeSpan.FromSeconds(60));
        Assert.Equal(status.Spans, ready.SpansDone);
        await AssertRightSlotsEncodedOnceAsync(cluster, tenant, text, status.Spans);
    }

    [Fact]
    public async Task Checks_of_a_document_whose_jobs_are_all_queued_add_no_jobs()
    {
        // Slow encodes and a short stall timeout: the document looks stalled again and again while its jobs wait.
        var cluster = await StartAsync(stallTimeout: TimeSpan.FromMilliseconds(500), collectionAge: TimeSpan.FromHours(1));
        var (tenant, text, status) = await IngestSlowlyAsync(cluster, TimeSpan.FromSeconds(1));
        var maxQueued = 0L;
        await Eventually.MatchAsync(async () =>
        {
            maxQueued = Math.Max(maxQueued, await cluster.Queue.LengthAsync());
            return await cluster.Document(tenant, "doc").GetStatus(None);
        }, s => s!.Status == DocumentState.Ready, "document ready", TimeSpan.FromSeconds(120));

        Assert.InRange(maxQueued, 1, status.Spans);
        await AssertRightSlotsEncodedOnceAsync(cluster, tenant, text, status.Spans);
    }
}
