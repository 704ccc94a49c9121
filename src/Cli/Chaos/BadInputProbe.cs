using MemoryPlatform.Cli.Platform;

namespace MemoryPlatform.Cli.Chaos;

/// <summary>
/// Floods the gateway with generated malformed requests (<see cref="MalformedRequests"/>) from a few concurrent clients.
/// Every answer must be a 4xx with the error shape; afterwards every process must still run, and the resident memory of
/// the gateway and silos must be where it was after a warm-up (garbage requests must not leak). A bare 4xx is a failure
/// wherever it comes from: a NUL (%00) in a path, which Kestrel itself would refuse with a bare 400, is answered by the
/// gateway's connection guard with the error shape (src/Gateway/Connections/NulTargetGuard.cs).
/// </summary>
public static class BadInputProbe
{
    public const string Phase = "bad-input";
    private const int Clients = 8;

    /// <returns>Requests sent, and the RSS growth in MB (gateway + silos) from the end of the warm-up to the end.</returns>
    public static async Task<(int Sent, double RssGrowthMb)> RunAsync(ChaosClient client, LocalPlatform platform, ChaosTenant tenant,
        ChaosOptions options, ChaosReport report, Action<string> log, CancellationToken ct)
    {
        var requests = new MalformedRequests(tenant.Key, platform.AdminKey, ChaosSettings.MaxBodyBytes)
            .Generate(options.MalformedRequests, options.Seed).GetEnumerator();
        var tally = new ResponseTally();
        var sent = 0;
        var pids = platform.Silos.Append(platform.Gateway).Select(c => c.Id).ToArray();

        // Warm-up: JIT, connection pools and first-touch allocations are not leaks.
        var warmUp = Math.Min(options.MalformedRequests / 10, 1000);
        await FloodAsync(warmUp);
        var before = await RssAsync(pids, ct);
        await FloodAsync(int.MaxValue);
        await Task.Delay(TimeSpan.FromSeconds(2), ct);
        var after = await RssAsync(pids, ct);

        tally.ReportTo(report, "malformed requests answered");
        if (platform.Children.FirstOrDefault(c => c.HasExited) is { } dead) report.Fail($"{dead.Name} exited during the malformed-request flood");
        var growth = after - before;
        if (growth > options.MaxRssGrowthMb)
            report.Fail($"RSS of the gateway and silos grew {growth:F1} MB over {sent - warmUp} malformed requests (bound {options.MaxRssGrowthMb} MB)");
        log($"bad input: {sent} malformed requests ({MalformedRequests.Categories.Length} categories), {sent - tally.WrongCount} " +
            $"answered 4xx with the error shape; RSS {before:F0} → {after:F0} MB");
        return (sent, growth);

        async Task FloodAsync(int limit)
        {
            var target = limit == int.MaxValue ? int.MaxValue : Volatile.Read(ref sent) + limit;
            await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
            {
                while (true)
                {
                    MalformedRequest request;
                    lock (requests)
                    {
                        if (sent >= target || !requests.MoveNext()) return;
                        request = requests.Current;
                        sent++;
                    }
                    var response = await client.SendAsync(Phase, request.ToHttp(), ct);
                    var verdict = response.Status switch
                    {
                        >= 400 and < 500 when response.ErrorCode is not null => null,
                        >= 400 and < 500 => "without the error shape",
                        0 => "with no HTTP answer",
                        _ => "with " + response.Status,
                    };
                    if (verdict is not null)
                        tally.Wrong($"{request.Category} {verdict} ({response.Status})",
                            $"{request.Method} {ResponseTally.Shorten(request.Path, 80)} {request.BodySample} → {ResponseTally.Shorten(response.Body)}");
                }
            }));
        }
    }

    /// <summary>The median of five samples a quarter second apart: one sample can land on a collection in progress.</summary>
    private static async Task<double> RssAsync(int[] pids, CancellationToken ct)
    {
        var samples = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            samples.Add(ProcessMemory.TotalMb(pids));
            await Task.Delay(250, ct);
        }
        return samples.Order().ElementAt(2);
    }
}
