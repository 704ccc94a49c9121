using System.Text.Json.Nodes;
using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Models;
using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Icae;
using Microsoft.Extensions.Logging.Abstractions;

namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// `decode` in `memplat bench all`: aggregate generated tokens/s of 1 and of 8 concurrent queries through a model grain
/// with the silo's default batching options. Each query asks a question over one span's slots and generates a fixed
/// number of tokens (no stop token, so every query does the same work); a run is timed from submission to the last
/// token of the last query, prefill included. Ratio: tokens/s with 8 concurrent / with 1.
/// </summary>
public static class DecodeBench
{
    public static readonly int[] Concurrency = [1, 8];
    public static readonly BenchTarget Target = new(4.0);

    public static async Task<BenchOutcome> RunAsync(IMemoryModel model, int vocab, BatchingOptions batching, int tokens, int repeats, CancellationToken ct)
    {
        await using var grain = new ModelGrain(model, "bench", "cpu", batching, NullLogger<ModelGrain>.Instance);
        var slots = (await grain.EncodeAsync([BenchTokens.Row(0, model.SpanLength, vocab)], ct))[0];
        var memory = new SlotMatrix(slots, model.SlotsPerSpan, model.HiddenSize, SlotDType.Float16);
        var options = new GenerationOptions { MaxTokens = tokens, StopTokens = [] };   // one instance: the grain batches equal options

        async Task Query()
        {
            var produced = 0;
            await foreach (var _ in grain.GenerateAsync(new MemoryPrompt([memory], MemoryTask.Answer, TtftBench.Question), options, ct)) produced++;
            if (produced != tokens) throw new InvalidOperationException($"a query produced {produced} tokens, expected {tokens}");
        }

        Task<double> Concurrent(int n) => BenchStats.SecondsAsync(() => Task.WhenAll(Enumerable.Range(0, n).Select(_ => Query())));
        var (alone, together) = await BenchStats.PairedAsync(() => Concurrent(Concurrency[0]), () => Concurrent(Concurrency[1]), warmup: 1, repeats, ct);
        var samples = new[] { alone, together };
        var rows = new JsonArray();
        var rates = new double[Concurrency.Length];
        for (var i = 0; i < Concurrency.Length; i++)
        {
            rates[i] = Concurrency[i] * tokens / samples[i].Median;
            rows.Add(new JsonObject { ["concurrent"] = Concurrency[i], ["tokens_per_s"] = rates[i], ["seconds"] = samples[i].ToJson() });
        }
        var ratio = rates[^1] / rates[0];
        return new BenchOutcome("decode", $"aggregate generated tokens/s, {Concurrency[0]} vs {Concurrency[^1]} concurrent queries through the model grain",
            ratio, $"tokens/s at {Concurrency[^1]} / at {Concurrency[0]}", Target,
            $"{rates[0]:F1} tok/s alone, {rates[^1]:F1} tok/s with {Concurrency[^1]} ({tokens} tokens each, max batch {batching.MaxGenerateBatch})",
            new JsonObject
            {
                ["tokens_per_query"] = tokens,
                ["memory_slots"] = model.SlotsPerSpan,
                ["max_generate_batch"] = batching.MaxGenerateBatch,
                ["max_batch_delay_ms"] = batching.MaxBatchDelay.TotalMilliseconds,
                ["runs"] = rows,
            });
    }
}
