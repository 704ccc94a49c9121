using System.Diagnostics;
using MemoryPlatform.Runtime.Membership;
using MemoryPlatform.Runtime.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace MemoryPlatform.Runtime.Tests;

/// <summary>One detector's rounds, driven by hand against the real membership table.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FailureDetectorTests(RedisFixture redis)
{
    private static readonly MembershipOptions Options = new()
    {
        HeartbeatPeriod = TimeSpan.FromMilliseconds(250),
        MissedHeartbeatsBeforeDeath = 3,
    };

    private readonly MembershipTable _table = new(redis.Connection.GetDatabase(), "fd-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task A_detector_that_was_itself_stalled_does_not_judge_until_it_has_been_on_time_for_a_death_timeout()
    {
        const string self = "10.2.0.1:1@self", other = "10.2.0.2:1@other";
        await MembershipRows.SetStatusAsync(_table, self, SiloStatus.Active);
        await MembershipRows.SetStatusAsync(_table, other, SiloStatus.Active);
        await using var detector = new FailureDetector(_table, Options, self, _ => Task.CompletedTask, NullLogger.Instance);

        // Both silos heartbeat; the detector has been judging on time for longer than the death timeout.
        var end = DateTime.UtcNow + Options.DeathTimeout * 2;
        while (DateTime.UtcNow < end)
        {
            await _table.HeartbeatAsync(self);
            await _table.HeartbeatAsync(other);
            Assert.False(await detector.CheckOnceAsync(CancellationToken.None));
            await Task.Delay(Options.HeartbeatPeriod / 2);
        }

        // The whole process stalls for four death timeouts: no heartbeat, no round. The first round after it sees the
        // other silo silent far past the timeout, but its own lateness says the silence may be the stall's.
        await Task.Delay(Options.DeathTimeout * 4);
        var sinceStall = Stopwatch.StartNew(); // before the late round, which restarts the detector's own clock
        Assert.False(await detector.CheckOnceAsync(CancellationToken.None));
        Assert.Equal(SiloStatus.Active, (await _table.ReadAsync()).Silos[other].Status);

        // Judgment is delayed, not lost: the other silo stays silent, and is declared once this detector has been on
        // time for a death timeout (the invariant: never sooner).
        await Eventually.TrueAsync(async () =>
        {
            await _table.HeartbeatAsync(self);
            return await detector.CheckOnceAsync(CancellationToken.None);
        }, "the silent silo is declared dead");
        Assert.True(sinceStall.Elapsed >= Options.DeathTimeout, $"declared {sinceStall.Elapsed} after the stall");
        Assert.Equal(SiloStatus.Dead, (await _table.ReadAsync()).Silos[other].Status);
    }
}
