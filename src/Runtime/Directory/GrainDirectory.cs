using System.Text.Json;
using MemoryPlatform.Runtime.Core;
using MemoryPlatform.Runtime.Membership;
using MemoryPlatform.Runtime.Messaging;
using StackExchange.Redis;

namespace MemoryPlatform.Runtime.Directory;

/// <summary>
/// The grain directory: one Redis key per grain holding its activation {activationId, silo, address}
/// (modelled on Orleans' Redis grain directory).
/// Invariants:
/// - at most one activation per grain id: registration is a Lua compare-and-set that writes only if
///   the key is absent, or its silo is Dead / missing from the membership table, or it is a stale
///   entry of the registering silo itself (whose catalog holds at most one activation per grain);
///   otherwise the current entry wins and is returned, and the loser forwards to it;
/// - entries never expire (a TTL would let two activations exist); dead silos' entries are
///   replaced lazily at the next registration;
/// - unregistration deletes the key only if it still names the same activation.
/// </summary>
public sealed class GrainDirectory
{
    // KEYS: entry, membership hash. ARGV: new entry json, its activation id, registering silo id.
    private const string RegisterScript = """
        local cur = redis.call('GET', KEYS[1])
        if cur then
          local e = cjson.decode(cur)
          if e.activationId == ARGV[2] then return cur end
          if e.siloId ~= ARGV[3] then
            local row = redis.call('HGET', KEYS[2], e.siloId)
            if row and cjson.decode(row).status ~= 'Dead' then return cur end
          end
        end
        redis.call('SET', KEYS[1], ARGV[1])
        return ARGV[1]
        """;

    private const string UnregisterScript = """
        local cur = redis.call('GET', KEYS[1])
        if cur and cjson.decode(cur).activationId == ARGV[1] then
          redis.call('DEL', KEYS[1])
          return 1
        end
        return 0
        """;

    private readonly IDatabase _db;
    private readonly string _clusterId;
    private readonly RedisKey _membershipKey;

    public GrainDirectory(IDatabase db, string clusterId)
    {
        _db = db;
        _clusterId = clusterId;
        _membershipKey = ClusterKeys.Membership(clusterId);
    }

    /// <summary>Registers <paramref name="candidate"/> unless a live activation exists; returns the winner.</summary>
    public async Task<DirectoryEntry> RegisterAsync(GrainId grain, DirectoryEntry candidate)
    {
        var json = JsonSerializer.Serialize(candidate, WireJson.Options);
        var result = await _db.ScriptEvaluateAsync(RegisterScript, [Key(grain), _membershipKey],
            [json, candidate.ActivationId, candidate.SiloId]).ConfigureAwait(false);
        return Parse((string)result!);
    }

    public async Task<bool> UnregisterAsync(GrainId grain, string activationId)
    {
        var result = await _db.ScriptEvaluateAsync(UnregisterScript, [Key(grain)], [activationId])
            .ConfigureAwait(false);
        return (long)result == 1;
    }

    public async Task<DirectoryEntry?> LookupAsync(GrainId grain)
    {
        var value = await _db.StringGetAsync(Key(grain)).ConfigureAwait(false);
        return value.IsNull ? null : Parse(value!);
    }

    private RedisKey Key(GrainId grain) => ClusterKeys.Directory(_clusterId, grain.ToString());

    private static DirectoryEntry Parse(string json) =>
        JsonSerializer.Deserialize<DirectoryEntry>(json, WireJson.Options)
        ?? throw new InvalidDataException("empty directory entry");
}
