using MemoryPlatform.Runtime.Hosting;
using StackExchange.Redis;

namespace MemoryPlatform.Gateway.Cluster;

/// <summary>The gateway's own Redis connection (API key lookups, readiness), to the cluster's control Redis.</summary>
public static class GatewayRedis
{
    // The runtime's options: Redis may come up after the gateway or restart under it; the gateway answers 503
    // meanwhile and reconnects at the runtime's steady pace, so API keys are served again soon after Redis is back.
    public static IConnectionMultiplexer Connect(string connectionString) =>
        ConnectionMultiplexer.Connect(RedisConnections.Options(connectionString, "memplat-gateway"));
}
