using MemoryPlatform.Cli.Platform;
using StackExchange.Redis;

namespace MemoryPlatform.Cli.Chaos;

/// <summary>
/// The clean encode every surviving document is compared with: a fresh platform (its own redis-server, one silo, no
/// faults, default settings) ingests the same texts under the same ids, and its span blobs are digested the same way.
/// Encodes are byte-reproducible on one kind of machine (one span per encode call: Grains:Batching:MaxEncodeBatch).
/// </summary>
public static class ReferenceEncoder
{
    public const string Phase = "reference";

    public static async Task<Dictionary<string, string?[]>> EncodeAsync(ChaosOptions options, IReadOnlyDictionary<string, string> documents,
        ChaosReport report, Action<string> log, CancellationToken ct)
    {
        var (port, firstSilo) = FreePorts.Pick(1);
        var state = Path.Combine(options.StateDir, "reference");
        var platformOptions = new LocalPlatformOptions(port, "admin-" + Guid.NewGuid().ToString("N"), Silos: 1, options.ModelDir,
            options.AdapterDir, "cpu", state)
        {
            FirstSiloPort = firstSilo,
            Build = false,
            GatewaySettings = ChaosSettings.UnlimitedRate,
        };
        await using var platform = await LocalPlatform.StartAsync(platformOptions, m => log("reference: " + m), ct);
        var ledger = new RequestLedger();
        using var client = new ChaosClient(platform.Url, ledger);
        var tenant = await client.CreateTenantAsync(platform.AdminKey, "reference", ct);
        foreach (var (id, text) in documents)
        {
            var response = await client.JsonAsync(Phase, HttpMethod.Post, "v1/documents", tenant.Key, new { id, text }, ct);
            if (response.Status != 202) throw new InvalidOperationException($"the reference platform refused {id}: {response.Status} {response.Body}");
        }
        var spans = await DocumentVerifier.SettleAsync(client, tenant, documents.Keys, options.SettleTimeout, report, "reference document", ct);
        using var redis = await ConnectionMultiplexer.ConnectAsync(platform.Redis.ConnectionString);
        var digests = await DocumentVerifier.DigestsAsync(redis.GetDatabase(), tenant.Id, spans);
        log($"reference: {digests.Count} documents encoded by one silo without faults ({ledger.Count} requests)");
        return digests;
    }
}
