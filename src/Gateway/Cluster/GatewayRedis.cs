using StackExchange.Redis;

namespace MemoryPlatform.Gateway.Cluster;

/// <summary>The gateway's own Redis connection (API key lookups, readiness), to the cluster's control Redis.</summary>
public static class GatewayRedis
{
    public static IConnectionMultiplexer Connect(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false; // Redis may come up after the gateway: keep trying, answer 503 meanwhile
        options.ClientName = "memplat-gateway";
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 5000);
        return ConnectionMultiplexer.Connect(options);
    }
}
