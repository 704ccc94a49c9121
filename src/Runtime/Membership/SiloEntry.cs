namespace MemoryPlatform.Runtime.Membership;

/// <summary>
/// One row of the membership table, stored as JSON in the cluster hash (field = <see cref="SiloId"/>).
/// Times are Redis server time in Unix milliseconds, so silos never compare their own clocks.
/// The Lua scripts read "status" and "iAmAlive" by these (camelCase) names.
/// </summary>
public sealed record SiloEntry
{
    /// <summary>Address plus incarnation ("host:port@startMs"): a restarted silo is a new member.</summary>
    public required string SiloId { get; init; }

    /// <summary>host:port other silos and gateways dial; the silo's own reachable address.</summary>
    public required string Address { get; init; }

    public SiloStatus Status { get; init; }
    public long IAmAlive { get; init; }
    public long StartTime { get; init; }
}
