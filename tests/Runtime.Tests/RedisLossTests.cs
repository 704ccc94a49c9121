using MemoryPlatform.Runtime.Directory;
using MemoryPlatform.Runtime.Hosting;
using MemoryPlatform.Runtime.Membership;
using MemoryPlatform.Runtime.Testing;
using MemoryPlatform.Runtime.Tests.Support;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace MemoryPlatform.Runtime.Tests;

/// <summary>Each test owns its redis-server, because it restarts or wipes it.</summary>
public sealed class RedisLossTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ILoggerFactory _logs = XunitLoggerProvider.CreateFactory(output);
    private RedisServer _redis = null!;
    private TestCluster _cluster = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task StartAsync(bool appendOnly)
    {
        _redis = await RedisServer.StartAsync(new RedisServerOptions { AppendOnly = appendOnly });
        _cluster = await TestCluster.StartAsync(new TestClusterOptions
        {
            RedisConnectionString = _redis.ConnectionString,
            InitialSilos = 2,
            Grains = ClusterTestBase.Grains(),
            LoggerFactory = _logs,
        });
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
        if (_redis is not null) await _redis.DisposeAsync();
        _logs.Dispose();
    }

    private async Task<string[]> ActivateCountersAsync(int count)
    {
        var keys = Enumerable.Range(0, count).Select(i => $"loss-{Guid.NewGuid():N}").ToArray();
        foreach (var key in keys) Assert.Equal(1, await _cluster.GrainFactory(0).GetGrain<ICounterGrain>(key).Increment());
        return keys;
    }

    private async Task<MembershipSnapshot> ReadTableAsync(ConnectionMultiplexer connection) =>
        await new MembershipTable(connection.GetDatabase(), _cluster.ClusterId).ReadAsync();

    [Fact]
    public async Task After_a_redis_restart_with_aof_silos_stay_members_and_calls_succeed()
    {
        await StartAsync(appendOnly: true);
        var keys = await ActivateCountersAsync(10);
        await _redis.RestartAsync(); // SHUTDOWN flushes the AOF; the server reloads it on start

        foreach (var (key, i) in keys.Select((k, i) => (k, i)))
            Assert.Equal(2, await _cluster.GrainFactory(i % 2).GetGrain<ICounterGrain>(key).Increment());
        foreach (var key in keys) Assert.Equal(1, Probe.For(key).Activations); // directory survived: no duplicates
        Assert.Equal(2, _cluster.Silos.Count); // nobody was declared dead by the outage
        await _cluster.WaitForStableMembershipAsync();
    }

    [Fact]
    public async Task A_vanished_membership_row_is_re_registered_by_the_heartbeat()
    {
        await StartAsync(appendOnly: false);
        var keys = await ActivateCountersAsync(5);
        using var connection = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var silo = _cluster.Silos[1];
        await connection.GetDatabase().HashDeleteAsync($"mp:{{{_cluster.ClusterId}}}:membership", silo.SiloId);

        await Eventually.TrueAsync(async () =>
                (await ReadTableAsync(connection)).Silos.TryGetValue(silo.SiloId, out var row) && row.Status == SiloStatus.Active,
            "row re-registered");
        foreach (var key in keys) Assert.Equal(2, await _cluster.GrainFactory(1).GetGrain<ICounterGrain>(key).Increment());
        Assert.Equal(2, _cluster.Silos.Count);
    }

    [Fact]
    public async Task After_redis_loses_everything_silos_re_register_and_re_assert_their_grains()
    {
        await StartAsync(appendOnly: false);
        var keys = await ActivateCountersAsync(10);
        using var admin = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString + ",allowAdmin=true");
        await admin.GetServer(admin.GetEndPoints()[0]).FlushAllDatabasesAsync();

        await Eventually.TrueAsync(async () =>
        {
            var table = await ReadTableAsync(admin);
            return _cluster.Silos.All(s => table.Silos.TryGetValue(s.SiloId, out var row) && row.Status == SiloStatus.Active);
        }, "both silos re-registered");
        var directory = new GrainDirectory(admin.GetDatabase(), _cluster.ClusterId);
        await Eventually.TrueAsync(async () =>
        {
            foreach (var key in keys)
                if (await directory.LookupAsync(Runtime.Core.GrainId.Create<ICounterGrain>(key)) is null) return false;
            return true;
        }, "directory entries re-asserted");

        foreach (var key in keys) Assert.Equal(2, await _cluster.GrainFactory(1).GetGrain<ICounterGrain>(key).Increment());
        foreach (var key in keys) Assert.Equal(1, Probe.For(key).Activations);
    }
}
