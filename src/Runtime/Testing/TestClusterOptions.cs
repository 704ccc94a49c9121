using MemoryPlatform.Runtime.Activation;
using MemoryPlatform.Runtime.Hosting;
using MemoryPlatform.Runtime.Membership;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MemoryPlatform.Runtime.Testing;

public sealed record TestClusterOptions
{
    public required string RedisConnectionString { get; init; }

    /// <summary>Unique per cluster by default, so many clusters can share one redis-server.</summary>
    public string ClusterId { get; init; } = "test-" + Guid.NewGuid().ToString("N")[..8];

    public int InitialSilos { get; init; } = 3;
    public required GrainTypeRegistry Grains { get; init; }

    /// <summary>Services grains take in their constructors (shared by every silo of the cluster).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>Adjusts each silo's options after the test defaults (loopback, free port, fast heartbeats).</summary>
    public Func<SiloOptions, SiloOptions>? ConfigureSilo { get; init; }

    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Defaults tuned for a loaded 2-core test machine: fast enough, but no false deaths.</summary>
    public static SiloOptions DefaultSiloOptions(string clusterId, string redis) => new()
    {
        ClusterId = clusterId,
        RedisConnectionString = redis,
        AdvertisedHost = "127.0.0.1",
        ListenAddress = "127.0.0.1",
        Port = 0,
        ShutdownTimeout = TimeSpan.FromSeconds(15),
        Membership = new MembershipOptions
        {
            HeartbeatPeriod = TimeSpan.FromMilliseconds(500),
            MissedHeartbeatsBeforeDeath = 6,
            RefreshPeriod = TimeSpan.FromMilliseconds(250),
        },
        Activation = new CatalogOptions { CollectionPeriod = TimeSpan.FromSeconds(1) },
    };
}
