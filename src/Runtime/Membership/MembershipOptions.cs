namespace MemoryPlatform.Runtime.Membership;

/// <summary>Timing of the membership protocol (bound from configuration section Silo:Membership).</summary>
public sealed record MembershipOptions
{
    /// <summary>How often a silo rewrites its IAmAlive time (and how often failure detection runs).</summary>
    public TimeSpan HeartbeatPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Silence of this many heartbeat periods declares a silo dead.</summary>
    public int MissedHeartbeatsBeforeDeath { get; init; } = 3;

    /// <summary>How often the view re-reads the table to notice joins, leaves and deaths.</summary>
    public TimeSpan RefreshPeriod { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan DeathTimeout => HeartbeatPeriod * MissedHeartbeatsBeforeDeath;
}
