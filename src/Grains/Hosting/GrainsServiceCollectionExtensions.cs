using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Grains.Documents;
using MemoryPlatform.Grains.Encoders;
using MemoryPlatform.Grains.Models;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Grains.Tenants;
using MemoryPlatform.Runtime.Activation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MemoryPlatform.Grains.Hosting;

/// <summary>Wires the grains into a silo's container and grain registry.</summary>
public static class GrainsServiceCollectionExtensions
{
    /// <summary>
    /// The stores, the encode queue and the model-grain registry. Redis connections come from the options unless
    /// a <see cref="RedisStores"/> is registered already (tests share one). The model itself is registered by the host.
    /// </summary>
    public static IServiceCollection AddMemoryPlatformGrains(this IServiceCollection services, GrainsOptions options)
    {
        services.AddSingleton(options);
        services.TryAddSingleton(_ => RedisStores.Connect(options.ControlRedis, options.SlotRedis));
        services.AddSingleton<DocumentStore>();
        services.AddSingleton<MemoryStore>();
        services.AddSingleton<TenantStore>();
        services.AddSingleton(sp => new EncodeQueue(sp.GetRequiredService<RedisStores>(), options.EncodeQueue));
        services.AddSingleton<LostJobRecovery>();
        services.AddSingleton<LocalModelGrains>();
        return services;
    }

    /// <summary>Registers the document and tenant grains.</summary>
    public static GrainTypeRegistry AddMemoryPlatformGrains(this GrainTypeRegistry registry) =>
        registry.Add<IDocumentGrain, DocumentGrain>().Add<ITenantGrain, TenantGrain>();
}
