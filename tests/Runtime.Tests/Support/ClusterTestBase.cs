using MemoryPlatform.Runtime.Activation;
using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Hosting;
using MemoryPlatform.Runtime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace MemoryPlatform.Runtime.Tests.Support;

/// <summary>Starts a fresh test cluster (own cluster id) on the shared redis-server for each test.</summary>
public abstract class ClusterTestBase(RedisFixture redis, ITestOutputHelper output) : IAsyncLifetime
{
    protected RedisFixture Redis { get; } = redis;
    protected ILoggerFactory Logs { get; } = XunitLoggerProvider.CreateFactory(output);
    protected TestCluster Cluster { get; private set; } = null!;
    protected virtual int InitialSilos => 3;

    protected virtual SiloOptions ConfigureSilo(SiloOptions options) => options;

    public static GrainTypeRegistry Grains() => new GrainTypeRegistry().AddAssembly(typeof(CounterGrain).Assembly);

    public virtual async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(new TestClusterOptions
    {
        RedisConnectionString = Redis.ConnectionString,
        InitialSilos = InitialSilos,
        Grains = Grains(),
        ConfigureSilo = ConfigureSilo,
        ConfigureServices = s => s.AddSingleton<IConnectionMultiplexer>(Redis.Connection),
        LoggerFactory = Logs,
    });

    public virtual async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Logs.Dispose();
    }

    protected static string NewKey(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A silo other than the one running <paramref name="grain"/>, so the call crosses HTTP/2.</summary>
    protected async Task<IGrainFactory> RemoteFactoryFor(string grain)
    {
        var owner = await Cluster.GrainFactory().GetGrain<IProbeGrain>(grain).WhereAmI();
        return Cluster.Silos.First(s => s.SiloId != owner).GrainFactory;
    }
}
