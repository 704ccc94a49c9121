using System.Text.Json;
using MemoryPlatform.Runtime.Messaging;
using StackExchange.Redis;

namespace MemoryPlatform.Runtime.Membership;

/// <summary>
/// The cluster's membership table: one Redis hash per cluster, field "Version" plus one JSON row per
/// silo (modelled on Orleans' Redis membership provider).
/// Invariants:
/// - every row change is a compare-and-swap on Version AND on the row as last read, then bumps Version;
///   so a change decided on a stale read never lands (a heartbeat in between also fails the CAS);
/// - a heartbeat rewrites only the row's IAmAlive (Redis TIME), never Version, and never a Dead row;
/// - all times are Redis server time, so no two silo clocks are ever compared.
/// </summary>
public sealed class MembershipTable
{
    private const string ReadScript = """
        return { redis.call('HGETALL', KEYS[1]), redis.call('TIME') }
        """;

    // ARGV: expected version, silo id, expected row ('' = must be absent), new row.
    private const string WriteScript = """
        local v = redis.call('HGET', KEYS[1], 'Version') or '0'
        if v ~= ARGV[1] then return 0 end
        local cur = redis.call('HGET', KEYS[1], ARGV[2])
        if ARGV[3] == '' then
          if cur then return 0 end
        elseif cur ~= ARGV[3] then
          return 0
        end
        redis.call('HSET', KEYS[1], ARGV[2], ARGV[4])
        redis.call('HINCRBY', KEYS[1], 'Version', 1)
        return 1
        """;

    // 1 = alive, 0 = row missing, -1 = row says Dead. cjson re-encodes numbers with 14 significant
    // digits: Unix-millisecond times (13 digits) stay exact integers that long parses.
    private const string HeartbeatScript = """
        local row = redis.call('HGET', KEYS[1], ARGV[1])
        if not row then return 0 end
        local r = cjson.decode(row)
        if r.status == 'Dead' then return -1 end
        local t = redis.call('TIME')
        r.iAmAlive = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
        return 1
        """;

    private readonly IDatabase _db;
    private readonly RedisKey _key;

    public MembershipTable(IDatabase db, string clusterId)
    {
        _db = db;
        _key = ClusterKeys.Membership(clusterId);
    }

    public async Task<MembershipSnapshot> ReadAsync()
    {
        var result = (RedisResult[])(await _db.ScriptEvaluateAsync(ReadScript, [_key]).ConfigureAwait(false))!;
        var fields = (RedisResult[])result[0]!;
        var time = (RedisResult[])result[1]!;
        var serverTimeMs = (long)time[0] * 1000 + (long)time[1] / 1000;

        long version = 0;
        var silos = new Dictionary<string, SiloEntry>(StringComparer.Ordinal);
        var raw = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            var field = (string)fields[i]!;
            var value = (string)fields[i + 1]!;
            if (field == "Version")
            {
                version = long.Parse(value);
                continue;
            }
            raw[field] = value;
            var entry = JsonSerializer.Deserialize<SiloEntry>(value, WireJson.Options);
            if (entry is not null) silos[field] = entry;
        }
        return new MembershipSnapshot(version, serverTimeMs, silos, raw);
    }

    /// <summary>Writes <paramref name="entry"/> if neither Version nor its row changed since <paramref name="basedOn"/>.</summary>
    public async Task<bool> TryWriteAsync(SiloEntry entry, MembershipSnapshot basedOn)
    {
        basedOn.RawRows.TryGetValue(entry.SiloId, out var expected);
        var result = await _db.ScriptEvaluateAsync(WriteScript, [_key],
        [
            basedOn.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            entry.SiloId,
            expected ?? "",
            JsonSerializer.Serialize(entry, WireJson.Options),
        ]).ConfigureAwait(false);
        return (long)result == 1;
    }

    public async Task<HeartbeatResult> HeartbeatAsync(string siloId)
    {
        var result = (long)await _db.ScriptEvaluateAsync(HeartbeatScript, [_key], [siloId]).ConfigureAwait(false);
        return result switch
        {
            1 => HeartbeatResult.Alive,
            0 => HeartbeatResult.RowMissing,
            _ => HeartbeatResult.DeclaredDead,
        };
    }
}

public enum HeartbeatResult
{
    Alive,
    /// <summary>Redis lost the row (restart without persistence, flush): re-register.</summary>
    RowMissing,
    /// <summary>Another silo declared this one dead: it must stop.</summary>
    DeclaredDead,
}
