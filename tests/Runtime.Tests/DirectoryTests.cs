using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Directory;
using MemoryPlatform.Runtime.Membership;
using MemoryPlatform.Runtime.Tests.Support;

namespace MemoryPlatform.Runtime.Tests;

[Collection(ClusterCollection.Name)]
public sealed class DirectoryTests(RedisFixture redis)
{
    private readonly string _cluster = "dir-" + Guid.NewGuid().ToString("N")[..8];

    private MembershipTable Table => new(redis.Connection.GetDatabase(), _cluster);
    private GrainDirectory Directory => new(redis.Connection.GetDatabase(), _cluster);

    private async Task<string[]> AddSilosAsync(int count, SiloStatus status = SiloStatus.Active)
    {
        var ids = new string[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = $"10.1.0.{i}:1@{Guid.NewGuid():N}";
            await SetStatusAsync(ids[i], status);
        }
        return ids;
    }

    private Task SetStatusAsync(string siloId, SiloStatus status) => MembershipRows.SetStatusAsync(Table, siloId, status);

    private static DirectoryEntry EntryOf(string siloId) => new(Guid.NewGuid().ToString("N"), siloId, siloId.Split('@')[0]);

    [Fact]
    public async Task Concurrent_registrations_of_one_grain_have_exactly_one_winner()
    {
        var silos = await AddSilosAsync(6);
        for (var round = 0; round < 20; round++)
        {
            var grain = new GrainId("race", Guid.NewGuid().ToString("N"));
            var candidates = silos.Select(EntryOf).ToArray();
            var winners = await Task.WhenAll(candidates.Select(c => Task.Run(() => Directory.RegisterAsync(grain, c))));
            Assert.Single(winners.Distinct());
            Assert.Contains(winners[0], candidates);
            Assert.Equal(winners[0], await Directory.LookupAsync(grain));
        }
    }

    [Fact]
    public async Task Entries_of_live_silos_are_kept_and_of_dead_or_unknown_silos_replaced()
    {
        var silos = await AddSilosAsync(2);
        var grain = new GrainId("owner", "g1");
        var first = EntryOf(silos[0]);
        Assert.Equal(first, await Directory.RegisterAsync(grain, first));
        Assert.Equal(first, await Directory.RegisterAsync(grain, EntryOf(silos[1]))); // live owner wins

        await SetStatusAsync(silos[0], SiloStatus.Dead);
        var second = EntryOf(silos[1]);
        Assert.Equal(second, await Directory.RegisterAsync(grain, second)); // dead owner replaced

        var unknown = new GrainId("owner", "g2");
        var orphan = EntryOf("10.9.9.9:1@never-registered");
        await Directory.RegisterAsync(unknown, orphan);
        var taker = EntryOf(silos[1]);
        Assert.Equal(taker, await Directory.RegisterAsync(unknown, taker)); // silo missing from the table
    }

    [Fact]
    public async Task A_silo_replaces_its_own_stale_entry_and_unregister_removes_only_its_activation()
    {
        var silos = await AddSilosAsync(1);
        var grain = new GrainId("own", "g");
        var old = EntryOf(silos[0]);
        await Directory.RegisterAsync(grain, old);
        var fresh = EntryOf(silos[0]);
        Assert.Equal(fresh, await Directory.RegisterAsync(grain, fresh));
        Assert.False(await Directory.UnregisterAsync(grain, old.ActivationId));
        Assert.Equal(fresh, await Directory.LookupAsync(grain));
        Assert.True(await Directory.UnregisterAsync(grain, fresh.ActivationId));
        Assert.Null(await Directory.LookupAsync(grain));
    }

    [Fact]
    public async Task Membership_writes_are_compare_and_swap()
    {
        var silos = await AddSilosAsync(2);
        var snapshot = await Table.ReadAsync();
        var a = snapshot.Silos[silos[0]] with { Status = SiloStatus.ShuttingDown };
        var b = snapshot.Silos[silos[1]] with { Status = SiloStatus.ShuttingDown };
        Assert.True(await Table.TryWriteAsync(a, snapshot));
        Assert.False(await Table.TryWriteAsync(b, snapshot)); // Version moved

        // A heartbeat changes the row (not Version): a decision based on the old row must fail too.
        var fresh = await Table.ReadAsync();
        await Task.Delay(5);
        Assert.Equal(HeartbeatResult.Alive, await Table.HeartbeatAsync(silos[1]));
        Assert.False(await Table.TryWriteAsync(fresh.Silos[silos[1]] with { Status = SiloStatus.Dead }, fresh));
        Assert.Equal(fresh.Version, (await Table.ReadAsync()).Version);
        Assert.Equal(HeartbeatResult.RowMissing, await Table.HeartbeatAsync("nobody"));
    }
}
