using System.Text.Json.Nodes;
using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// `memplat bench model`: prefill tokens/s at 128, 512 and 2048 tokens and decode tokens/s, for
/// batch 1 and 8, in f32 and bf16. Without --model it measures a random model of the default
/// model's shape (the numbers depend on shape, not on the values of the weights).
/// </summary>
public static class ModelBench
{
    private static readonly int[] PrefillLengths = [128, 512, 2048];
    private static readonly int[] Batches = [1, 8];
    private const int DecodeTokens = 32;

    /// <summary>The default model's architecture (models/memplat-tiny), used when no directory is given.</summary>
    public static LlamaConfig DefaultShape => new()
    {
        ModelType = "llama", HiddenSize = 384, NumHiddenLayers = 6, NumAttentionHeads = 6, NumKeyValueHeads = 2, HeadDim = 64,
        IntermediateSize = 1024, MaxPositionEmbeddings = 8192, VocabSize = 4096, TieWordEmbeddings = true, EosTokenIds = [2],
    };

    public static JsonObject Run(string? modelDir, int repeats)
    {
        var rows = new JsonArray();
        string description = "";
        foreach (var dtype in new[] { DType.Float32, DType.BFloat16 })
        {
            using var model = modelDir is null ? Llama.Random(DefaultShape, 1, dtype) : Llama.Load(modelDir, dtype);
            description = modelDir ?? $"random, shape of memplat-tiny (d={DefaultShape.HiddenSize}, layers={DefaultShape.NumHiddenLayers})";
            var vocab = model.Config.VocabSize;
            foreach (var batch in Batches)
            {
                foreach (var length in PrefillLengths)
                {
                    var t = BenchStats.Time(() => Prefill(model, batch, length), warmup: 1, repeats);
                    rows.Add(Row("prefill", dtype, batch, length, batch * length / t.Median, t));
                }
                var prompts = Enumerable.Range(0, batch).Select(b => Enumerable.Range(0, 128).Select(i => (b * 31 + i * 7) % vocab).ToArray()).ToArray();
                var options = new GenerationOptions { MaxTokens = DecodeTokens, StopTokens = [] };
                var generator = new Generator(model);
                // Decode rate = (prefill + decode) − prefill, so the prompt's cost is not counted.
                var withDecode = BenchStats.Time(() => generator.GenerateAllAsync(prompts, options).GetAwaiter().GetResult(), 1, repeats);
                var prefillOnly = BenchStats.Time(() => generator.GenerateAllAsync(prompts, options with { MaxTokens = 1 }).GetAwaiter().GetResult(), 1, repeats);
                var decodeSeconds = Math.Max(1e-9, withDecode.Median - prefillOnly.Median);
                rows.Add(Row("decode", dtype, batch, 128, batch * (DecodeTokens - 1) / decodeSeconds, withDecode));
            }
        }
        return new JsonObject
        {
            ["model"] = description,
            ["threads"] = Torch.Threads,
            ["cpu"] = BenchStats.CpuModel(),
            ["results"] = rows,
        };
    }

    private static void Prefill(Llama model, int batch, int length)
    {
        using var noGrad = Autograd.NoGrad();
        using var scope = TensorScope.Begin();
        var ids = Tensor.RandInt(0, model.Config.VocabSize, [batch, length]);
        var positions = Tensor.Arange(length).Unsqueeze(0).Expand(batch, length).Contiguous();
        var hidden = model.Forward(model.Embed(ids), positions, model.RopeFor(length));
        model.Logits(hidden.Select(1, length - 1));
    }

    private static JsonObject Row(string phase, DType dtype, int batch, int tokens, double tokensPerSecond, BenchStats.Sample t) => new()
    {
        ["phase"] = phase,
        ["dtype"] = dtype == DType.Float32 ? "f32" : "bf16",
        ["batch"] = batch,
        ["tokens"] = tokens,
        ["tokens_per_s"] = tokensPerSecond,
        ["seconds_median"] = t.Median,
        ["seconds_min"] = t.Min,
        ["seconds_max"] = t.Max,
    };

    public static void PrintTable(JsonObject r)
    {
        Console.WriteLine($"model benchmark: {r["model"]}, {r["threads"]} threads, {r["cpu"]}");
        Console.WriteLine($"{"phase",-8} {"dtype",-5} {"batch",5} {"tokens",7} {"tokens/s",10} {"s (median)",11} {"s (min-max)",16}");
        foreach (var row in r["results"]!.AsArray())
            Console.WriteLine($"{row!["phase"],-8} {row["dtype"],-5} {row["batch"],5} {row["tokens"],7} {row["tokens_per_s"]!.GetValue<double>(),10:F1} " +
                              $"{row["seconds_median"]!.GetValue<double>(),11:F3} {$"{row["seconds_min"]!.GetValue<double>():F3}-{row["seconds_max"]!.GetValue<double>():F3}",16}");
        Console.WriteLine("prefill: one forward pass over [batch, tokens]; decode: 31 new tokens after a 128-token prompt, prompt time subtracted.");
    }
}
