using System.Globalization;
using StackExchange.Redis;
using MemoryPlatform.Grains.Storage;

namespace MemoryPlatform.Grains.Tenants;

/// <summary>
/// A tenant's control data: <c>tenant:{t}</c> (name, api_key_sha256, created, memory_bytes, span_seq),
/// <c>tenant:{t}:docs</c> (document ids), <c>tenant:{t}:content</c> (dedupe index) and <c>apikey:{hash}</c>.
/// Invariants:
/// - quota checks and the usage they admit are one script over the tenant's keys (one hash tag), so two
///   documents ingesting at once cannot both squeeze under a limit;
/// - every admitted ingest or append draws a fresh span version from <c>span_seq</c>, which outlives
///   deleted documents, so versions of one document id only grow, across delete and re-create too;
/// - a dedupe entry names a stored blob of another span with the same content, and is removed when
///   that document is deleted (a copy owns its own bytes, so deleting the source breaks nothing).
/// </summary>
public sealed class TenantStore(RedisStores redis)
{
    // KEYS: tenant. ARGV: name, key hash, created. 0 = exists.
    private const string CreateScript = """
        if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
        redis.call('HSET', KEYS[1], 'name', ARGV[1], 'api_key_sha256', ARGV[2], 'created', ARGV[3], 'memory_bytes', 0, 'span_seq', 0)
        return 1
        """;

