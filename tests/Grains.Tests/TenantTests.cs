using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Grains.Tenants;
using MemoryPlatform.Grains.Tests.Support;
using MemoryPlatform.ModelCore.Icae;
using Xunit.Abstractions;

namespace MemoryPlatform.Grains.Tests;

[Collection(RedisCollection.Name)]
public sealed class TenantTests(RedisFixture redis, ITestOutputHelper output) : ClusterTestBase(redis, output)
{
    private static readonly long Blob = SlotBlob.SizeOf(4, 8, SlotDType.Float16);

    protected override int Silos => 2;

    public override async Task InitializeAsync()
    {
        // Small quotas: 3 documents, 10 spans of memory, 100 tokens per document.
        Cluster = await GrainsCluster.StartAsync(Redis.ConnectionString, Logs, Silos, o => o with
        {
            Quotas = new QuotaOptions { MaxDocuments = 3, MaxMemoryBytes = 10 * Blob, MaxDocumentTokens = 100, MaxTextBytes = 1000 },
        });
    }

    [Fact]
    public async Task Create_returns_a_key_once_and_stores_only_its_hash()
    {
        var id = "acme-" + Guid.NewGuid().ToString("N")[..8];
        var created = await Cluster.Tenant(id).Create("Acme", None);
        Assert.StartsWith(ApiKeys.Prefix, created.ApiKey);
        Assert.Equal(id, await ApiKeys.ResolveTenantAsync(Cluster.Db, created.ApiKey));
        Assert.Null(await ApiKeys.ResolveTenantAsync(Cluster.Db, created.ApiKey + "x"));
        var stored = await Cluster.Db.HashGetAllAsync(RedisKeys.Tenant(id));
        Assert.DoesNotContain(stored, e => ((string?)e.Value ?? "").Contains(created.ApiKey[3..]));
        Assert.Equal(ApiKeys.Hash(created.ApiKey), (string?)await Cluster.Db.HashGetAsync(RedisKeys.Tenant(id), ApiKeys.TenantHashField));

        var info = (await Cluster.Tenant(id, silo: 1).Get(None))!;
        Assert.Equal(("Acme", 0, 0L, 3), (info.Name, info.Documents, info.MemoryBytes, info.MaxDocuments));
        await RemoteErrors.ThrowsAsync<InvalidRequestException>(() => Cluster.Tenant(id).Create("Again", None));
        await RemoteErrors.ThrowsAsync<InvalidRequestException>(() => Cluster.Tenant("x-" + Guid.NewGuid().ToString("N")[..6]).Create(" ", None));
        Assert.Null(await Cluster.Tenant("nobody-" + Guid.NewGuid().ToString("N")[..6]).Get(None));
    }

    [Fact]
    public async Task Quotas_on_documents_memory_and_tokens_are_enforced_at_ingest_and_append()
    {
        var tenant = await Cluster.NewTenantAsync();
        await RemoteErrors.ThrowsAsync<QuotaExceededException>(() => Cluster.Document(tenant, "big").Ingest(new string('t', 101), None));
        await Cluster.Document(tenant, "a").Ingest(new string('a', 64), None); // 4 spans
        await Cluster.Document(tenant, "b").Ingest(new string('b', 64), None); // 8 spans
        var memory = await RemoteErrors.ThrowsAsync<QuotaExceededException>(() => Cluster.Document(tenant, "c").Ingest(new string('c', 48), None));
        Assert.Contains("memory", memory.Message);
        await Cluster.Document(tenant, "c").Ingest(new string('c', 20), None); // 10 spans: at the limit
        await RemoteErrors.ThrowsAsync<QuotaExceededException>(() => Cluster.Document(tenant, "d").Ingest("d", None)); // 4th document
        await RemoteErrors.ThrowsAsync<QuotaExceededException>(() => Cluster.Document(tenant, "c").Append(new string('c', 20), None)); // 11 spans
        await Cluster.Document(tenant, "c").Append(new string('c', 12), None); // 32 tokens: still 2 spans
        await RemoteErrors.ThrowsAsync<QuotaExceededException>(() => Cluster.Document(tenant, "a").Append(new string('a', 40), None)); // 104 tokens

        var info = (await Cluster.Tenant(tenant).Get(None))!;
        Assert.Equal((3, 10 * Blob), (info.Documents, info.MemoryBytes));
        Assert.True(await Cluster.Document(tenant, "b").Delete(None));
        info = (await Cluster.Tenant(tenant).Get(None))!;
        Assert.Equal((2, 6 * Blob), (info.Documents, info.MemoryBytes));
        await Cluster.Document(tenant, "d").Ingest("d", None);

        foreach (var id in new[] { "a", "c", "d" }) await Cluster.WaitReadyAsync(tenant, id);
        var listed = await Cluster.Tenant(tenant, silo: 1).ListDocuments(None);
        Assert.Equal(["d", "c", "a"], listed.Select(d => d.Id));
        Assert.Equal(7 * Blob, listed.Sum(d => d.MemoryBytes));
    }

    [Fact]
    public async Task A_tenant_cannot_reach_another_tenants_document()
    {
        var a = await Cluster.NewTenantAsync("a");
        var b = await Cluster.NewTenantAsync("b");
        await Cluster.Document(b, "secret").Ingest("the password is swordfish", None);
        await Cluster.Document(a, "mine").Ingest("nothing to see", None);
        await Cluster.WaitReadyAsync(b, "secret");
        await Cluster.WaitReadyAsync(a, "mine");

        Assert.Null(await Cluster.Document(a, "secret").GetStatus(None));
        await RemoteErrors.ThrowsAsync<DocumentNotFoundException>(() => Cluster.Document(a, "secret").Reconstruct(None));
        Assert.False(await Cluster.Document(a, "secret").Delete(None));
        await RemoteErrors.ThrowsAsync<DocumentNotFoundException>(async () =>
        {
            await foreach (var _ in Cluster.Document(a, "mine").Query(new QueryRequest(["secret"], "password?"), None)) { }
        });
        Assert.Equal(["mine"], (await Cluster.Tenant(a).ListDocuments(None)).Select(d => d.Id));
        Assert.Equal("the password is swordfish", await Cluster.Document(b, "secret").Reconstruct(None));
    }
}
