using MemoryPlatform.Runtime.Testing;

namespace MemoryPlatform.Grains.Tests.Support;

/// <summary>One real redis-server shared by the cluster tests (each cluster has its own id, stream and tenants).</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;
    public string ConnectionString => Server.ConnectionString;

    public async Task InitializeAsync() => Server = await RedisServer.StartAsync(new RedisServerOptions { AppendOnly = true });

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}
