using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MemoryPlatform.Cli.Platform;
using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Models;

namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// `ingest` in `memplat bench all`: document tokens/s from POST /v1/documents to status "ready" through the real
/// processes of `memplat up` (<see cref="LocalPlatform"/>: gateway → one silo's grains and model → Redis), against
/// the encoder alone: the same document's spans encoded in this process by the same model with the silo's batch
/// size; the two alternate. Each repetition ingests the document for a fresh tenant, so no span is copied from an earlier run (the
/// content dedupe is per tenant). Ratio: platform tokens/s / encoder-alone tokens/s.
/// </summary>
public static class IngestBench
{
    public static readonly BenchTarget Target = new(0.8);
    /// <summary>How often the status is read. The moment of readiness is the status's own updated_at (the last span's
    /// commit, stamped by the silo on this machine's clock), so polling adds no delay to the measurement and can be rare
    /// enough to leave the cores to the platform.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public static async Task<BenchOutcome> RunAsync(IMemoryModel model, DeviceThread device, string modelDir, string adapterDir, int spans,
                                                    int repeats, Action<string> progress, CancellationToken ct)
    {
        var batch = new BatchingOptions().MaxEncodeBatch;           // what the silo's model grain runs with
        var text = DocumentText(model, spans * model.SpanLength);
        var tokens = model.Tokenize(text);
        var documentSpans = tokens.Chunk(model.SpanLength).ToArray();

        void EncoderAlone()
        {
            foreach (var chunk in documentSpans.Chunk(batch)) model.EncodeSpans(chunk, ct);
        }

        var state = Directory.CreateTempSubdirectory("memplat-bench-ingest-").FullName;
        try
        {
            var (port, firstSilo) = FreePorts.Pick(silos: 1);
            var options = new LocalPlatformOptions(port, "admin-" + Guid.NewGuid().ToString("N"), Silos: 1, modelDir, adapterDir, "cpu", state)
            {
                FirstSiloPort = firstSilo,
            };
            await using var platform = await LocalPlatform.StartAsync(options, m => progress("ingest: " + m), ct);
            using var http = new HttpClient { BaseAddress = new Uri(platform.Url + "/"), Timeout = TimeSpan.FromMinutes(5) };
            // One tenant per run (warm-up included), created before the clock starts.
            var keys = new Queue<string>();
            for (var i = 0; i < repeats + 1; i++) keys.Enqueue(await CreateTenantAsync(http, platform.AdminKey, $"bench-{i}", ct));
            progress($"ingest: {tokens.Length:N0} tokens in {documentSpans.Length} spans, through the platform and the encoder alone, alternating");
            var (through, alone) = await BenchStats.PairedAsync(
                () => IngestAsync(http, keys.Dequeue(), text, tokens.Length, platform, ct),
                () => BenchStats.OnDevice(device, EncoderAlone), warmup: 1, repeats, ct);

            double aloneRate = tokens.Length / alone.Median, throughRate = tokens.Length / through.Median;
            return new BenchOutcome("ingest", "document tokens/s, gateway → grains → Redis vs the encoder alone",
                throughRate / aloneRate, "platform / encoder-alone tokens/s", Target,
                $"{throughRate:F0} vs {aloneRate:F0} tokens/s ({tokens.Length:N0} tokens, {documentSpans.Length} spans, encode batch {batch})",
                new JsonObject
                {
                    ["document_tokens"] = tokens.Length,
                    ["spans"] = documentSpans.Length,
                    ["encode_batch"] = batch,
                    ["silos"] = 1,
                    ["platform_tokens_per_s"] = throughRate,
                    ["platform_seconds"] = through.ToJson(),
                    ["encoder_tokens_per_s"] = aloneRate,
                    ["encoder_seconds"] = alone.ToJson(),
                });
        }
        finally
        {
            try { Directory.Delete(state, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Text of at least <paramref name="minTokens"/> tokens: words of samples/lighthouse.txt in a seeded random order,
    /// so that no two spans share content (equal spans would be encoded once and copied).
    /// </summary>
    public static string DocumentText(IMemoryModel model, int minTokens)
    {
        var words = File.ReadAllText(Path.Combine(RepoPaths.Root, "samples", "lighthouse.txt"))
            .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var random = new Random(7);
        var text = new StringBuilder();
        while (true)
        {
            for (var i = 0; i < 256; i++) text.Append(words[random.Next(words.Length)]).Append(i % 16 == 15 ? ".\n" : " ");
            if (model.Tokenize(text.ToString()).Length >= minTokens) return text.ToString();
        }
    }

    /// <summary>Seconds from sending the document to its last span's commit.</summary>
    private static async Task<double> IngestAsync(HttpClient http, string key, string text, int expectedTokens, LocalPlatform platform, CancellationToken ct)
    {
        var sent = DateTimeOffset.UtcNow;
        var created = await SendAsync(http, HttpMethod.Post, "v1/documents", key, new { id = "doc", text }, HttpStatusCode.Accepted, ct);
        var tokens = created.GetProperty("tokens").GetInt32();
        if (tokens != expectedTokens)
            throw new InvalidOperationException($"the platform tokenized the document into {tokens} tokens, this process into {expectedTokens}");
        while (true)
        {
            await Task.Delay(PollInterval, ct);
            platform.ThrowIfAnyExited();
            var status = await SendAsync(http, HttpMethod.Get, "v1/documents/doc", key, null, HttpStatusCode.OK, ct);
            switch (status.GetProperty("status").GetString())
            {
                case "ready": return (status.GetProperty("updated_at").GetDateTimeOffset() - sent).TotalSeconds;
                case "encoding": continue;
                default: throw new InvalidOperationException($"ingest did not finish: {status}");
            }
        }
    }

    private static async Task<string> CreateTenantAsync(HttpClient http, string adminKey, string name, CancellationToken ct) =>
        (await SendAsync(http, HttpMethod.Post, "v1/tenants", adminKey, new { name }, HttpStatusCode.Created, ct)).GetProperty("api_key").GetString()!;

    private static async Task<JsonElement> SendAsync(HttpClient http, HttpMethod method, string path, string key, object? body,
                                                     HttpStatusCode expected, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await http.SendAsync(request, ct);
        var content = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != expected)
            throw new InvalidOperationException($"{method} {path}: {(int)response.StatusCode} {content}");
        return JsonDocument.Parse(content).RootElement.Clone();
    }
}
