namespace MemoryPlatform.Runtime.Membership;

/// <summary>An immutable read of the whole membership table, with the Redis time of the read.</summary>
public sealed class MembershipSnapshot
{
    public static readonly MembershipSnapshot Empty =
        new(0, 0, new Dictionary<string, SiloEntry>(), new Dictionary<string, string>());

    internal MembershipSnapshot(long version, long serverTimeMs,
        IReadOnlyDictionary<string, SiloEntry> silos, IReadOnlyDictionary<string, string> rawRows)
    {
        Version = version;
        ServerTimeMs = serverTimeMs;
        Silos = silos;
        RawRows = rawRows;
        ActiveSilos = silos.Values.Where(s => s.Status == SiloStatus.Active)
            .OrderBy(s => s.SiloId, StringComparer.Ordinal).ToArray();
    }

    /// <summary>Bumped by every compare-and-swap write (not by heartbeats).</summary>
    public long Version { get; }

    public long ServerTimeMs { get; }
    public IReadOnlyDictionary<string, SiloEntry> Silos { get; }

    /// <summary>Rows exactly as stored: the per-row compare value of a CAS.</summary>
    internal IReadOnlyDictionary<string, string> RawRows { get; }

    /// <summary>Silos that take new placements, ordered by id.</summary>
    public IReadOnlyList<SiloEntry> ActiveSilos { get; }

    /// <summary>A silo whose row exists and is not Dead still owns its directory entries.</summary>
    public bool IsAlive(string siloId) =>
        Silos.TryGetValue(siloId, out var silo) && silo.Status != SiloStatus.Dead;
}
