using System.Diagnostics;
using System.Security.Cryptography;
using MemoryPlatform.Grains.Storage;
using StackExchange.Redis;

namespace MemoryPlatform.Cli.Chaos;

/// <summary>
/// Acknowledged documents after the faults: each must become ready (its status is polled, which also lets a stalled
/// encode repair itself), and its memory is read straight from Redis as one SHA-256 per span blob, for comparison
/// with a clean encode. A document that is gone, failed or never ready is lost.
/// </summary>
public static class DocumentVerifier
{
    public const string Phase = "settle";

    /// <summary>Span count of every document that became ready; the others are reported (as <paramref name="label"/>s) lost.</summary>
    public static async Task<Dictionary<string, int>> SettleAsync(ChaosClient client, ChaosTenant tenant, IEnumerable<string> ids,
        TimeSpan timeout, ChaosReport report, string label, CancellationToken ct)
    {
        var waiting = new HashSet<string>(ids);
        var ready = new Dictionary<string, int>();
        var watch = Stopwatch.StartNew();
        while (waiting.Count > 0)
        {
            foreach (var id in waiting.ToList())
            {
                var response = await client.JsonAsync(Phase, HttpMethod.Get, $"v1/documents/{id}", tenant.Key, null, ct);
                if (response.Status == 404 || (response.Status == 200 && response.Json().GetProperty("status").GetString() == "failed"))
                {
                    report.Fail($"{label} {id} is lost: {response.Status} {response.Body}");
                    waiting.Remove(id);
                }
                else if (response.Status == 200 && response.Json().GetProperty("status").GetString() == "ready")
                {
                    ready[id] = response.Json().GetProperty("spans").GetInt32();
                    waiting.Remove(id);
                }
            }
            if (waiting.Count == 0) break;
            if (watch.Elapsed > timeout)
            {
                foreach (var id in waiting) report.Fail($"{label} {id} was not ready within {timeout.TotalSeconds:F0} s");
                break;
            }
            await Task.Delay(500, ct);
        }
        return ready;
    }

    /// <summary>SHA-256 (hex) of each span blob of a document as stored; null for a missing blob.</summary>
    public static async Task<string?[]> DigestsAsync(IDatabase redis, string tenant, string id, int spans)
    {
        var keys = Enumerable.Range(0, spans).Select(i => (RedisKey)RedisKeys.Span(tenant, id, i)).ToArray();
        var values = spans == 0 ? [] : await redis.StringGetAsync(keys);
        return values.Select(v => v.IsNull ? null : Convert.ToHexStringLower(SHA256.HashData((byte[])v!))).ToArray();
    }

    public static async Task<Dictionary<string, string?[]>> DigestsAsync(IDatabase redis, string tenant, IReadOnlyDictionary<string, int> documents)
    {
        var digests = new Dictionary<string, string?[]>();
        foreach (var (id, spans) in documents) digests[id] = await DigestsAsync(redis, tenant, id, spans);
        return digests;
    }
}
