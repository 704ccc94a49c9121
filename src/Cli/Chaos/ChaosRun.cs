using System.Security.Cryptography;
using MemoryPlatform.Cli.Platform;
using StackExchange.Redis;

namespace MemoryPlatform.Cli.Chaos;

/// <summary>
/// One chaos run, in order, against real processes: a redis-server (AOF), N silo processes and the gateway process.
/// 1. faults: documents are ingested and queried while silos are SIGKILLed and restarted and Redis restarts;
/// 2. settle: every acknowledged document must become ready; its span blobs are digested from Redis;
/// 3. corruption, 4. isolation, 5. bad input, 6. overload: the probes, each with its own checks;
/// 7. secrets: Redis, then (the platform stopped) its logs and AOF, must not hold a key in the clear;
/// 8. reference: a clean one-silo platform encodes the same documents; every survivor's blobs must equal its blobs.
/// Every request to the chaos platform is in the ledger; the 5xx the fault windows do not excuse are server errors.
/// </summary>
public static class ChaosRun
{
    public static async Task<ChaosReport> RunAsync(ChaosOptions options, Action<string> log, CancellationToken ct)
    {
        var report = new ChaosReport();
        var ledger = new RequestLedger();
        var timeline = new FaultTimeline();
        if (Directory.Exists(options.StateDir)) Directory.Delete(options.StateDir, recursive: true);
        var (port, firstSilo) = FreePorts.Pick(options.Silos);
        var platformOptions = new LocalPlatformOptions(port, "mpadmin_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
            options.Silos, options.ModelDir, options.AdapterDir, "cpu", Path.Combine(options.StateDir, "platform"))
        {
            FirstSiloPort = firstSilo,
            SiloSettings = ChaosSettings.Silo(options),
            GatewaySettings = ChaosSettings.Gateway(options),
        };

        var secrets = new List<string> { platformOptions.AdminKey! };
        IReadOnlyDictionary<string, string> acknowledged;
        Dictionary<string, string?[]> final;
        int corruptions, malformed;
        double rssGrowth;
        string[] onDisk;
        await using (var platform = await LocalPlatform.StartAsync(platformOptions, m => log("platform: " + m), ct))
        {
            using var client = new ChaosClient(platform.Url, ledger);
            var owner = await client.CreateTenantAsync(platform.AdminKey, "chaos owner", ct);
            var intruder = await client.CreateTenantAsync(platform.AdminKey, "chaos intruder", ct);
            var flood = await client.CreateTenantAsync(platform.AdminKey, "chaos flood", ct);
            var apiKeys = new[] { owner.Key, intruder.Key, flood.Key };
            secrets.AddRange(apiKeys);
            using var connection = await ConnectionMultiplexer.ConnectAsync(platform.Redis.ConnectionString + ",abortConnect=false");
            var redis = connection.GetDatabase();

            acknowledged = await FaultPhaseAsync(platform, client, owner, timeline, options, report, log, ct);
            // The fault phase restarted Redis; this run's own connection comes back in the background (CI once read
            // through it while it was still reconnecting, and the run died on a RedisConnectionException).
            await WaitConnectedAsync(redis, TimeSpan.FromSeconds(30), ct);

            var spans = await DocumentVerifier.SettleAsync(client, owner, acknowledged.Keys, options.SettleTimeout, report, "acknowledged document", ct);
            var digests = await DocumentVerifier.DigestsAsync(redis, owner.Id, spans);
            log($"settle: {spans.Count} of {acknowledged.Count} acknowledged documents ready");

            corruptions = await CorruptionProbe.RunAsync(client, owner, redis, spans, digests, options, report, log, ct);
            await IsolationProbe.RunAsync(client, intruder, owner, platform.AdminKey, spans.Keys, report, log, ct);
            (malformed, rssGrowth) = await BadInputProbe.RunAsync(client, platform, flood, options, report, log, ct);
            if (spans.Count > 0)
                await OverloadProbe.RunAsync(client, platform, owner, spans.Keys.Order(StringComparer.Ordinal).First(), options, report, log, ct);
            else report.Fail("no ready document to run the overload probe on");

            // After every probe: still ready, and the memory as it is now is what the reference must match.
            var still = await DocumentVerifier.SettleAsync(client, owner, spans.Keys, options.SettleTimeout, report, "acknowledged document", ct);
            final = await DocumentVerifier.DigestsAsync(redis, owner.Id, still);
            var keys = await SecretAudit.RedisAsync(redis, secrets, apiKeys, report, ct);
            log($"secrets: {keys} Redis keys read back, no key in the clear expected");
            onDisk = [platform.LogDirectory, platform.Redis.DataDirectory];
        }
        var files = SecretAudit.Files(onDisk, secrets, report);
        log($"secrets: {files} log and AOF files read");

        var reference = await ReferenceEncoder.EncodeAsync(options, acknowledged.Where(d => final.ContainsKey(d.Key)).ToDictionary(), report, log, ct);
        var verified = 0;
        foreach (var (id, blobs) in final.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (!reference.TryGetValue(id, out var expected)) continue; // reported by the reference's own settle
            if (blobs.SequenceEqual(expected) && blobs.All(b => b is not null)) verified++;
            else report.Fail($"the memory of {id} differs from a clean single-silo encode ({blobs.Length} spans vs {expected.Length}; " +
                             $"first differing span {Enumerable.Range(0, Math.Min(blobs.Length, expected.Length)).FirstOrDefault(i => blobs[i] != expected[i], -1)})");
        }

        var serverErrors = ledger.ServerErrors(timeline);
        var excused = ledger.Records.Where(timeline.Excuses).GroupBy(r => r.Status).Select(g => $"{g.Count()} × {g.Key}").ToList();
        log($"requests: {ledger.Count} to the chaos platform; in flight during a fault and told to retry: " +
            (excused.Count == 0 ? "none" : string.Join(", ", excused)) + $"; server errors: {serverErrors.Count}");
        var tally = new ResponseTally();
        foreach (var e in serverErrors) tally.Wrong($"in the {e.Phase} phase: {e.Method} answered {(e.Status == 0 ? "nothing" : e.Status)}", $"{e.Path}: {e.Detail}");
        tally.ReportTo(report, "server errors");
        report.Requests = ledger.Count;
        report.Faults = timeline.Faults.Count + corruptions;
        report.DocumentsVerified = verified;
        report.DocumentsLost = acknowledged.Count - final.Count;
        report.ServerErrors = serverErrors.Count;
        report.MalformedRequests = malformed;
        report.RssGrowthMb = rssGrowth;
        return report;
    }

    /// <summary>The load runs paced over the fault schedule; workers stop once the faults are over and the last document is in.</summary>
    private static async Task<IReadOnlyDictionary<string, string>> FaultPhaseAsync(LocalPlatform platform, ChaosClient client, ChaosTenant owner,
        FaultTimeline timeline, ChaosOptions options, ChaosReport report, Action<string> log, CancellationToken ct)
    {
        var load = new LoadGenerator(client, owner, options, report);
        using var injector = new FaultInjector(platform, timeline, options, report, log);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var running = load.RunAsync(FaultInjector.Duration(options), stop.Token, ct);
        try
        {
            await injector.RunAsync(ct);
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
        log($"faults: {timeline.Faults.Count} injected under load; {load.Acknowledged.Count} of {options.Documents} ingests acknowledged, " +
            $"{load.Answers} questions answered");
        return load.Acknowledged;
    }

    /// <summary>Pings until the connection answers: a dead socket is only found by using it, and then it reconnects.</summary>
    private static async Task WaitConnectedAsync(IDatabase redis, TimeSpan timeout, CancellationToken ct)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await redis.PingAsync();
                return;
            }
            catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException && watch.Elapsed < timeout)
            {
                await Task.Delay(100, ct);
            }
        }
    }
}
