using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.SafeTensors;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Tests.Models;

/// <summary>
/// Logits against an independent plain-PyTorch implementation of the architecture
/// (Fixtures/llama/make_llama_fixtures.py, run with python3-torch). Random weights at 0.02 make
/// RoPE mistakes move logits by only ~5e-4, so the tolerance is 2e-5, well inside the 1e-4 asked.
/// </summary>
public class LlamaReferenceTests
{
    private const double Tolerance = 2e-5;

    private static string Fixture(string variant) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "llama", variant);

    [Theory]
    [InlineData("gqa_untied", "expected.safetensors", null)]
    [InlineData("gqa_untied_sharded", "expected.safetensors", null)]
    [InlineData("mha_tied_llama3", "expected.safetensors", null)]
    [InlineData("mistral_window", "expected.safetensors", null)]
    [InlineData("yarn_linear", "expected.safetensors", null)]
    [InlineData("yarn_linear", "expected_linear.safetensors", 2.0)]
    public void Logits_match_the_pytorch_reference_in_f32(string variant, string expectedFile, double? linearFactor)
    {
        using var model = Llama.Load(Fixture(variant), DType.Float32);
        using var expected = SafeTensorsFile.Open(Path.Combine(Fixture(variant), expectedFile));
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        var ids = expected.ReadTensor("ids");
        var rope = linearFactor is double f
            ? RopeFrequencies.Compute(model.Config with { RopeScaling = new RopeScaling(RopeType.Linear, f, null, null, null, null, null, null) }, (int)ids.Size(1))
            : model.RopeFor((int)ids.Size(1));
        AssertMaxAbsDiff(expected.ReadTensor("logits").ToArray<float>(), LogitsOf(model, ids, rope), Tolerance);
    }

    [Fact]
    public void Input_embeddings_at_explicit_positions_match_the_reference()
    {
        using var model = Llama.Load(Fixture("gqa_untied"), DType.Float32);
        using var expected = SafeTensorsFile.Open(Path.Combine(Fixture("gqa_untied"), "expected_embeds.safetensors"));
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        var positions = expected.ReadTensor("positions");
        var got = model.Logits(model.Forward(expected.ReadTensor("embeds"), positions, model.RopeFor(11))).ToArray<float>();
        AssertMaxAbsDiff(expected.ReadTensor("logits").ToArray<float>(), got, Tolerance);
    }

    [Fact]
    public void A_sharded_checkpoint_equals_the_single_file_one()
    {
        using var single = Llama.Load(Fixture("gqa_untied"), DType.Float32);
        using var sharded = Llama.Load(Fixture("gqa_untied_sharded"), DType.Float32);
        var a = single.NamedParameters().ToDictionary(p => p.Name, p => p.Value);
        foreach (var (name, value) in sharded.NamedParameters())
            Assert.Equal(a[name].ToBytes(), value.ToBytes());
    }

    [Fact]
    public void Bf16_weights_stay_close_to_f32()
    {
        using var model = Llama.Load(Fixture("gqa_untied"), DType.BFloat16);
        using var expected = SafeTensorsFile.Open(Path.Combine(Fixture("gqa_untied"), "expected.safetensors"));
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        var ids = expected.ReadTensor("ids");
        AssertMaxAbsDiff(expected.ReadTensor("logits").ToArray<float>(), LogitsOf(model, ids, model.RopeFor((int)ids.Size(1))), 2e-2);
    }

    /// <summary>Logits [B, T, V] of ids [B, T] at positions 0..T−1.</summary>
    private static float[] LogitsOf(Llama model, Tensor ids, RopeParameters rope)
    {
        var positions = Tensor.Arange(ids.Size(1)).Unsqueeze(0).Expand(ids.Size(0), ids.Size(1)).Contiguous();
        return model.Logits(model.Forward(model.Embed(ids), positions, rope)).ToArray<float>();
    }

    private static void AssertMaxAbsDiff(float[] want, float[] got, double tolerance)
    {
        Assert.Equal(want.Length, got.Length);
        var max = want.Zip(got).Max(p => Math.Abs(p.First - p.Second));
        Assert.True(max <= tolerance, $"max abs diff {max:E2} > {tolerance:E0}");
    }
}
