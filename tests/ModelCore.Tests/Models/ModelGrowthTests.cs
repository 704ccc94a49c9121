using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tests.TestSupport;

namespace MemoryPlatform.ModelCore.Tests.Models;

public sealed class ModelGrowthTests
{
    [Theory]
    [InlineData(3, 4, 2)]   // a layer on top
    [InlineData(2, 4, 4)]   // GQA → MHA: each K/V head copied to the query heads that read it
    [InlineData(4, 8, 4)]   // everything at once: two K/V groups that only the four new heads read
    [InlineData(2, 8, 8)]   // MHA with new heads
    public void A_grown_model_computes_exactly_what_the_source_did(int layers, int heads, int kvHeads)
    {
        using var dir = new TempDirectory();
        using var source = TinyModels.Random(seed: 3);
        var config = ModelGrowth.Write(source, layers, heads, kvHeads, seed: 5, dir.Path);
        using var grown = Llama.Load(dir.Path, DType.Float32);

        foreach (var c in new[] { config, grown.Config })
            Assert.Equal((layers, heads, kvHeads, 16, 64), (c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim, c.HiddenSize));
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        var ids = TinyModels.Ids(1, 17, 42, 99, 5, 17, 42, 8, 64, 3);
        Tensor Logits(Llama m) => m.Logits(m.Forward(m.Embed(ids), TinyModels.Positions(0, 10), m.RopeFor(10)));
        var before = Logits(source);
        var after = Logits(grown);
        Assert.True(before.Abs().Max().Item<float>() > 0.1f);
        Assert.True(after.Sub(before).Abs().Max().Item<float>() < 1e-5f, "growth changed the model's output");
        // The new parts are there to learn: random inputs, zero outputs.
        if (heads > source.Config.NumAttentionHeads)
            Assert.True(grown.Blocks[0].Wq.Narrow(0, source.Config.NumAttentionHeads * 16, 16).Abs().Max().Item<float>() > 0);
        if (layers > source.Config.NumHiddenLayers)
            Assert.Equal(0f, grown.Blocks[^1].WDown.Abs().Max().Item<float>());
    }

    [Fact]
    public void Growth_that_would_change_what_an_old_head_reads_or_would_shrink_the_model_is_refused()
    {
        using var source = TinyModels.Random(seed: 3);   // 4 heads reading 2 K/V heads: heads 0,1 → 0 and 2,3 → 1
        var c = source.Config;
        var regroup = Assert.Throws<ArgumentException>(() => ModelGrowth.Target(c, 2, 8, 2));   // heads 0..3 would share one K/V head
        Assert.Contains("--kv-heads 2", regroup.Message);
        Assert.Contains("multiple of the model's 2", regroup.Message);
        Assert.Contains("--layers 1", Assert.Throws<ArgumentException>(() => ModelGrowth.Target(c, 1, 4, 2)).Message);
        Assert.Contains("--heads 2", Assert.Throws<ArgumentException>(() => ModelGrowth.Target(c, 2, 2, 2)).Message);
        Assert.Contains("must divide", Assert.Throws<ArgumentException>(() => ModelGrowth.Target(c, 2, 8, 3)).Message);
    }
}
