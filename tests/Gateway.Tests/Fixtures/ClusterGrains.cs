using MemoryPlatform.Gateway.Tests.Doubles;
using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Runtime.Activation;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace MemoryPlatform.Gateway.Tests.Fixtures;

/// <summary>
/// What the silos of <see cref="DoublesGatewayFixture"/> host: in-memory doubles of the document and tenant grains,
/// whose magic markers provoke what the real grains cannot on demand (see that fixture). The contract, isolation,
/// docs and browser tests run on the real grains of <see cref="GatewayFixture"/>.
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
