using MemoryPlatform.Cli.Bench;
using MemoryPlatform.Grains.Hosting;
using MemoryPlatform.Grains.Models;
using MemoryPlatform.Grains.Tests.Support;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.Cli.Tests.Bench;

/// <summary>The model benchmarks of `bench all`, run end to end on a tiny real ICAE model (one repetition each).</summary>
public sealed class ModelBenchmarksTests : IDisposable
{
    private readonly TinyIcaeModel tiny = new();
    private LlamaConfig BaseConfig => LlamaConfig.Load(Path.Combine(tiny.ModelDir, "config.json"));
    private IcaeConfig AdapterConfig => IcaeConfig.Load(Path.Combine(tiny.AdapterDir, IcaeConfig.FileName));

    [Fact]
    public async Task Encode_compares_memplat_with_the_pytorch_reference_on_the_same_encoder()
    {
        using var model = tiny.Load();
        using var device = new DeviceThread("test");
        var outcome = await EncodeBench.RunAsync(model, device, BaseConfig, AdapterConfig, tiny.ModelDir, tiny.AdapterDir, repeats: 1, peakGflops: 1000,
            CancellationToken.None);

        Assert.Equal("encode", outcome.Name);
        Assert.Equal(EncodeBench.Target, outcome.Target);
        var batches = outcome.Details["batches"]!.AsArray();
        Assert.Equal([1, 8], batches.Select(b => (int)b!["batch"]!));
        Assert.All(batches, b => Assert.True((double)b!["pytorch_spans_per_s"]! > 0 && (double)b["memplat_spans_per_s"]! > 0));
        Assert.Equal(batches.Min(b => (double)b!["ratio"]!), outcome.Ratio);
        // The reference computes the same slots (bf16 rounding apart), so the comparison is between equals.
        Assert.InRange((double)outcome.Details["slots_rel_diff"]!, 0, EncodeBench.SameEncoderTolerance);
        Assert.Equal(EncoderFlops.PerSpan(BaseConfig, AdapterConfig, 16), (double)outcome.Details["flops_per_span"]!);
        Assert.True((double)outcome.Details["mfu_best"]! > 0);
    }

    [Fact]
    public async Task Ttft_reads_stored_slots_and_prefills_the_raw_document_at_its_e2llm_scale()
    {
        using var icae = IcaeModel.Load(tiny.ModelDir, tiny.AdapterDir, DType.BFloat16);
        using var device = new DeviceThread("test");
        var outcome = await TtftBench.RunAsync(icae, device, repeats: 1, CancellationToken.None, documentTokens: 1024);

        var question = icae.Tokenizer!.Encode(TtftBench.Question).Length;
        Assert.Equal(1024 / 16, (int)outcome.Details["spans"]!);
        Assert.Equal(1024 / 16 * 4 + 1 + question, (int)outcome.Details["slots_positions"]!);   // [slots][FT] question
        Assert.Equal(1024 + question, (int)outcome.Details["raw_positions"]!);
        Assert.Equal(3, (int)outcome.Details["raw_rope_scale"]!);                                 // ceil((1024 + q + 1) / 512)
        Assert.True(outcome.Ratio > 0);
    }

    [Fact]
    public async Task Decode_runs_one_and_eight_concurrent_queries_through_a_model_grain()
    {
        using var model = tiny.Load();
        var outcome = await DecodeBench.RunAsync(model, BaseConfig.VocabSize, new BatchingOptions(), tokens: 8, repeats: 1, CancellationToken.None);

        var runs = outcome.Details["runs"]!.AsArray();
        Assert.Equal([1, 8], runs.Select(r => (int)r!["concurrent"]!));
        Assert.Equal((double)runs[1]!["tokens_per_s"]! / (double)runs[0]!["tokens_per_s"]!, outcome.Ratio, 9);
    }

    public void Dispose() => tiny.Dispose();
}
