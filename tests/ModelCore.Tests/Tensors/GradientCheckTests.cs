using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Tests.Tensors;

/// <summary>Autograd gradients against central finite differences, in float64.</summary>
public class GradientCheckTests
{
    [Fact]
    public void Linear_silu_rmsnorm_gradients_match_finite_differences()
    {
        Torch.ManualSeed(1);
        using var scope = TensorScope.Begin();
        var x = Tensor.Randn([2, 3], DType.Float64);
        var w = Tensor.Randn([4, 3], DType.Float64);
        var g = Tensor.Rand([4], DType.Float64).Add(0.5);
        var r = Tensor.Randn([2, 4], DType.Float64);
        Check(p => (Functional.RmsNorm(Functional.Silu(p[0].Linear(p[1])), p[2], 1e-6) * r).Sum(), x, w, g);
    }

    [Fact]
    public void Causal_attention_gradients_match_finite_differences()
    {
        Torch.ManualSeed(2);
        using var scope = TensorScope.Begin();
        var q = Tensor.Randn([1, 2, 3, 4], DType.Float64);
        var k = Tensor.Randn([1, 2, 3, 4], DType.Float64);
        var v = Tensor.Randn([1, 2, 3, 4], DType.Float64);
        var r = Tensor.Randn([1, 2, 3, 4], DType.Float64);
        Check(p => (Functional.ScaledDotProductAttention(p[0], p[1], p[2], causal: true) * r).Sum(), q, k, v);
    }

    [Fact]
    public void Cross_entropy_gradients_match_finite_differences()
    {
        Torch.ManualSeed(3);
        using var scope = TensorScope.Begin();
        var logits = Tensor.Randn([4, 5], DType.Float64);
        var targets = Tensor.From([1L, -100L, 4L, 0L]);
        Check(p => Functional.CrossEntropy(p[0], targets), logits);
    }

    /// <summary>Compares d f / d input from backward with (f(x + h) − f(x − h)) / 2h for every element.</summary>
    private static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs)
    {
        const double h = 1e-6;
        var leaves = inputs.Select(t => { var c = t.Clone(); c.RequiresGrad = true; return c; }).ToArray();
        f(leaves).Backward();
        for (var i = 0; i < inputs.Length; i++)
        {
            var analytic = leaves[i].Grad!.ToArray<double>();
            var values = inputs[i].ToArray<double>();
            for (var j = 0; j < values.Length; j++)
            {
                double Eval(double delta)
                {
                    using var s = TensorScope.Begin();
                    var shifted = (double[])values.Clone();
                    shifted[j] += delta;
                    var args = (Tensor[])inputs.Clone();
                    args[i] = Tensor.From(shifted, inputs[i].Shape);
                    using var noGrad = Autograd.NoGrad();
                    return f(args).Item<double>();
                }
                var numeric = (Eval(h) - Eval(-h)) / (2 * h);
                Assert.True(Math.Abs(numeric - analytic[j]) <= 1e-6 + 1e-5 * Math.Abs(numeric),
                    $"input {i} element {j}: autograd {analytic[j]}, finite difference {numeric}");
            }
        }
    }
}
