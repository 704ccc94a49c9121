using MemoryPlatform.Runtime.Testing;
using StackExchange.Redis;

namespace MemoryPlatform.Runtime.Tests.Support;

/// <summary>One real redis-server for the cluster tests (each cluster uses its own cluster id).</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;
    public ConnectionMultiplexer Connection { get; private set; } = null!;
    public string ConnectionString => Server.ConnectionString;

    public async Task InitializeAsync()
    {
        Server = await RedisServer.StartAsync();
        Connection = await ConnectionMultiplexer.ConnectAsync(Server.ConnectionString + ",abortConnect=false");
    }

    public async Task DisposeAsync()
    {
        Connection.Dispose();
        await Server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "cluster";
}
