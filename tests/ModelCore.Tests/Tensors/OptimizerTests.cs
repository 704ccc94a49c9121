using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.ModelCore.Tests.Tensors;

public class OptimizerTests
{
    [Fact]
    public void AdamW_follows_the_decoupled_weight_decay_update()
    {
        var o = new AdamWOptions(LearningRate: 0.1, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, WeightDecay: 0.1);
        using var p = Tensor.From([1.0, -2.0]);
        p.RequiresGrad = true;
        using var opt = new AdamW([p], o);
        double[] theta = [1.0, -2.0], m = [0, 0], v = [0, 0];
        for (var t = 1; t <= 5; t++)
        {
            using (var scope = TensorScope.Begin())
                p.Mul(p).Mul(3.0).Sum().Backward();       // loss = 3 θ², g = 6 θ
            opt.StepOnce();
            opt.ZeroGrad();
            for (var i = 0; i < 2; i++)
            {
                var g = 6 * theta[i];
                theta[i] *= 1 - o.LearningRate * o.WeightDecay;
                m[i] = o.Beta1 * m[i] + (1 - o.Beta1) * g;
                v[i] = o.Beta2 * v[i] + (1 - o.Beta2) * g * g;
                var mHat = m[i] / (1 - Math.Pow(o.Beta1, t));
                var vHat = v[i] / (1 - Math.Pow(o.Beta2, t));
                theta[i] -= o.LearningRate * mHat / (Math.Sqrt(vHat) + o.Eps);
            }
        }
        var actual = p.ToArray<double>();
        Assert.Equal(theta[0], actual[0], 10);
        Assert.Equal(theta[1], actual[1], 10);
        Assert.Equal(5, opt.Step);
    }

    [Fact]
    public void Clipping_scales_gradients_to_the_global_norm()
    {
        using var a = Tensor.From([0f, 0f]);
        using var b = Tensor.From([0f]);
        a.RequiresGrad = b.RequiresGrad = true;
        using (var scope = TensorScope.Begin())
            (a.Mul(Tensor.From([3f, 0f])).Sum() + b.Mul(Tensor.From([4f])).Sum()).Backward();
        var norm = GradientClipping.ClipByGlobalNorm([a, b], 1.0);
        Assert.Equal(5.0, norm, 4);
        using var ga = a.Grad!;
        using var gb = b.Grad!;
        Assert.Equal(0.6f, ga.ToArray<float>()[0], 4);
        Assert.Equal(0.8f, gb.ToArray<float>()[0], 4);
    }
}
