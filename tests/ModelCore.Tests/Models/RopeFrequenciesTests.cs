using MemoryPlatform.ModelCore.Models;

namespace MemoryPlatform.ModelCore.Tests.Models;

/// <summary>
/// Golden values: shared/reference/rope.md (head_dim 128), reproduced by Fixtures/rope_reference.py.
/// Each row: indices j = 0, 1, 16, 32, 40, 48, 63.
/// </summary>
public class RopeFrequenciesTests
{
    private static readonly int[] Indices = [0, 1, 16, 32, 40, 48, 63];
    private const double RelativeTolerance = 1e-8;

    private static void AssertGolden(RopeParameters rope, double attentionFactor, params double[] expected)
    {
        Assert.Equal(64, rope.InvFreq.Length);
        AssertClose(attentionFactor, rope.AttentionFactor, "attention_factor");
        for (int i = 0; i < Indices.Length; i++)
            AssertClose(expected[i], rope.InvFreq[Indices[i]], $"inv_freq[{Indices[i]}]");
    }

    private static void AssertClose(double expected, double actual, string what)
    {
        double relative = Math.Abs(actual - expected) / Math.Abs(expected);
        Assert.True(relative <= RelativeTolerance, $"{what}: expected {expected:R}, got {actual:R} (relative error {relative:E2})");
    }

    private static RopeParameters Compute(double theta, RopeScaling? scaling, int maxPos = 4096, int seqLen = 4096, double scale = 1.0) =>
        RopeFrequencies.Compute(128, theta, scaling, maxPos, 1.0, seqLen, scale);

    [Fact]
    public void Default_base_1e4() =>
        AssertGolden(Compute(1e4, null), 1.0,
            1.0, 8.659643234e-01, 1.0e-01, 1.0e-02, 3.162277660e-03, 1.0e-03, 1.154781985e-04);

    [Fact]
    public void Default_type_object_equals_no_scaling() =>
        Assert.Equal(Compute(1e4, null).InvFreq, Compute(1e4, new RopeScaling(RopeType.Default)).InvFreq);

    [Fact]
    public void Linear_factor_8() =>
        AssertGolden(Compute(1e4, new RopeScaling(RopeType.Linear, 8.0)), 1.0,
            1.25e-01, 1.082455404e-01, 1.25e-02, 1.25e-03, 3.952847075e-04, 1.25e-04, 1.443477481e-05);

    [Fact]
    public void Dynamic_factor_2_past_max_positions() =>
        AssertGolden(Compute(1e4, new RopeScaling(RopeType.Dynamic, 2.0), maxPos: 4096, seqLen: 16384), 1.0,
            1.0, 8.396257426e-01, 6.100591234e-02, 3.721721340e-03, 9.192419088e-04, 2.270470058e-04, 1.649688550e-05);

    [Theory]
    [InlineData(1)]
    [InlineData(4095)]
    [InlineData(4096)]
    public void Dynamic_returns_to_the_original_base_within_max_positions(int seqLen) =>
        Assert.Equal(Compute(1e4, null).InvFreq, Compute(1e4, new RopeScaling(RopeType.Dynamic, 2.0), maxPos: 4096, seqLen: seqLen).InvFreq);

    [Fact]
    public void Yarn_factor_8() =>
        AssertGolden(Compute(1e4, new RopeScaling(RopeType.Yarn, 8.0, OriginalMaxPositionEmbeddings: 4096)), 1.207944154,
            1.0, 8.659643234e-01, 1.0e-01, 5.961538462e-03, 1.033821543e-03, 1.25e-04, 1.443477481e-05);

    [Fact]
    public void Yarn_factor_16() =>
        AssertGolden(Compute(1e4, new RopeScaling(RopeType.Yarn, 16.0, OriginalMaxPositionEmbeddings: 4096)), 1.277258872,
            1.0, 8.659643234e-01, 1.0e-01, 5.673076923e-03, 8.817889629e-04, 6.25e-05, 7.217387404e-06);

    [Fact]
    public void Yarn_original_window_defaults_to_max_positions_and_attention_factor_can_be_given()
    {
        var rope = Compute(1e4, new RopeScaling(RopeType.Yarn, 8.0, AttentionFactor: 1.5), maxPos: 4096);
        Assert.Equal(Compute(1e4, new RopeScaling(RopeType.Yarn, 8.0, OriginalMaxPositionEmbeddings: 4096)).InvFreq, rope.InvFreq);
        Assert.Equal(1.5, rope.AttentionFactor);
    }

