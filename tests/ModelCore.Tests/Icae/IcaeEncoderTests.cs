using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Tensors;
using static MemoryPlatform.ModelCore.Tests.Icae.IcaeFixtures;

namespace MemoryPlatform.ModelCore.Tests.Icae;

public class IcaeEncoderTests
{
    [Fact]
    public void Encode_returns_k_float32_slots_per_span()
    {
        using var model = Model();
        using var scope = TensorScope.Begin();
        var slots = model.Encode([Tokens(8, 1), Tokens(3, 2)]);
        Assert.Equal([2L, 4, 64], slots.Shape);
        Assert.Equal(DType.Float32, slots.DType);
        Assert.True(slots.IsFinite().All().Item<bool>());
    }

    [Fact]
    public void Split_spans_cuts_fixed_windows_and_an_empty_document_has_none()
    {
        using var model = Model();
        var spans = model.SplitSpans(Enumerable.Range(3, 19).ToArray());
        Assert.Equal([8, 8, 3], spans.Select(s => s.Length));
        Assert.Equal(Enumerable.Range(3, 19), spans.SelectMany(s => s));
        Assert.Empty(model.SplitSpans([]));
        Assert.Single(model.SplitSpans(Tokens(8, 0)));
    }

    // bf16: the encoder takes its attention products in bf16 (Hugging Face's eager numerics), and a padded batch runs the
    // matmul at another shape, so slots may differ by a few bf16 steps (0.016 to 0.031 at these magnitudes); a wrong mask
    // would move them by far more. Silos encode one span per call, where the slots are the same bit for bit.
    [Theory]
    [InlineData(DType.Float32, 1e-5)]
    [InlineData(DType.BFloat16, 8e-2)]
    public void A_span_gives_the_same_slots_alone_and_in_a_padded_batch(DType dtype, double tolerance)
    {
        using var model = Model(seed: 2, dtype: dtype);
        using var scope = TensorScope.Begin();
        int[][] spans = [Tokens(3, 1), Tokens(8, 2), Tokens(5, 3), Tokens(1, 4)];
        var batched = model.Encode(spans);
        for (var i = 0; i < spans.Length; i++)
        {
            var alone = model.Encode([spans[i]]).Select(0, 0);
            var diff = MaxAbsDiff(alone, batched.Select(0, i));
            Assert.True(diff <= tolerance, $"span {i}: max |alone − batched| = {diff} > {tolerance}");
        }
        // The memory positions of different spans really differ (the test could fail).
        Assert.True(MaxAbsDiff(batched.Select(0, 0), batched.Select(0, 1)) > 1e-2);
    }

    [Fact]
    public void A_fresh_adapter_with_zero_B_encodes_like_the_base_model()
    {
        using var model = Model(seed: 3, activeLora: false);
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        var span = Tokens(6, 5);
        var slots = model.Encode([span]);                                                        // [1, k, d]

        // The base model alone on [span tokens, memory rows] at positions 0..n+k−1.
        var k = model.MemoryTokens;
        var x = Tensor.Cat([model.Base.Embed(Tensor.From(span.Select(t => (long)t).ToArray())), model.MemoryEmbeddings.Narrow(0, 0, k)]).Unsqueeze(0);
        var hidden = model.Base.Forward(x, Tensor.Arange(span.Length + k).Unsqueeze(0), model.Base.RopeFor(span.Length + k));
        var expected = hidden.Narrow(1, span.Length, k);
        Assert.True(MaxAbsDiff(expected, slots) <= 1e-6);

        // Once B is non-zero the LoRA path changes the slots.
        RandomizeB(model, 3);
        Assert.True(MaxAbsDiff(expected, model.Encode([span])) > 1e-3);
    }

    [Fact]
    public void Bad_spans_are_refused_with_clear_errors()
    {
        using var model = Model();
        Assert.Contains("no spans", Assert.Throws<ArgumentException>(() => model.Encode([])).Message);
        Assert.Contains("span 1 is empty", Assert.Throws<ArgumentException>(() => model.Encode([Tokens(2, 0), []])).Message);
        Assert.Contains("span_length 8", Assert.Throws<ArgumentException>(() => model.Encode([Tokens(9, 0)])).Message);
        Assert.Contains("token id 101", Assert.Throws<ArgumentException>(() => model.Encode([[5, 101]])).Message);
    }
}
