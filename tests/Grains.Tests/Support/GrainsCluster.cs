using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Grains.Encoders;
using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Models;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Runtime.Activation;
using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Directory;
using MemoryPlatform.Runtime.Hosting;
using MemoryPlatform.Runtime.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace MemoryPlatform.Grains.Tests.Support;

/// <summary>
/// A TestCluster whose silos each run a <see cref="SiloModelHost"/> with their own <see cref="TestMemoryModel"/>
/// (one model per silo, as in production), on a real redis-server. Each cluster has its own encode stream, so
/// clusters sharing a server never take each other's work.
/// </summary>
public sealed class GrainsCluster : IAsyncDisposable
{
    private readonly List<(Silo Silo, IMemoryModel Model, SiloModelHost Host)> _hosts = [];
    private readonly Func<IMemoryModel> _newModel;

    private GrainsCluster(TestCluster cluster, GrainsOptions options, Func<IMemoryModel> newModel)
    {
        Cluster = cluster;
        Options = options;
        _newModel = newModel;
    }

    public TestCluster Cluster { get; }
    public GrainsOptions Options { get; }
    public IServiceProvider Services => Cluster.Services;
    public RedisStores Redis => Services.GetRequiredService<RedisStores>();
    public IDatabase Db => Redis.Control;
    public EncodeQueue Queue => Services.GetRequiredService<EncodeQueue>();

    /// <summary>The silos' test models (empty when the cluster runs a real model).</summary>
    public IReadOnlyList<TestMemoryModel> Models { get { lock (_hosts) return _hosts.Select(h => h.Model).OfType<TestMemoryModel>().ToList(); } }

    public TestMemoryModel ModelOf(Silo silo) { lock (_hosts) return (TestMemoryModel)_hosts.Single(h => h.Silo == silo).Model; }

    /// <summary>Options tuned for tests: small batches, fast claiming, per-cluster stream.</summary>
    public static GrainsOptions TestOptions(string clusterId) => new()
    {
        Batching = new BatchingOptions { MaxEncodeBatch = 4, MaxGenerateBatch = 4, MaxBatchDelay = TimeSpan.FromMilliseconds(5), MaxQueueLength = 64 },
        EncodeQueue = new EncodeQueueOptions
        {
            StreamKey = "memplat:encode:" + clusterId,
            ClaimIdleTime = TimeSpan.FromSeconds(3),
            ClaimPeriod = TimeSpan.FromMilliseconds(500),
            MaxPollDelay = TimeSpan.FromMilliseconds(100),
            MaxAttempts = 2,
        },
    };

    public static async Task<GrainsCluster> StartAsync(string redis, ILoggerFactory logs, int silos = 3,
        Func<GrainsOptions, GrainsOptions>? configure = null, Func<SiloOptions, SiloOptions>? configureSilo = null,
        Func<IMemoryModel>? newModel = null)
    {
        var clusterId = "gt-" + Guid.NewGuid().ToString("N")[..8];
        var options = (configure ?? (o => o))(TestOptions(clusterId));
        var connection = await ConnectionMultiplexer.ConnectAsync(redis + ",abortConnect=false");
        var cluster = await TestCluster.StartAsync(new TestClusterOptions
        {
            RedisConnectionString = redis,
            ClusterId = clusterId,
            InitialSilos = silos,
            Grains = new GrainTypeRegistry().AddMemoryPlatformGrains(),
            ConfigureServices = s =>
            {
                s.AddSingleton(new RedisStores(connection, connection, owns: true));
                s.AddMemoryPlatformGrains(options);
            },
            ConfigureSilo = configureSilo,
            LoggerFactory = logs,
        });
        var grains = new GrainsCluster(cluster, options, newModel ?? (() => new TestMemoryModel()));
        foreach (var silo in cluster.Silos) grains.Attach(silo);
        return grains;
    }

    private void Attach(Silo silo)
    {
        var model = _newModel();
        var host = SiloModelHost.Start(silo, model, Services);
        lock (_hosts) _hosts.Add((silo, model, host));
    }

    public async Task<Silo> StartSiloAsync()
    {
        var silo = await Cluster.StartSiloAsync();
        Attach(silo);
        await Cluster.WaitForStableMembershipAsync();
        return silo;
    }

    public IGrainFactory Factory(int silo = 0) => Cluster.GrainFactory(silo);

    public IDocumentGrain Document(string tenant, string docId, int silo = 0) =>
        Factory(silo).GetGrain<IDocumentGrain>(GrainKeys.Document(tenant, docId));

    public ITenantGrain Tenant(string tenant, int silo = 0) => Factory(silo).GetGrain<ITenantGrain>(tenant);

    /// <summary>A fresh tenant with a unique id.</summary>
    public async Task<string> NewTenantAsync(string prefix = "t")
    {
        var id = prefix + "-" + Guid.NewGuid().ToString("N")[..10];
        await Tenant(id).Create("Tenant " + id, CancellationToken.None);
        return id;
    }

    public Task<DocumentStatus> WaitReadyAsync(string tenant, string docId, TimeSpan? timeout = null) =>
        WaitStateAsync(tenant, docId, DocumentState.Ready, timeout);

    /// <summary>Polls the status; a poll that meets a silo killed a moment ago (its call cut off mid-flight) polls again,
    /// as the gateway retries a read once.</summary>
    public async Task<DocumentStatus> WaitStateAsync(string tenant, string docId, DocumentState state, TimeSpan? timeout = null) =>
        (await Eventually.MatchAsync(async () =>
        {
            try
            {
                return await Document(tenant, docId).GetStatus(CancellationToken.None);
            }
            catch (SiloUnavailableException)
            {
                // Right after a kill, a read may still go to the dead silo (its connection resets mid-call); the runtime
                // cannot know whether it ran, so it does not retry. A status read is idempotent: ask again, as the gateway does.
                return null;
            }
        }, s => s?.Status == state, $"{tenant}/{docId} is {state}", timeout))!;

    /// <summary>The silo whose activation of the grain is in the directory (null when none).</summary>
    public async Task<string?> OwnerOfAsync<TGrain>(string key) where TGrain : IGrainWithStringKey =>
        (await new GrainDirectory(Db, Cluster.ClusterId).LookupAsync(GrainId.Create<TGrain>(key)))?.SiloId;

    /// <summary>Every key of one document (SCAN over its hash tag) on the control and slot instances.</summary>
    public async Task<List<string>> KeysOfAsync(string tenant, string docId)
    {
        var tag = RedisKeys.DocTag(tenant, docId).Replace("{", "\\{").Replace("}", "\\}");
        var keys = await MemoryStore.ScanAsync(Db, "*" + tag + "*", CancellationToken.None);
        return keys.Select(k => (string)k!).ToList();
    }

    /// <summary>Waits until no encode job of this cluster is left in its stream (pending or new).</summary>
    public Task DrainAsync() =>
        Eventually.MatchAsync(() => Queue.LengthAsync(), n => n == 0, "encode stream drained");

    public async ValueTask DisposeAsync()
    {
        List<SiloModelHost> hosts;
        lock (_hosts) hosts = _hosts.Select(h => h.Host).ToList();
        foreach (var host in hosts) await host.DisposeAsync(); // consumers stop before their Redis connection goes
        await Cluster.DisposeAsync(); // kills the silos and disposes the shared services (and connection)
        List<IMemoryModel> models;
        lock (_hosts) models = _hosts.Select(h => h.Model).ToList();
        foreach (var model in models) model.Dispose(); // hosts do not own their models
    }
}
