using MemoryPlatform.Grains.Contracts;
using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Runtime.Core;

namespace MemoryPlatform.Grains.Tenants;

/// <summary>
/// A tenant (key: tenant id): creation with a fresh API key (only its SHA-256 is stored), quotas and usage,
/// the document list. State lives in Redis (<see cref="TenantStore"/>); usage is kept by the document grains
/// through the same store, so this activation caches nothing.
/// </summary>
public sealed class TenantGrain(TenantStore tenants, DocumentStore documents, GrainsOptions options) : Grain, ITenantGrain
{
    private const int MaxNameLength = 200;

    private string Tenant
    {
        get
        {
            var id = GetPrimaryKeyString();
            return RedisIds.IsValid(id) ? id : throw new InvalidRequestException($"'{id}' is not a valid tenant id");
        }
    }

    public async Task<TenantCreated> Create(string name, CancellationToken ct)
    {
        var tenant = Tenant;
        if (string.IsNullOrWhiteSpace(name)) throw new InvalidRequestException("the tenant name is empty");
        if (name.Length > MaxNameLength) throw new InvalidRequestException($"the tenant name is longer than {MaxNameLength} characters");
        var apiKey = ApiKeys.Generate();
        if (!await tenants.CreateAsync(tenant, name, ApiKeys.Hash(apiKey), DateTimeOffset.UtcNow).WaitAsync(ct).ConfigureAwait(false))
            throw new InvalidRequestException($"tenant '{tenant}' already exists");
        return new TenantCreated(tenant, name, apiKey);
    }

    public async Task<TenantInfo?> Get(CancellationToken ct)
    {
        var record = await tenants.GetAsync(Tenant).WaitAsync(ct).ConfigureAwait(false);
        return record is null
            ? null
            : new TenantInfo(record.TenantId, record.Name, record.Documents, options.Quotas.MaxDocuments, record.MemoryBytes,
                options.Quotas.MaxMemoryBytes, record.CreatedAt);
    }

    public async Task<IReadOnlyList<DocumentStatus>> ListDocuments(CancellationToken ct)
    {
        var tenant = Tenant;
        var ids = await tenants.DocumentIdsAsync(tenant).WaitAsync(ct).ConfigureAwait(false);
        var records = await Task.WhenAll(ids.Select(id => documents.GetAsync(tenant, id))).WaitAsync(ct).ConfigureAwait(false);
        // A document being created or deleted may be in the set without metadata for a moment: it is not listed.
        return records.OfType<DocumentRecord>().Select(r => r.ToStatus())
            .OrderByDescending(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
    }
}