    [Fact]
    public void Llama3_base_5e5_factor_8() =>
        AssertGolden(Compute(5e5, new RopeScaling(RopeType.Llama3, 8.0, 8192, LowFreqFactor: 1.0, HighFreqFactor: 4.0)), 1.0,
            1.0, 8.146172339e-01, 3.760603093e-02, 5.248461610e-04, 3.428102196e-05, 6.647869871e-06, 3.068925989e-07);

    [Fact]
    public void Llama31_config_gives_the_llama3_golden_row() =>
        AssertGolden(RopeFrequencies.Compute(LlamaConfig.Parse(ConfigTexts.Llama31_8B), seqLen: 1), 1.0,
            1.0, 8.146172339e-01, 3.760603093e-02, 5.248461610e-04, 3.428102196e-05, 6.647869871e-06, 3.068925989e-07);

    [Fact]
    public void Llama2_config_gives_the_default_golden_row() =>
        AssertGolden(RopeFrequencies.Compute(LlamaConfig.Parse(ConfigTexts.Llama2_7B), seqLen: 1), 1.0,
            1.0, 8.659643234e-01, 1.0e-01, 1.0e-02, 3.162277660e-03, 1.0e-03, 1.154781985e-04);

    [Fact]
    public void E2llm_scale_g_is_linear_interpolation_on_top() =>
        // g = 8 on plain RoPE is exactly the linear f=8 row (E²-LLM: angle (m + t) / g).
        AssertGolden(Compute(1e4, null, scale: 8.0), 1.0,
            1.25e-01, 1.082455404e-01, 1.25e-02, 1.25e-03, 3.952847075e-04, 1.25e-04, 1.443477481e-05);

    [Fact]
    public void E2llm_scale_applied_as_yarn_is_the_yarn_row_over_the_base_window()
    {
        // Llama-2's window is 4096, so g = 8 applied the YaRN way is the yarn f=8, orig 4096 golden row: the fast
        // frequencies (j = 0, 1, 16) keep their plain-RoPE values, the slow ones are divided by g.
        var config = LlamaConfig.Parse(ConfigTexts.Llama2_7B) with { E2Llm = new E2LlmConfig(16, 4096, ScaleInterpolation.Yarn) };
        AssertGolden(RopeFrequencies.Compute(config, seqLen: 1, scale: 8.0), 1.207944154,
            1.0, 8.659643234e-01, 1.0e-01, 5.961538462e-03, 1.033821543e-03, 1.25e-04, 1.443477481e-05);
        AssertGolden(RopeFrequencies.Compute(config, seqLen: 1, scale: 1.0), 1.0,
            1.0, 8.659643234e-01, 1.0e-01, 1.0e-02, 3.162277660e-03, 1.0e-03, 1.154781985e-04);
        Assert.Throws<ArgumentOutOfRangeException>(() => RopeFrequencies.YarnScale(128, 1e4, 0.5, 4096));
    }

    [Fact]
    public void E2llm_scale_composes_with_a_scaling_variant()
    {
        var yarn = new RopeScaling(RopeType.Yarn, 8.0, OriginalMaxPositionEmbeddings: 4096);
        var plain = Compute(1e4, yarn);
        var scaled = Compute(1e4, yarn, scale: 4.0);
        for (int j = 0; j < 64; j++)
            AssertClose(plain.InvFreq[j] / 4.0, scaled.InvFreq[j], $"inv_freq[{j}]");
        Assert.Equal(plain.AttentionFactor, scaled.AttentionFactor);
    }

    [Fact]
    public void Partial_rotary_factor_shrinks_the_rotated_width()
    {
        var half = RopeFrequencies.Compute(128, 1e4, null, 4096, 0.5, 1);
        Assert.Equal(32, half.InvFreq.Length);
        // dim 64: θ_j = base^(−2j/64), so θ_16 = base^(−1/2).
        AssertClose(1e-2, half.InvFreq[16], "inv_freq[16]");
    }

    [Fact]
    public void Invalid_inputs_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => RopeFrequencies.Compute(127, 1e4, null, 4096, 1.0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Compute(1e4, null, scale: 0));
        Assert.Throws<InvalidDataException>(() => Compute(1e4, new RopeScaling(RopeType.Linear)));
    }
}
