using StackExchange.Redis;

namespace MemoryPlatform.Runtime.Hosting;

/// <summary>How the platform opens its Redis connections: the runtime's control-data connection (one multiplexer per
/// silo or client) here; the grain stores' and the gateway's through <see cref="Options"/>.</summary>
public static class RedisConnections
{
    internal static Task<ConnectionMultiplexer> ConnectAsync(string connectionString, string clientName) =>
        ConnectionMultiplexer.ConnectAsync(Options(connectionString, clientName));

    /// <summary>Options for a connection that outlives Redis restarts.</summary>
    public static ConfigurationOptions Options(string connectionString, string clientName)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false; // Redis may start after us, or restart under us: keep retrying
        options.ClientName = clientName;
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 5000);
        options.SyncTimeout = Math.Max(options.SyncTimeout, 5000);
        // Membership heartbeats ride on the runtime's connection. The default exponential back-off grows with every
        // attempt that fails while Redis restarts, and may wait longer than the death timeout once Redis is back; the
        // other silos, reconnected sooner, then declare this one dead. Retry at a steady pace instead.
        options.ReconnectRetryPolicy = new LinearRetry(500);
        return options;
    }
}
