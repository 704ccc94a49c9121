using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MemoryPlatform.Gateway.Tests.Doubles;
using MemoryPlatform.Runtime.Testing;

namespace MemoryPlatform.Gateway.Tests.Fixtures;

/// <summary>
/// One real redis-server, one test cluster of two silos hosting the grains of <see cref="ClusterGrains"/>, and the
/// gateway on a real Kestrel port in front of them (plus variants with other limits, started on demand).
/// </summary>
public sealed class GatewayFixture : IAsyncLifetime
{
    public const string AdminKey = "test-admin-key-0123456789";
    private readonly List<GatewayFactory> _factories = [];

    public RedisServer Redis { get; private set; } = null!;
    public TestCluster Cluster { get; private set; } = null!;
    public InMemoryDocuments Documents { get; } = new();
    public GatewayFactory Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        Cluster = await TestCluster.StartAsync(new TestClusterOptions
        {
            RedisConnectionString = Redis.ConnectionString,
            InitialSilos = 2,
            Grains = ClusterGrains.Registry(),
            ConfigureServices = s => ClusterGrains.ConfigureServices(s, Redis.ConnectionString, Documents),
        });
        Gateway = CreateGateway();
        await WaitReadyAsync(Gateway);
    }

    /// <summary>A gateway on this cluster; <paramref name="overrides"/> replace the default test settings.</summary>
    public GatewayFactory CreateGateway(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Cluster:ClusterId"] = Cluster.ClusterId,
            ["Cluster:RedisConnectionString"] = Redis.ConnectionString,
            ["Cluster:Membership:RefreshPeriod"] = "00:00:00.250",
            ["Gateway:AdminKey"] = AdminKey,
            ["Gateway:MaxRequestBodyBytes"] = (1024 * 1024).ToString(),
            ["Gateway:RateLimit:TokenLimit"] = "10000",
            ["Gateway:RateLimit:TokensPerPeriod"] = "10000",
        };
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>()) settings[k] = v;
        var factory = new GatewayFactory(settings);
        lock (_factories) _factories.Add(factory);
        return factory;
    }

    public static async Task WaitReadyAsync(GatewayFactory gateway)
    {
        using var client = gateway.Client();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await client.GetAsync("readyz");
            if (response.StatusCode == HttpStatusCode.OK) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException("gateway not ready: " + await response.Content.ReadAsStringAsync());
            await Task.Delay(100);
        }
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

    /// <summary>Ingests a document and waits until its status is ready.</summary>
    public static async Task<string> IngestReadyAsync(HttpClient client, string text, string? id = null)
    {
        using var response = await client.PostAsJsonAsync("v1/documents", id is null ? new { text } : (object)new { id, text });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var docId = (await ReadJson(response)).GetProperty("id").GetString()!;
        await WaitStatusAsync(client, docId, "ready");
        return docId;
    }

    public static async Task<JsonElement> WaitStatusAsync(HttpClient client, string id, string status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var response = await client.GetAsync($"v1/documents/{id}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await ReadJson(response);
            if (body.GetProperty("status").GetString() == status) return body;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"document {id} never reached {status}: {body}");
            await Task.Delay(50);
        }
    }

    public static async Task<JsonElement> ReadJson(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
    }

    /// <summary>Asserts the API's error shape and returns the code.</summary>
    public static async Task<string> ErrorCode(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        Assert.Single(root.EnumerateObject());
        var error = root.GetProperty("error");
        Assert.Equal(2, error.EnumerateObject().Count());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        var code = error.GetProperty("code").GetString();
        Assert.False(string.IsNullOrWhiteSpace(code));
        return code!;
    }

    /// <summary>Stops everything even when one step fails: a leaked redis-server would outlive the test run.</summary>
    public async Task DisposeAsync()
    {
        List<GatewayFactory> factories;
        lock (_factories) factories = [.. _factories];
        var errors = new List<Exception>();
        foreach (var factory in factories) await Try(() => factory.DisposeAsync().AsTask());
        if (Cluster is not null) await Try(() => Cluster.DisposeAsync().AsTask());
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

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
