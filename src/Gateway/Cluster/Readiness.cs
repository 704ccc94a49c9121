using MemoryPlatform.Runtime.Hosting;
using StackExchange.Redis;

namespace MemoryPlatform.Gateway.Cluster;

/// <summary>Ready means: Redis answers PING within the timeout, and the membership view lists at least one active silo.</summary>
public sealed class Readiness(IConnectionMultiplexer redis, ClusterClient client)
{
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(2);

    public async Task<(bool Ready, string Reason, int ActiveSilos)> CheckAsync(CancellationToken ct)
    {
        try
        {
            await redis.GetDatabase().PingAsync().WaitAsync(PingTimeout, ct);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return (false, "Redis is unreachable", 0);
        }
        var silos = client.Membership.Current.ActiveSilos.Count;
        return silos == 0 ? (false, "no active silo", 0) : (true, "ready", silos);
    }
}
