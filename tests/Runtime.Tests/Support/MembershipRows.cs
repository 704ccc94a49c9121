using MemoryPlatform.Runtime.Membership;

namespace MemoryPlatform.Runtime.Tests.Support;

/// <summary>Rows written straight into a membership table, as a silo that is not running would have left them.</summary>
public static class MembershipRows
{
    /// <summary>Writes <paramref name="siloId"/> ("host:port@incarnation") with <paramref name="status"/>, alive now; retries the CAS until it lands.</summary>
    public static async Task SetStatusAsync(MembershipTable table, string siloId, SiloStatus status)
    {
        while (true)
        {
            var snapshot = await table.ReadAsync();
            var row = new SiloEntry { SiloId = siloId, Address = siloId.Split('@')[0], Status = status, IAmAlive = snapshot.ServerTimeMs };
            if (await table.TryWriteAsync(row, snapshot)) return;
        }
    }
}
