using System.Text;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.Grains.Tenants;
using StackExchange.Redis;

namespace MemoryPlatform.Cli.Chaos;

/// <summary>
/// Secrets (the admin key, tenants' API keys) must exist only where they were handed out: never in Redis, in the clear
/// (every key name and every value of every type is read back and searched), never in the AOF on disk, never in a log.
/// API keys must be there in their hashed form (<c>apikey:{sha256}</c>), which is how they are checked.
/// </summary>
public static class SecretAudit
{
    /// <returns>The number of Redis keys read.</returns>
    public static async Task<int> RedisAsync(IDatabase db, IReadOnlyList<string> secrets, IEnumerable<string> apiKeys, ChaosReport report,
        CancellationToken ct)
    {
        var keys = await MemoryStore.ScanAsync(db, "*", ct);
        foreach (var key in keys)
        {
            ct.ThrowIfCancellationRequested();
            var content = new List<byte[]> { Encoding.UTF8.GetBytes((string)key!) };
            var type = (string)(await db.ExecuteAsync("TYPE", (string)key!))!;
            var values = type switch
            {
                "string" => [await db.StringGetAsync(key)],
                "hash" => (await db.HashGetAllAsync(key)).SelectMany(e => new[] { e.Name, e.Value }).ToArray(),
                "set" => await db.SetMembersAsync(key),
                "list" => await db.ListRangeAsync(key),
                "zset" => await db.SortedSetRangeByRankAsync(key),
                "stream" => Flatten(await db.ExecuteAsync("XRANGE", (string)key!, "-", "+")).ToArray(),
                _ => [],
            };
            content.AddRange(values.Where(v => !v.IsNull).Select(v => (byte[])v!));
            foreach (var secret in secrets.Where(s => content.Any(c => Contains(c, s))))
                report.Fail($"Redis key '{key}' ({type}) holds a secret in the clear ({Describe(secret)})");
        }
        foreach (var apiKey in apiKeys)
            if (!await db.KeyExistsAsync(ApiKeys.IndexKey(ApiKeys.Hash(apiKey))))
                report.Fail($"no hashed index entry apikey:{{sha256}} for an API key the run was given");
        return keys.Count;
    }

    /// <returns>The number of files read.</returns>
    public static int Files(IEnumerable<string> directories, IReadOnlyList<string> secrets, ChaosReport report)
    {
        var files = 0;
        foreach (var file in directories.Where(Directory.Exists).SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories)))
        {
            files++;
            byte[] bytes;
            try { bytes = File.ReadAllBytes(file); }
            catch (IOException) { continue; }
            foreach (var secret in secrets.Where(s => Contains(bytes, s)))
                report.Fail($"{file} holds a secret in the clear ({Describe(secret)})");
        }
        return files;
    }

    /// <summary>XRANGE's reply, [[id, [field, value, ...]], ...], as its ids, fields and values.</summary>
    private static IEnumerable<RedisValue> Flatten(RedisResult result)
    {
        foreach (var entry in (RedisResult[])result!)
        {
            var parts = (RedisResult[])entry!;
            yield return (RedisValue)parts[0];
            foreach (var field in (RedisResult[])parts[1]!) yield return (RedisValue)field;
        }
    }

    private static bool Contains(byte[] haystack, string secret) => haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) >= 0;

    /// <summary>Which secret, without printing it.</summary>
    private static string Describe(string secret) => secret.StartsWith(ApiKeys.Prefix, StringComparison.Ordinal) ? "a tenant API key" : "the admin key";
}
