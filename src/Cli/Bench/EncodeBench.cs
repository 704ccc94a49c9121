using System.Text.Json;
using System.Text.Json.Nodes;
using MemoryPlatform.Grains.Models;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// `encode` in `memplat bench all`: full-length span encodes/s at batch 1 and 8 through the silo's model
/// (<see cref="IMemoryModel.EncodeSpans"/>, slots copied out as the model grain receives them) against
/// bench/icae_encode_reference.py, the same encoder in plain PyTorch eager code (as Hugging Face's Llama and PEFT's
/// LoRA compute it) on the same weights in bf16, kept running beside this process so that the two sides' runs
/// alternate. Also the model FLOPs utilisation (<see cref="EncoderFlops"/>) against a bf16 matmul peak. The first
/// span's slots of both sides are compared, so the two really compute the same encoder.
/// Ratio: memplat / PyTorch encodes/s at the worse of the two batch sizes.
/// </summary>
public static class EncodeBench
{
    public static readonly int[] Batches = [1, 8];
    public static readonly BenchTarget Target = new(1.0);

    /// <summary>Largest |memplat − PyTorch| over the first span's slots, relative to their largest |value|, that still
    /// counts as the same encoder: both compute in bf16, but the kernels (and so the roundings) differ a little.</summary>
    public const double SameEncoderTolerance = 0.05;

    private static readonly TimeSpan ReferenceTimeout = TimeSpan.FromMinutes(10);

    public static async Task<BenchOutcome> RunAsync(IMemoryModel model, DeviceThread device, LlamaConfig m, IcaeConfig icae, string modelDir,
                                                    string adapterDir, int repeats, double peakGflops, CancellationToken ct)
    {
        var flopsPerSpan = EncoderFlops.PerSpan(m, icae, icae.SpanLength);
        using var reference = await PythonWorker.StartAsync(RepoPaths.Bench("icae_encode_reference.py"),
            ["--serve", modelDir, adapterDir, Torch.Threads.ToString()], ReferenceTimeout, ct);
        var firstSpan = (await device.RunAsync(() => model.EncodeSpans([BenchTokens.Row(0, icae.SpanLength, m.VocabSize)], ct)))[0];
        var (maxDiff, relDiff) = Compare(firstSpan, reference.Ready.GetProperty("slots_first_span"));
        if (relDiff > SameEncoderTolerance)
            throw new InvalidOperationException($"the PyTorch reference computes other slots than memplat (max |diff| {maxDiff:G3}, " +
                                                $"{relDiff:P1} of the largest value): the comparison would be meaningless");

        var rows = new JsonArray();
        var ratio = double.PositiveInfinity;
        var summary = new List<string>();
        double bestMfu = 0;
        foreach (var b in Batches)
        {
            var spans = BenchTokens.Rows(b, icae.SpanLength, m.VocabSize);
            var (ours, theirs) = await BenchStats.PairedAsync(
                () => BenchStats.OnDevice(device, () => model.EncodeSpans(spans, ct)),
                async () => (await reference.AskAsync($"encode {b}", ReferenceTimeout, ct)).GetProperty("seconds").GetDouble(),
                warmup: 1, repeats, ct);
            double oursPerS = b / ours.Median, theirsPerS = b / theirs.Median;
            var mfu = oursPerS * flopsPerSpan / (peakGflops * 1e9);
            bestMfu = Math.Max(bestMfu, mfu);
            ratio = Math.Min(ratio, oursPerS / theirsPerS);
            summary.Add($"b{b} {oursPerS:F2} vs {theirsPerS:F2} spans/s");
            rows.Add(new JsonObject
            {
                ["batch"] = b,
                ["memplat_spans_per_s"] = oursPerS,
                ["memplat_seconds"] = ours.ToJson(),
                ["pytorch_spans_per_s"] = theirsPerS,
                ["pytorch_seconds"] = theirs.ToJson(),
                ["ratio"] = oursPerS / theirsPerS,
                ["memplat_tokens_per_s"] = oursPerS * icae.SpanLength,
                ["gflops_per_s"] = oursPerS * flopsPerSpan / 1e9,
                ["mfu"] = mfu,
            });
        }
        summary.Add($"MFU {bestMfu:P1} of {peakGflops:F0} GFLOP/s");
        return new BenchOutcome("encode", $"ICAE span encodes/s ({icae.SpanLength} tokens → {icae.MemoryTokens} slots), batch 1 and 8, vs PyTorch eager",
            ratio, "memplat / PyTorch spans/s, worse batch", Target, string.Join("; ", summary), new JsonObject
            {
                ["span_tokens"] = icae.SpanLength,
                ["flops_per_span"] = flopsPerSpan,
                ["peak_bf16_gflops"] = peakGflops,
                ["mfu_best"] = bestMfu,
                ["reference"] = $"bench/icae_encode_reference.py under python3-torch (libtorch {Torch.Version}), {Torch.Threads} threads, runs alternating",
                ["slots_max_abs_diff"] = maxDiff,
                ["slots_rel_diff"] = relDiff,
                ["batches"] = rows,
            });
    }

    /// <summary>Largest absolute difference, and that relative to the largest |value| of the reference.</summary>
    public static (double Max, double Relative) Compare(float[] ours, JsonElement theirs)
    {
        var reference = theirs.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        if (reference.Length != ours.Length)
            throw new InvalidOperationException($"the reference returned {reference.Length} slot values, memplat {ours.Length}");
        double max = 0, scale = 0;
        for (var i = 0; i < ours.Length; i++)
        {
            max = Math.Max(max, Math.Abs(ours[i] - reference[i]));
            scale = Math.Max(scale, Math.Abs(reference[i]));
        }
        return (max, scale > 0 ? max / scale : max);
    }
}
