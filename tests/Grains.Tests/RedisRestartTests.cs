using MemoryPlatform.Runtime.Tests.Support;
using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Grains.Tests.Support;
using MemoryPlatform.Runtime.Testing;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace MemoryPlatform.Grains.Tests;

/// <summary>Own redis-server (restarted under the cluster), so it runs outside the shared collection.</summary>
public sealed class RedisRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ILoggerFactory _logs = XunitLoggerProvider.CreateFactory(output);
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync(new RedisServerOptions { AppendOnly = true });

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        _logs.Dispose();
    }

    [Fact]
    public async Task Documents_and_slots_survive_a_redis_restart_with_aof_and_calls_succeed_after()
    {
        await using var cluster = await GrainsCluster.StartAsync(_redis.ConnectionString, _logs, silos: 2);
        var tenant = await cluster.NewTenantAsync();
        var text = "persisted across a restart of redis";
        await cluster.Document(tenant, "doc").Ingest(text, None);
        var before = await cluster.WaitReadyAsync(tenant, "doc");
        var blob = (byte[])(await cluster.Redis.Slots.StringGetAsync(RedisKeys.Span(tenant, "doc", 0)))!;

        await _redis.RestartAsync();

        var after = await Eventually.MatchAsync(async () =>
        {
            try { return await cluster.Document(tenant, "doc", silo: 1).GetStatus(None); }
            catch (Exception) { return null; } // connections come back within a few seconds
        }, s => s is not null, "status readable after the restart");
        Assert.Equal(before, after);
        Assert.Equal(blob, (byte[])(await cluster.Redis.Slots.StringGetAsync(RedisKeys.Span(tenant, "doc", 0)))!);
        Assert.Equal(text, await cluster.Document(tenant, "doc").Reconstruct(None));
        await cluster.Cluster.WaitForStableMembershipAsync();

        // New work flows: the consumers' group survived in the AOF.
        await cluster.Document(tenant, "doc").Append(" and appended after", None);
        await cluster.WaitReadyAsync(tenant, "doc");
        Assert.Equal(text + " and appended after", await cluster.Document(tenant, "doc", silo: 1).Reconstruct(None));
    }

    private static readonly CancellationToken None = CancellationToken.None;
}
