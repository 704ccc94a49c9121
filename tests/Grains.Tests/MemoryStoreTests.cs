using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Grains.Tests.Support;
using MemoryPlatform.ModelCore.Icae;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace MemoryPlatform.Grains.Tests;

/// <summary>The slot store's compare-and-set writes on a real redis-server: staged blobs renamed into place, in batches.</summary>
[Collection(RedisCollection.Name)]
public sealed class MemoryStoreTests(RedisFixture redis) : IAsyncLifetime
{
    private static readonly ModelFingerprint Fp = ModelFingerprint.Of("store-test");
    private ConnectionMultiplexer connection = null!;
    private MemoryStore store = null!;
    private readonly string tenant = "t" + Guid.NewGuid().ToString("N")[..8];

    public async Task InitializeAsync()
    {
        connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        store = new MemoryStore(new RedisStores(connection, connection), NullLogger<MemoryStore>.Instance);
    }

    public Task DisposeAsync()
    {
        connection.Dispose();
        return Task.CompletedTask;
    }

    private static byte[] Blob(float value) => SlotBlob.Encode([value, value, value, value], 2, 2, Fp);

    private IDatabase Db => connection.GetDatabase();

    [Fact]
    public async Task A_batch_stores_every_span_in_order_and_refuses_versions_older_than_the_stored_one()
    {
        Assert.True(await store.WriteAsync(tenant, "d", 1, 5, Blob(1)));
        var written = await store.WriteSpansAsync(tenant, "d",
        [
            new SpanWrite(0, 3, Blob(10)),
            new SpanWrite(1, 4, Blob(11)),      // older than the stored 5: refused
            new SpanWrite(2, 7, Blob(12)),
            new SpanWrite(2, 6, Blob(13)),      // older than the 7 written just before in this batch: refused
            new SpanWrite(0, 3, Blob(10)),      // the same span version again (a job delivered twice): written once
        ]);

        Assert.Equal([true, false, true, false, true], written);
        var reads = await store.ReadSpansAsync(tenant, "d", 3, Fp, CancellationToken.None);
        Assert.Equal([10f, 1f, 12f], reads.Select(r => r.Matrix!.Values[0]));
        Assert.True(await store.WriteAsync(tenant, "d", 0, 3, Blob(14)));   // a later re-encode of the same version overwrites
        Assert.Equal(14f, (await store.ReadSpansAsync(tenant, "d", 1, Fp, CancellationToken.None))[0].Matrix!.Values[0]);
        Assert.Equal("7", (string?)await Db.StringGetAsync(RedisKeys.SpanVersion(tenant, "d", 2)));
    }

    [Fact]
    public async Task Stored_blobs_have_no_expiry_and_no_staged_blob_is_left_behind()
    {
        await store.WriteSpansAsync(tenant, "e", [new SpanWrite(0, 2, Blob(1)), new SpanWrite(1, 2, Blob(2))]);
        Assert.False(await store.WriteAsync(tenant, "e", 0, 1, Blob(3)));

        Assert.Null(await Db.KeyTimeToLiveAsync(RedisKeys.Span(tenant, "e", 0)));
        Assert.Null(await Db.KeyTimeToLiveAsync(RedisKeys.Span(tenant, "e", 1)));
        var keys = await MemoryStore.ScanAsync(Db, RedisKeys.SpanPrefix(tenant, "e") + "*", CancellationToken.None);
        Assert.DoesNotContain(keys, k => ((string)k!).Contains(":staged:"));
        Assert.Equal(4, keys.Count);                                       // two blobs, two versions
    }

    [Fact]
    public async Task A_staged_blob_that_vanished_is_reported_and_nothing_is_written()
    {
        // The script alone, as if a concurrent writer of the same span version had renamed the staged blob first.
        var staged = RedisKeys.SpanStaged(tenant, "f", 0, 1);
        await Db.KeyDeleteAsync(staged);
        var script = typeof(MemoryStore).GetField("WriteScript", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        var result = (long[])(await Db.ScriptEvaluateAsync((string)script.GetValue(null)!,
            [RedisKeys.Span(tenant, "f", 0), RedisKeys.SpanVersion(tenant, "f", 0), staged], [1]))!;

        Assert.Equal([-1L], result);
        Assert.False(await Db.KeyExistsAsync(RedisKeys.Span(tenant, "f", 0)));
        Assert.False(await Db.KeyExistsAsync(RedisKeys.SpanVersion(tenant, "f", 0)));
    }
}
