using MemoryPlatform.Gateway.Tests.Doubles;
using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Runtime.Activation;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace MemoryPlatform.Gateway.Tests.Fixtures;

/// <summary>
/// The one place that says which grain implementations the test cluster's silos host and what they are given.
/// Today: in-memory doubles of the document and tenant grains (they isolate the gateway's HTTP logic). To run the
/// gateway tests against the real grains, register those here instead (and their services: model, Redis store).
/// </summary>
public static class ClusterGrains
{
    public static GrainTypeRegistry Registry() => new GrainTypeRegistry()
        .Add<IDocumentGrain, InMemoryDocumentGrain>()
        .Add<ITenantGrain, InMemoryTenantGrain>();

    public static void ConfigureServices(IServiceCollection services, string redisConnectionString, InMemoryDocuments documents)
    {
        services.AddSingleton(documents);
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(redisConnectionString));
    }
}
