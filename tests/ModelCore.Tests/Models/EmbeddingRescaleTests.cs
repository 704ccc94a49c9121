using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tests.TestSupport;

namespace MemoryPlatform.ModelCore.Tests.Models;

public sealed class EmbeddingRescaleTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_rescaled_model_gives_the_same_logits_and_a_tied_one_smaller_final_hidden_states(bool tied)
    {
        using var dir = new TempDirectory();
        using var source = Llama.Random(TinyModels.Config(tied: tied), seed: 3, std: 0.1);
        EmbeddingRescale.Write(source, 5, dir.Path);
        using var scaled = Llama.Load(dir.Path, DType.Float32);

        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        var ids = TinyModels.Ids(1, 17, 42, 99, 5, 17, 42, 8, 64, 3);
        Tensor Hidden(Llama m) => m.Forward(m.Embed(ids), TinyModels.Positions(0, 10), m.RopeFor(10));
        Tensor hBefore = Hidden(source), hAfter = Hidden(scaled);
        Tensor before = source.Logits(hBefore), after = scaled.Logits(hAfter);
        var largest = before.Abs().Max().Item<float>();
        Assert.True(largest > 0.1f);
        Assert.True(after.Sub(before).Abs().Max().Item<float>() < 1e-4f * largest, "rescaling changed the logits");
        Assert.Equal(5f, scaled.Embedding.Abs().Sum().Item<float>() / source.Embedding.Abs().Sum().Item<float>(), 3);
        // Tied: the slots ICAE takes (final-norm hidden states) come out 5 times smaller; untied: as they were.
        Assert.Equal(tied ? 0.2f : 1f, hAfter.Abs().Sum().Item<float>() / hBefore.Abs().Sum().Item<float>(), 3);
    }

    [Fact]
    public void A_factor_that_is_not_positive_is_refused()
    {
        using var dir = new TempDirectory();
        using var source = TinyModels.Random();
        foreach (var factor in new[] { 0, -2, double.NaN, double.PositiveInfinity })
            Assert.Contains("positive", Assert.Throws<ArgumentException>(() => EmbeddingRescale.Write(source, factor, dir.Path)).Message);
    }
}
