using MemoryPlatform.Runtime.Tests.Support;
using MemoryPlatform.Grains.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace MemoryPlatform.Grains.Tests;

/// <summary>A fresh 3-silo grains cluster per test on the collection's redis-server.</summary>
public abstract class ClusterTestBase(RedisFixture redis, ITestOutputHelper output) : IAsyncLifetime
{
    protected static readonly CancellationToken None = CancellationToken.None;
    protected RedisFixture Redis { get; } = redis;
    protected ILoggerFactory Logs { get; } = XunitLoggerProvider.CreateFactory(output);
    protected GrainsCluster Cluster { get; set; } = null!;

    protected virtual int Silos => 3;

    public virtual async Task InitializeAsync() => Cluster = await GrainsCluster.StartAsync(Redis.ConnectionString, Logs, Silos);

    public virtual async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Logs.Dispose();
    }

    /// <summary>Text of about <paramref name="words"/> words, unique per seed.</summary>
    protected static string Text(int words, int seed = 0) =>
        string.Join(' ', Enumerable.Range(0, words).Select(i => $"w{seed}x{i}"));
}
