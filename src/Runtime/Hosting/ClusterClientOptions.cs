using MemoryPlatform.Runtime.Membership;
using MemoryPlatform.Runtime.Messaging;
using MemoryPlatform.Runtime.Transport;
using Microsoft.Extensions.Configuration;

namespace MemoryPlatform.Runtime.Hosting;

/// <summary>Options of a process that calls grains without hosting any (the gateway).</summary>
public sealed record ClusterClientOptions
{
    public string ClusterId { get; init; } = "memplat";
    public string RedisConnectionString { get; init; } = "localhost:6379";
    public MembershipOptions Membership { get; init; } = new();
    public GrainCallOptions Calls { get; init; } = new();
    public TransportOptions Transport { get; init; } = new();

    public static ClusterClientOptions FromConfiguration(IConfiguration section) =>
        section.Get<ClusterClientOptions>() ?? new ClusterClientOptions();
}
