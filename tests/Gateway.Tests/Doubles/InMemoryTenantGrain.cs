using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Grains.Tenants;
using MemoryPlatform.Runtime.Core;
using StackExchange.Redis;

namespace MemoryPlatform.Gateway.Tests.Doubles;

/// <summary>
/// Test double of <see cref="ITenantGrain"/>: tenants live in memory, but API keys are written to Redis exactly as
/// <see cref="ApiKeys"/> reads them (index <c>apikey:{sha256}</c> → tenant, and the hash in the tenant hash), so the
/// gateway authenticates against the real key store.
/// </summary>
public sealed class InMemoryTenantGrain(InMemoryDocuments store, IConnectionMultiplexer redis) : Grain, ITenantGrain
{
    public async Task<TenantCreated> Create(string name, CancellationToken ct)
    {
        var tenant = GetPrimaryKeyString();
        if (!store.Tenants.TryAdd(tenant, new StoredTenant(tenant, name, DateTimeOffset.UtcNow)))
            throw new InvalidRequestException($"tenant '{tenant}' already exists");
        var key = ApiKeys.Generate();
        var hash = ApiKeys.Hash(key);
        var db = redis.GetDatabase();
        await db.HashSetAsync(RedisKeys.Tenant(tenant), [new HashEntry(ApiKeys.TenantHashField, hash), new HashEntry("name", name)]);
        await db.StringSetAsync(ApiKeys.IndexKey(hash), tenant);
        return new TenantCreated(tenant, name, key);
    }

    public Task<TenantInfo?> Get(CancellationToken ct)
    {
        if (!store.Tenants.TryGetValue(GetPrimaryKeyString(), out var t)) return Task.FromResult<TenantInfo?>(null);
        var docs = Own().ToList();
        return Task.FromResult<TenantInfo?>(new TenantInfo(t.TenantId, t.Name, docs.Count, InMemoryDocuments.MaxDocumentsPerTenant,
            docs.Sum(d => store.Status(d).MemoryBytes), long.MaxValue, t.CreatedAt));
    }

    public Task<IReadOnlyList<DocumentStatus>> ListDocuments(CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<DocumentStatus>>(Own().OrderByDescending(d => d.CreatedAt).Select(store.Status).ToList());

    private IEnumerable<StoredDocument> Own() => store.Documents.Values.Where(d => d.Tenant == GetPrimaryKeyString());
}
