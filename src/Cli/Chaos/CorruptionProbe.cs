using System.Diagnostics;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.ModelCore.Icae;
using StackExchange.Redis;

namespace MemoryPlatform.Cli.Chaos;

/// <summary>
/// Damages the stored memory of ready documents behind the platform's back, one kind of damage per document: a
/// truncated blob, an intact blob of another document (with its newer version key), a missing span key, a blob of
/// another model, a whole document of another model. Each document must then refuse to answer (409 not_ready, never
/// an answer from damaged memory), name the repair in its status, and come back ready with the very blobs it had.
/// </summary>
public static class CorruptionProbe
{
    public const string Phase = "corruption";

    private static readonly (string Damage, string Reported)[] Damages =
    [
        ("truncated blob", "span 0 corrupt"),
        ("another document's blob", "span 0 misplaced"),
        ("missing span key", "span 0 missing"),
        ("blob of another model", "span 0 foreign-model"),
        ("document of another model", "re-encoding all"),
    ];

    /// <returns>The number of damages injected.</returns>
    public static async Task<int> RunAsync(ChaosClient client, ChaosTenant tenant, IDatabase redis, IReadOnlyDictionary<string, int> spans,
        IReadOnlyDictionary<string, string?[]> digests, ChaosOptions options, ChaosReport report, Action<string> log, CancellationToken ct)
    {
        var ids = spans.Keys.Order(StringComparer.Ordinal).ToList();
        if (ids.Count < Damages.Length + 1)
        {
            report.Fail($"the corruption probe needs {Damages.Length + 1} ready documents, {ids.Count} are");
            return 0;
        }
        var source = ids[^1];
        for (var i = 0; i < Damages.Length; i++) await DamageAsync(Damages[i].Damage, redis, tenant.Id, ids[i], source);

        for (var i = 0; i < Damages.Length; i++)
        {
            var (damage, reported) = Damages[i];
            var id = ids[i];
            var answer = await client.JsonAsync(Phase, HttpMethod.Post, "v1/query", tenant.Key,
                new { documents = new[] { id }, prompt = "What is written here?", max_tokens = options.QueryTokens }, ct);
            if (answer.Status == 200) report.Fail($"{damage}: a query over {id} was answered from damaged memory");
            else if (answer.Status != 409 || answer.ErrorCode != "not_ready")
                report.Fail($"{damage}: a query over {id} answered {answer.Status} {answer.ErrorCode}, not 409 not_ready");

            var repair = await WaitReadyAsync(client, tenant, id, options.SettleTimeout, ct);
            if (repair is null) report.Fail($"{damage}: {id} was not ready again within {options.SettleTimeout.TotalSeconds:F0} s");
            else if (!repair.Contains(reported, StringComparison.Ordinal))
                report.Fail($"{damage}: the status of {id} reports '{repair}', not '{reported}'");
            var after = await DocumentVerifier.DigestsAsync(redis, tenant.Id, id, spans[id]);
            if (!after.SequenceEqual(digests[id])) report.Fail($"{damage}: the blobs of {id} after the repair differ from before the damage");
            else log($"corruption: {damage} in {id}: refused with 409, reported ('{reported}'), re-encoded to the same blobs");
        }
        return Damages.Length;
    }

    private static async Task DamageAsync(string damage, IDatabase redis, string tenant, string id, string source)
    {
        var key = RedisKeys.Span(tenant, id, 0);
        var blob = (byte[])(await redis.StringGetAsync(key))!;
        switch (damage)
        {
            case "truncated blob":
                await redis.StringSetAsync(key, blob[..(blob.Length / 2)]);
                break;
            case "another document's blob":
                await redis.StringSetAsync(key, await redis.StringGetAsync(RedisKeys.Span(tenant, source, 0)));
                await redis.StringSetAsync(RedisKeys.SpanVersion(tenant, id, 0), await redis.StringGetAsync(RedisKeys.SpanVersion(tenant, source, 0)));
                break;
            case "missing span key":
                await redis.KeyDeleteAsync(key);
                break;
            case "blob of another model":
                var header = SlotBlob.ReadHeader(blob);
                var slots = SlotBlob.Decode(blob, header.Fingerprint);
                await redis.StringSetAsync(key, SlotBlob.Encode(slots.Values, slots.Rows, slots.Dim, slots.DType, ModelFingerprint.Of("memplat chaos", "another model")));
                break;
            default:
                await redis.HashSetAsync(RedisKeys.Doc(tenant, id), "fingerprint", ModelFingerprint.Of("memplat chaos", "another model").ToHex());
                break;
        }
    }

    /// <summary>Polls the status until ready; returns the repair it last reported (null when never ready in time).</summary>
    private static async Task<string?> WaitReadyAsync(ChaosClient client, ChaosTenant tenant, string id, TimeSpan timeout, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        string? repair = null;
        while (watch.Elapsed < timeout)
        {
            var response = await client.JsonAsync(Phase, HttpMethod.Get, $"v1/documents/{id}", tenant.Key, null, ct);
            if (response.Status == 200)
            {
                var status = response.Json();
                if (status.TryGetProperty("repair", out var r)) repair = r.GetString();
                if (status.GetProperty("status").GetString() == "ready") return repair ?? "";
            }
            await Task.Delay(250, ct);
        }
        return null;
    }
}
