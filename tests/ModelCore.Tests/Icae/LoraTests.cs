using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using static MemoryPlatform.ModelCore.Tests.Icae.IcaeFixtures;

namespace MemoryPlatform.ModelCore.Tests.Icae;

public class LoraTests
{
    [Fact]
    public void Lora_delta_is_alpha_over_r_times_B_A_x_and_dropout_acts_only_in_training()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.From(new float[] { 1, 2, 0, -1, 0.5f, 3 }, 2, 3);       // [r 2, in 3]
        var b = Tensor.From(new float[] { 1, 0, 0, 1, 2, -1 }, 3, 2);          // [out 3, r 2]
        using var lora = new LoraLinear(a, b, scaling: 16.0 / 2, dropout: 0.5);
        var x = Tensor.From(new float[] { 1, 1, 1 }, 1, 3);
        // A x = [3, 2.5]; B (A x) = [3, 2.5, 3.5]; × α/r = 8.
        Assert.Equal([24f, 20f, 28f], lora.Delta(x, training: false).ToArray<float>());

        var ones = Tensor.Ones([64, 3]);
        var trained = lora.Delta(ones, training: true).ToArray<float>();
        Assert.Contains(trained, v => Math.Abs(v - 24) > 1e-3 && Math.Abs(v - 20) > 1e-3 && Math.Abs(v - 28) > 1e-3);
    }

    [Fact]
    public void Fresh_adapters_have_the_configured_targets_and_shapes()
    {
        var config = Config(rank: 3) with { Lora = new LoraConfig { Rank = 3, Targets = ["q_proj", "v_proj", "gate_proj", "down_proj"] } };
        using var model = Model(config: config, activeLora: false);
        var updates = model.Adapter.Updates().ToList();
        Assert.Equal(2 * 4, updates.Count);
        Assert.Equal([3L, 64], model.Adapter[1, Projection.Q].A.Shape);
        Assert.Equal([64L, 3], model.Adapter[1, Projection.Q].B.Shape);
        Assert.Equal([32L, 3], model.Adapter[0, Projection.V].B.Shape);      // kv_dim = 2 heads × 16
        Assert.Equal([3L, 96], model.Adapter[0, Projection.Down].A.Shape);
        Assert.Equal([96L, 3], model.Adapter[0, Projection.Gate].B.Shape);
        Assert.All(updates, u => Assert.Equal(0f, u.Lora.B.Abs().Max().Item<float>()));
        Assert.Equal([7L, 64], model.MemoryEmbeddings.Shape);
    }
}
