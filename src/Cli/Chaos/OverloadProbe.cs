using System.Diagnostics;
using MemoryPlatform.Cli.Platform;

namespace MemoryPlatform.Cli.Chaos;

/// <summary>
/// Many more concurrent queries than a model queue holds: the admitted ones must complete (200 with an answer and its
/// usage), every other one must be refused with 429 overloaded and a Retry-After, nothing else; resident memory of the
/// gateway and silos is sampled throughout and its peak growth must stay under the bound (the queue is what bounds it).
/// </summary>
public static class OverloadProbe
{
    public const string Phase = "overload";

    /// <returns>Queries answered, queries refused, and the peak RSS growth in MB.</returns>
    public static async Task<(int Answered, int Refused, double PeakGrowthMb)> RunAsync(ChaosClient client, LocalPlatform platform,
        ChaosTenant tenant, string documentId, ChaosOptions options, ChaosReport report, Action<string> log, CancellationToken ct)
    {
        var pids = platform.Silos.Append(platform.Gateway).Select(c => c.Id).ToArray();
        var before = ProcessMemory.TotalMb(pids);
        var peak = before;
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, ProcessMemory.TotalMb(pids));
                try { await Task.Delay(100, sampling.Token); } catch (OperationCanceledException) { }
            }
        }, CancellationToken.None);

        var watch = Stopwatch.StartNew();
        var responses = await Task.WhenAll(Enumerable.Range(0, options.OverloadQueries).Select(i => client.JsonAsync(Phase, HttpMethod.Post,
            "v1/query", tenant.Key, new { documents = new[] { documentId }, prompt = $"Question {i}: who lit the lamp?", max_tokens = options.QueryTokens }, ct)));
        await sampling.CancelAsync();
        await sampler;

        var tally = new ResponseTally();
        int answered = 0, refused = 0;
        foreach (var response in responses)
        {
            if (response.Status == 200 && response.Json().TryGetProperty("usage", out _)) answered++;
            else if (response.Status == 429 && response.ErrorCode == "overloaded" && response.RetryAfter is not null) refused++;
            else tally.Wrong($"answered {response.Status} {response.ErrorCode}", ResponseTally.Shorten(response.Body));
        }
        tally.ReportTo(report, $"of {options.OverloadQueries} concurrent queries");
        if (answered == 0) report.Fail($"none of {options.OverloadQueries} concurrent queries was admitted and answered");
        if (refused == 0) report.Fail($"none of {options.OverloadQueries} concurrent queries was refused: a queue of {options.QueueLength} did not bound them");
        var growth = peak - before;
        if (growth > options.MaxOverloadRssGrowthMb)
            report.Fail($"RSS of the gateway and silos peaked {growth:F1} MB above its start under overload (bound {options.MaxOverloadRssGrowthMb} MB)");
        log($"overload: {options.OverloadQueries} concurrent queries against a queue of {options.QueueLength}: {answered} answered, " +
            $"{refused} refused with 429 + Retry-After in {watch.Elapsed.TotalSeconds:F1} s; RSS peak +{growth:F0} MB");
        return (answered, refused, growth);
    }
}