    // KEYS: tenant, docs. ARGV: doc id, is new (1/0), memory delta, max documents, max memory bytes.
    // {version} on success; {-1} no tenant; {-2, count} too many documents; {-3, used} too much memory.
    private const string ReserveScript = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
        if ARGV[2] == '1' and redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then
          local count = redis.call('SCARD', KEYS[2])
          if count >= tonumber(ARGV[4]) then return {-2, count} end
        end
        local used = tonumber(redis.call('HGET', KEYS[1], 'memory_bytes') or '0')
        local delta = tonumber(ARGV[3])
        if delta > 0 and used + delta > tonumber(ARGV[5]) then return {-3, used} end
        if ARGV[2] == '1' then redis.call('SADD', KEYS[2], ARGV[1]) end
        redis.call('HINCRBY', KEYS[1], 'memory_bytes', delta)
        return {redis.call('HINCRBY', KEYS[1], 'span_seq', 1)}
        """;

    // KEYS: tenant, docs, content. ARGV: doc id, memory delta to give back, then content hashes of its spans.
    private const string ReleaseScript = """
        redis.call('SREM', KEYS[2], ARGV[1])
        if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HINCRBY', KEYS[1], 'memory_bytes', -tonumber(ARGV[2])) end
        local prefix = ARGV[1] .. ':'
        for i = 3, #ARGV do
          local v = redis.call('HGET', KEYS[3], ARGV[i])
          if v and string.sub(v, 1, #prefix) == prefix then redis.call('HDEL', KEYS[3], ARGV[i]) end
        end
        return 1
        """;

    private IDatabase Db => redis.Control;

    /// <summary>Creates the tenant (only the key's hash is stored); false when it exists.</summary>
    public async Task<bool> CreateAsync(string tenant, string name, string apiKeyHash, DateTimeOffset created)
    {
        var result = await Db.ScriptEvaluateAsync(CreateScript, [RedisKeys.Tenant(tenant)],
            [name, apiKeyHash, created.ToUnixTimeMilliseconds()]).ConfigureAwait(false);
        if ((long)result == 0) return false;
        await Db.StringSetAsync(ApiKeys.IndexKey(apiKeyHash), tenant).ConfigureAwait(false);
        return true;
    }

    public async Task<TenantRecord?> GetAsync(string tenant)
    {
        var entries = await Db.HashGetAllAsync(RedisKeys.Tenant(tenant)).ConfigureAwait(false);
        if (entries.Length == 0) return null;
        var map = entries.ToDictionary(e => (string)e.Name!, e => (string?)e.Value ?? "");
        long Long(string f) => map.TryGetValue(f, out var v) && long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var documents = await Db.SetLengthAsync(RedisKeys.TenantDocs(tenant)).ConfigureAwait(false);
        return new TenantRecord(tenant, map.GetValueOrDefault("name", ""), (int)documents, Long("memory_bytes"),
            DateTimeOffset.FromUnixTimeMilliseconds(Long("created")));
    }

    public Task<bool> ExistsAsync(string tenant) => Db.KeyExistsAsync(RedisKeys.Tenant(tenant));

    public async Task<string[]> DocumentIdsAsync(string tenant) =>
        (await Db.SetMembersAsync(RedisKeys.TenantDocs(tenant)).ConfigureAwait(false)).Select(v => (string)v!).ToArray();

    /// <summary>Admits <paramref name="memoryDelta"/> more slot bytes (and a new document when <paramref name="isNew"/>)
    /// within the limits; returns the span version to use.</summary>
    public async Task<Reservation> ReserveAsync(string tenant, string docId, bool isNew, long memoryDelta, int maxDocuments,
        long maxMemoryBytes)
    {
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(ReserveScript,
            [RedisKeys.Tenant(tenant), RedisKeys.TenantDocs(tenant)],
            [docId, isNew ? "1" : "0", memoryDelta, maxDocuments, maxMemoryBytes]).ConfigureAwait(false))!;
        var code = (long)result[0];
        return code switch
        {
            -1 => new Reservation(ReservationOutcome.NoTenant, 0, 0),
            -2 => new Reservation(ReservationOutcome.TooManyDocuments, 0, (long)result[1]),
            -3 => new Reservation(ReservationOutcome.TooMuchMemory, 0, (long)result[1]),
            _ => new Reservation(ReservationOutcome.Admitted, code, 0),
        };
    }

    /// <summary>Gives back memory (and, with <paramref name="removeDocument"/>, the document slot and its dedupe entries).</summary>
    public async Task ReleaseAsync(string tenant, string docId, long memoryBytes, bool removeDocument,
        IEnumerable<string> contentHashes)
    {
        if (!removeDocument)
        {
            await Db.HashIncrementAsync(RedisKeys.Tenant(tenant), "memory_bytes", -memoryBytes).ConfigureAwait(false);
            return;
        }
        var args = new List<RedisValue> { docId, memoryBytes };
        args.AddRange(contentHashes.Distinct().Select(h => (RedisValue)h));
        await Db.ScriptEvaluateAsync(ReleaseScript,
            [RedisKeys.Tenant(tenant), RedisKeys.TenantDocs(tenant), RedisKeys.TenantContent(tenant)], [.. args]).ConfigureAwait(false);
    }

    /// <summary>Records where a stored blob with this content lives, unless some span is recorded already.</summary>
    public Task RegisterContentAsync(string tenant, string hash, string docId, int span, long version) =>
        Db.HashSetAsync(RedisKeys.TenantContent(tenant), hash,
            string.Create(CultureInfo.InvariantCulture, $"{docId}:{span}:{version}"), When.NotExists);

    /// <summary>A span holding this content (doc id, index, version), if one was recorded.</summary>
    public async Task<(string DocId, int Span, long Version)?> FindContentAsync(string tenant, string hash)
    {
        var value = (string?)await Db.HashGetAsync(RedisKeys.TenantContent(tenant), hash).ConfigureAwait(false);
        var parts = value?.Split(':');
        if (parts is not { Length: 3 } ||
            !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var span) ||
            !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            return null;
        return (parts[0], span, version);
    }

    /// <summary>Drops a dedupe entry that turned out stale (its source span moved on).</summary>
    public Task ForgetContentAsync(string tenant, string hash) => Db.HashDeleteAsync(RedisKeys.TenantContent(tenant), hash);
}

public sealed record TenantRecord(string TenantId, string Name, int Documents, long MemoryBytes, DateTimeOffset CreatedAt);

public enum ReservationOutcome { Admitted, NoTenant, TooManyDocuments, TooMuchMemory }

/// <summary>Outcome of a quota reservation: the span version when admitted, else the usage that refused it.</summary>
public sealed record Reservation(ReservationOutcome Outcome, long Version, long Usage);
