using MemoryPlatform.Runtime.Activation;
using MemoryPlatform.Runtime.Membership;
using MemoryPlatform.Runtime.Messaging;
using MemoryPlatform.Runtime.Transport;
using Microsoft.Extensions.Configuration;

namespace MemoryPlatform.Runtime.Hosting;

/// <summary>
/// Everything a silo is configured with; bind from the "Silo" configuration section, e.g.
/// <c>Silo__ClusterId=prod Silo__RedisConnectionString=redis:6379 Silo__AdvertisedHost=10.0.0.5
/// Silo__Port=11111 Silo__Membership__HeartbeatPeriod=00:00:02 Silo__Calls__DefaultTimeout=00:00:30</c>.
/// </summary>
public sealed record SiloOptions
{
    public string ClusterId { get; init; } = "memplat";

    /// <summary>Control-data Redis (membership, directory): should run with noeviction and AOF.</summary>
    public string RedisConnectionString { get; init; } = "localhost:6379";

    /// <summary>The host other silos dial: this silo's own reachable address, never a service name or a
    /// load balancer. Empty: the machine's first non-loopback IPv4 address.</summary>
    public string? AdvertisedHost { get; init; }

    public string ListenAddress { get; init; } = "0.0.0.0";

    /// <summary>Silo-to-silo HTTP/2 port; 0 picks a free one (tests).</summary>
    public int Port { get; init; } = 11111;

    /// <summary>How long a graceful stop may take (draining calls, deactivating grains).</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public MembershipOptions Membership { get; init; } = new();
    public CatalogOptions Activation { get; init; } = new();
    public GrainCallOptions Calls { get; init; } = new();
    public TransportOptions Transport { get; init; } = new();

    public static SiloOptions FromConfiguration(IConfiguration section) => section.Get<SiloOptions>() ?? new SiloOptions();
}
