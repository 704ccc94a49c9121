using System.Text.Json.Nodes;
using MemoryPlatform.Cli.Bench;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;

namespace MemoryPlatform.Cli.Tests.Bench;

/// <summary>The formulas behind MFU and the memory ratio, checked against arithmetic done by hand on memplat-tiny's shape.</summary>
public sealed class BenchArithmeticTests
{
    private static readonly LlamaConfig Tiny = new()
    {
        ModelType = "llama", HiddenSize = 256, NumHiddenLayers = 4, NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 64,
        IntermediateSize = 768, MaxPositionEmbeddings = 512, VocabSize = 4096,
    };

    private static readonly IcaeConfig Adapter = new() { MemoryTokens = 128, SpanLength = 384, Lora = new LoraConfig { Rank = 128 } };

    [Fact]
    public void Encoder_flops_count_every_weight_matrix_the_lora_pairs_and_full_attention()
    {
        // T = 384 + 128 = 512. Per layer: base matrices 256·256 (q) + 2·256·128 (k, v) + 256·256 (o) + 3·256·768 (MLP)
        // = 786,432; LoRA q 128·(256 + 256) = 65,536, v 128·(256 + 128) = 49,152; attention 4·512²·(4·64).
        const double perLayer = 2.0 * 512 * (786_432 + 65_536 + 49_152) + 4.0 * 512 * 512 * 256;
        Assert.Equal(4 * perLayer, EncoderFlops.PerSpan(Tiny, Adapter, 384));
        Assert.Equal(4_764_729_344, EncoderFlops.PerSpan(Tiny, Adapter, 384));
    }

    [Fact]
    public void Encoder_flops_of_a_short_span_count_its_own_tokens_plus_the_memory_tokens()
    {
        var noLora = Adapter with { Lora = new LoraConfig { Rank = 128, Targets = [] } };
        const double t = 16 + 128;
        Assert.Equal(4 * (2 * t * 786_432 + 4 * t * t * 256), EncoderFlops.PerSpan(Tiny, noLora, 16));
    }

    [Fact]
    public void Kv_cache_holds_keys_and_values_of_every_layer_and_kv_head()
    {
        Assert.Equal(384L * 4 * 2 * 2 * 64 * 2, MemoryBench.KvCacheBytes(Tiny, 384, 2));   // 786,432 bytes
    }

    [Fact]
    public void Memory_ratio_is_kv_cache_over_the_stored_fp16_blob()
    {
        var outcome = MemoryBench.Run(Tiny, Adapter, kvBytesPerValue: 2);
        var fp16 = SlotBlob.SizeOf(128, 256, SlotDType.Float16);
        Assert.Equal(64 + 128 * 256 * 2, fp16);
        Assert.Equal(786_432.0 / fp16, outcome.Ratio);
        Assert.Null(outcome.Target);
        Assert.Equal(SlotBlob.SizeOf(128, 256, SlotDType.Int8), (long)outcome.Details["int8_blob_bytes"]!);
    }

    [Fact]
    public void Store_ratio_is_the_worse_of_write_and_read_over_every_size()
    {
        static JsonObject Row(double write, double read) => new()
        {
            ["rows"] = 128, ["dim"] = 256, ["write_ratio"] = write, ["read_ratio"] = read,
            ["store_write_mb_s"] = 1.0, ["raw_write_mb_s"] = 1.0, ["store_read_mb_s"] = 1.0, ["raw_read_mb_s"] = 1.0,
        };
        var outcome = StoreBench.Outcome(new JsonObject { ["dtype"] = "Float16", ["results"] = new JsonArray(Row(0.9, 0.95), Row(1.1, 0.85)) });
        Assert.Equal(0.85, outcome.Ratio);
        Assert.True(outcome.Met);
    }

    [Fact]
    public void The_peak_for_mfu_is_the_best_bf16_matmul()
    {
        var engine = new JsonObject
        {
            ["matmul"] = new JsonArray(
                new JsonObject { ["dtype"] = "f32", ["n"] = 512, ["gflops"] = 5000.0 },
                new JsonObject { ["dtype"] = "bf16", ["n"] = 512, ["gflops"] = 1800.0 },
                new JsonObject { ["dtype"] = "bf16", ["n"] = 2048, ["gflops"] = 1100.0 }),
        };
        Assert.Equal(1800.0, SuiteBench.PeakBf16Gflops(engine));
    }

    [Fact]
    public void Bench_tokens_follow_the_formula_the_python_reference_uses()
    {
        // 3 + (b·7919 + i·104729) mod (V − 3), as in bench/icae_encode_reference.py.
        Assert.Equal([3, 3 + 104_729 % 4093, 3 + 209_458 % 4093], BenchTokens.Row(0, 3, 4096));
        Assert.Equal(3 + 7919 % 4093, BenchTokens.Row(1, 1, 4096)[0]);
        Assert.All(BenchTokens.Rows(8, 512, 300).SelectMany(r => r), id => Assert.InRange(id, 3, 299));
    }
}
