using System.Collections.Concurrent;

namespace MemoryPlatform.Cli.Chaos;

/// <summary>
/// The load that runs while faults are injected: one ingester adds the run's documents at a steady pace, retrying an
/// ingest whose outcome it could not learn (no answer, 429/503/504) as a careful client would; workers ask questions
/// over ready documents, read statuses and list. An ingest counts as acknowledged on a 202, or on a 409
/// document_exists after an attempt whose answer was lost (that attempt landed). Acknowledged documents must never be
/// lost: a 404 for one is a failure at once, and the verifier checks them all at the end.
/// </summary>
public sealed class LoadGenerator(ChaosClient client, ChaosTenant tenant, ChaosOptions options, ChaosReport report)
{
    public const string Phase = "faults";

    private readonly ConcurrentDictionary<string, string> acknowledged = new();
    private readonly ConcurrentDictionary<string, bool> ready = new();
    private int answers;

    /// <summary>Document id → text of every acknowledged ingest.</summary>
    public IReadOnlyDictionary<string, string> Acknowledged => acknowledged;

    public int Answers => answers;

    public static string DocumentId(int index) => $"chaos-{index:D4}";

    /// <summary>Ingests every document (paced over <paramref name="pace"/>) and runs the workers until <paramref name="stop"/>.</summary>
    public async Task RunAsync(TimeSpan pace, CancellationToken stop, CancellationToken ct)
    {
        var workers = Enumerable.Range(0, options.Workers).Select(i => WorkAsync(new Random(options.Seed * 1000 + i), stop, ct)).ToList();
        var perDocument = options.Documents > 0 ? pace / options.Documents : TimeSpan.Zero;
        for (var i = 0; i < options.Documents; i++)
        {
            var started = DateTime.UtcNow;
            await IngestAsync(DocumentId(i), ChaosTexts.Document(options.Seed * 100_000 + i, options.DocumentChars), ct);
            var left = perDocument - (DateTime.UtcNow - started);
            if (left > TimeSpan.Zero && i < options.Documents - 1) await Task.Delay(left, ct);
        }
        await Task.WhenAll(workers);
    }

    private async Task IngestAsync(string id, string text, CancellationToken ct)
    {
        var uncertain = false;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var response = await client.JsonAsync(Phase, HttpMethod.Post, "v1/documents", tenant.Key, new { id, text }, ct);
            if (response.Status == 202 || (response.Status == 409 && uncertain && response.ErrorCode == "document_exists"))
            {
                acknowledged[id] = text;
                return;
            }
            if (response.Status is not (0 or 429 or >= 500))
            {
                report.Fail($"ingest of {id} answered {response.Status} {response.ErrorCode}: {response.Body}");
                return;
            }
            // No answer, or one that says retry (a 500 is counted against the platform, and retried like a careful client would).
            uncertain = true;
            if (DateTime.UtcNow > deadline)
            {
                report.Fail($"ingest of {id} was never acknowledged in 2 minutes of retries (last: {response.Status})");
                return;
            }
            await Task.Delay(response.RetryAfter ?? TimeSpan.FromMilliseconds(500), ct);
        }
    }

    private async Task WorkAsync(Random random, CancellationToken stop, CancellationToken ct)
    {
        while (!stop.IsCancellationRequested)
        {
            var ids = acknowledged.Keys.ToArray();
            if (ids.Length == 0)
            {
                await Delay(TimeSpan.FromMilliseconds(200), stop);
                continue;
            }
            var id = ids[random.Next(ids.Length)];
            var readyIds = ready.Keys.ToArray();
            var roll = random.Next(10);
            if (roll < 5 && readyIds.Length > 0) await QueryAsync(readyIds[random.Next(readyIds.Length)], random, ct);
            else if (roll < 9) await StatusAsync(id, ct);
            else await client.JsonAsync(Phase, HttpMethod.Get, "v1/documents", tenant.Key, null, ct);
            await Delay(TimeSpan.FromMilliseconds(random.Next(20, 120)), stop);
        }
    }

    private async Task QueryAsync(string id, Random random, CancellationToken ct)
    {
        var response = await client.JsonAsync(Phase, HttpMethod.Post, "v1/query", tenant.Key,
            new { documents = new[] { id }, prompt = ChaosTexts.Question(random), max_tokens = options.QueryTokens }, ct);
        if (response.Status == 200) Interlocked.Increment(ref answers);
        else if (response.Status == 404) report.Fail($"acknowledged document {id} answered 404 to a query");
    }

    private async Task StatusAsync(string id, CancellationToken ct)
    {
        var response = await client.JsonAsync(Phase, HttpMethod.Get, $"v1/documents/{id}", tenant.Key, null, ct);
        if (response.Status == 404) report.Fail($"acknowledged document {id} answered 404 to its status");
        if (response.Status != 200) return;
        if (response.Json().GetProperty("status").GetString() == "ready") ready[id] = true;
        else ready.TryRemove(id, out _);
    }

    private static async Task Delay(TimeSpan delay, CancellationToken stop)
    {
        try { await Task.Delay(delay, stop); }
        catch (OperationCanceledException) { }
    }
}
