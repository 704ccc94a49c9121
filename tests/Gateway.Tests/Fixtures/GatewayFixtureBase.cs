using System.Net;
using System.Net.Http.Json;
using MemoryPlatform.Runtime.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using static MemoryPlatform.Gateway.Tests.Fixtures.GatewayApi;

namespace MemoryPlatform.Gateway.Tests.Fixtures;

/// <summary>
/// One real redis-server, a cluster of silos on it (what the silos host is the subclass's business), and the gateway
/// on a real Kestrel port in front of them (plus variants with other limits, started on demand).
/// </summary>
public abstract class GatewayFixtureBase : IAsyncLifetime
{
    /// <summary>The test gateways' Gateway:MaxRequestBodyBytes: small, so that bodies at the limit stay cheap.</summary>
    public const int MaxRequestBodyBytes = 64 * 1024;

    private readonly List<GatewayFactory> _factories = [];

    public RedisServer Redis { get; private set; } = null!;
    public GatewayFactory Gateway { get; private set; } = null!;

    /// <summary>The id of the cluster the gateways route to.</summary>
    protected abstract string ClusterId { get; }

    protected abstract Task StartClusterAsync();
    protected abstract ValueTask StopClusterAsync();

    /// <summary>How the fixture's redis-server runs (a test that restarts it wants the AOF).</summary>
    protected virtual RedisServerOptions RedisOptions => new();

    /// <summary>Gateway settings the cluster implies (e.g. the served model's shape for GET /v1/model).</summary>
    protected virtual IReadOnlyDictionary<string, string?> ClusterSettings => new Dictionary<string, string?>();

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync(RedisOptions);
        await StartClusterAsync();
        Gateway = CreateGateway();
        await WaitReadyAsync(Gateway);
    }

    /// <summary>A gateway on this cluster; <paramref name="overrides"/> replace the default test settings, <paramref name="kestrel"/> sets server limits.</summary>
    public GatewayFactory CreateGateway(IReadOnlyDictionary<string, string?>? overrides = null, Action<KestrelServerOptions>? kestrel = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Cluster:ClusterId"] = ClusterId,
            ["Cluster:RedisConnectionString"] = Redis.ConnectionString,
            ["Cluster:Membership:RefreshPeriod"] = "00:00:00.250",
            ["Gateway:AdminKey"] = AdminKey,
            ["Gateway:MaxRequestBodyBytes"] = MaxRequestBodyBytes.ToString(),
            ["Gateway:RateLimit:TokenLimit"] = "10000",
            ["Gateway:RateLimit:TokensPerPeriod"] = "10000",
        };
        foreach (var (k, v) in ClusterSettings) settings[k] = v;
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>()) settings[k] = v;
        var factory = new GatewayFactory(settings, kestrel);
        lock (_factories) _factories.Add(factory);
        return factory;
    }

    /// <summary>Creates a tenant through the admin route; returns its id and API key.</summary>
    public async Task<(string TenantId, string ApiKey)> CreateTenantAsync(string name = "test tenant", GatewayFactory? gateway = null)
    {
        using var admin = (gateway ?? Gateway).Client(AdminKey);
        using var response = await admin.PostAsJsonAsync("v1/tenants", new { name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await ReadJson(response);
        return (body.GetProperty("tenant_id").GetString()!, body.GetProperty("api_key").GetString()!);
    }

    public async Task<HttpClient> NewTenantClientAsync(GatewayFactory? gateway = null)
    {
        var (_, key) = await CreateTenantAsync(gateway: gateway);
        return (gateway ?? Gateway).Client(key);
    }

    /// <summary>Stops everything even when one step fails: a leaked redis-server would outlive the test run.</summary>
    public async Task DisposeAsync()
    {
        List<GatewayFactory> factories;
        lock (_factories) factories = [.. _factories];
        var errors = new List<Exception>();
        foreach (var factory in factories) await Try(() => factory.DisposeAsync().AsTask());
        await Try(() => StopClusterAsync().AsTask());
        if (Redis is not null) await Try(() => Redis.DisposeAsync().AsTask());
        if (errors.Count > 0) throw new AggregateException("fixture teardown failed", errors);

        async Task Try(Func<Task> dispose)
        {
            try
            {
                await dispose();
            }
            catch (Exception ex)
            {
                errors.Add(ex);
            }
        }
    }
}
