using System.Text.Json.Nodes;
using MemoryPlatform.Grains.Models;
using MemoryPlatform.Grains.Storage;
using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.Runtime.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// `ttft` in `memplat bench all`: time to the first answer token for a question over a 4,096-token document, two ways
/// on the same frozen decoder. Stored slots: read the document's slot blobs from Redis (MGET + validation + fp16
/// decode), build <c>[slots][FT] question</c> and prefill it. Raw context: prefill the document's tokens followed by
/// the question. Each side runs at the E²-LLM scale its length needs, g = ceil(positions / L) (the raw side needs
/// about 4,096 / L; no E²-LLM bound is applied, since timing does not depend on whether g was trained).
/// Ratio: raw / slots time to first token.
/// </summary>
public static class TtftBench
{
    public const int DocumentTokens = 4096;
    public const string Question = "What did the keeper write in the log on the night of the storm?";
    public static readonly BenchTarget Target = new(3.5);

    public static async Task<BenchOutcome> RunAsync(IcaeModel icae, DeviceThread device, int repeats, CancellationToken ct,
                                                    int documentTokens = DocumentTokens)
    {
        var m = icae.Base.Config;
        var document = BenchTokens.Row(0, documentTokens, m.VocabSize);
        var question = icae.Tokenizer?.Encode(Question) ?? throw new InvalidOperationException("the model has no tokenizer.model");
        var spans = icae.SplitSpans(document);

        await using var server = await RedisServer.StartAsync(new RedisServerOptions(), ct);
        using var connection = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        using var stores = new RedisStores(connection, connection);
        var store = new MemoryStore(stores, NullLogger<MemoryStore>.Instance);
        for (var i = 0; i < spans.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var span = spans[i];
            var slots = await device.RunAsync(() =>
            {
                using var encoded = icae.Encode([span]);                                             // [1, k, d]
                return encoded.ToArray<float>();
            });
            await store.WriteAsync("bench", "ttft", i, 1, SlotBlob.Encode(slots, icae.MemoryTokens, icae.HiddenSize, SlotDType.Float16, icae.Fingerprint));
        }

        var generator = new Generator(icae.Base);
        var window = m.MaxPositionEmbeddings;
        var slotPositions = 0;
        async Task FromSlotsAsync()
        {
            var reads = await store.ReadSpansAsync("bench", "ttft", spans.Count, icae.Fingerprint, ct);
            var blocks = reads.Select(r => (r.Matrix ?? throw new InvalidOperationException($"stored span unusable: {r.Detail}"))
                .ToTensor()).ToArray();                                                              // [k, d] each, as the silo builds them
            try
            {
                Tensor input;
                using (Autograd.NoGrad()) input = icae.DecoderInput(IcaePrompt.Ask(blocks, question));   // [P, d]
                using (input)
                {
                    slotPositions = (int)input.Size(0);
                    await FirstTokenAsync(generator.GenerateAsync([input], Options(slotPositions, window), ct));
                }
            }
            finally
            {
                foreach (var b in blocks) b.Dispose();
            }
        }

        int[] raw = [.. document, .. question];
        var (fromSlots, fromRaw) = await BenchStats.PairedAsync(
            () => BenchStats.OnDevice(device, FromSlotsAsync),
            () => BenchStats.OnDevice(device, () => FirstTokenAsync(generator.GenerateAsync([raw], Options(raw.Length, window), ct))),
            warmup: 1, repeats, ct);

        var ratio = fromRaw.Median / fromSlots.Median;
        return new BenchOutcome("ttft", $"time to first answer token, {documentTokens:N0}-token document: stored slots vs raw-context prefill",
            ratio, "raw / slots seconds", Target,
            $"slots {fromSlots.Median:F2} s ({slotPositions} positions, g {Options(slotPositions, window).RopeScale}) vs raw {fromRaw.Median:F2} s " +
            $"({raw.Length} positions, g {Options(raw.Length, window).RopeScale})",
            new JsonObject
            {
                ["document_tokens"] = documentTokens,
                ["spans"] = spans.Count,
                ["question_tokens"] = question.Length,
                ["slots_positions"] = slotPositions,
                ["slots_rope_scale"] = (int)Options(slotPositions, window).RopeScale,
                ["slots_seconds"] = fromSlots.ToJson(),
                ["raw_positions"] = raw.Length,
                ["raw_rope_scale"] = (int)Options(raw.Length, window).RopeScale,
                ["raw_seconds"] = fromRaw.ToJson(),
            });
    }

    /// <summary>One greedy token, no stop tokens, at the E²-LLM scale that the prompt and that token need.</summary>
    private static GenerationOptions Options(int positions, int window) => new()
    {
        MaxTokens = 1,
        StopTokens = [],
        RopeScale = E2LlmPositions.ChooseScale(positions + 1, window, int.MaxValue),
    };

    private static async Task FirstTokenAsync(IAsyncEnumerable<GeneratedToken> tokens)
    {
        await foreach (var _ in tokens) return;
        throw new InvalidOperationException("the decoder produced no token");
    }
}
