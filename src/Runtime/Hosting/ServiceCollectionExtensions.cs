using MemoryPlatform.Runtime.Activation;
using MemoryPlatform.Runtime.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MemoryPlatform.Runtime.Hosting;

/// <summary>Wires a silo or a cluster client into a generic host (the Silo and Gateway executables).</summary>
public static class ServiceCollectionExtensions
{
    /// <summary>Adds a silo bound from <paramref name="section"/>; grains get constructor services from this container.</summary>
    public static IServiceCollection AddGrainSilo(this IServiceCollection services, IConfiguration section,
        Action<GrainTypeRegistry> registerGrains)
    {
        var registry = new GrainTypeRegistry();
        registerGrains(registry);
        services.AddSingleton(sp => new Silo(SiloOptions.FromConfiguration(section), registry, sp,
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IGrainFactory>(sp => sp.GetRequiredService<Silo>().GrainFactory);
        services.AddHostedService<SiloHostedService>();
        return services;
    }

    /// <summary>Adds a cluster client bound from <paramref name="section"/> (a process that only calls grains).</summary>
    public static IServiceCollection AddClusterClient(this IServiceCollection services, IConfiguration section)
    {
        services.AddSingleton(sp => new ClusterClient(ClusterClientOptions.FromConfiguration(section),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<IGrainFactory>(sp => sp.GetRequiredService<ClusterClient>().GrainFactory);
        services.AddHostedService<ClusterClientHostedService>();
        return services;
    }

    private sealed class SiloHostedService(Silo silo) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => silo.StartAsync(cancellationToken);
        public Task StopAsync(CancellationToken cancellationToken) => silo.StopAsync(cancellationToken);
    }

    private sealed class ClusterClientHostedService(ClusterClient client) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => client.StartAsync(cancellationToken);
        public Task StopAsync(CancellationToken cancellationToken) => client.DisposeAsync().AsTask();
    }
}
