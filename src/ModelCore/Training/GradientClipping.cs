using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Training;

/// <summary>Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_.</summary>
public static class GradientClipping
{
    /// <summary>
    /// Scales all gradients by min(1, maxNorm / ‖g‖) where ‖g‖ is the L2 norm over every parameter's
    /// gradient together; returns ‖g‖ before clipping (worth logging: spikes precede divergence).
    /// </summary>
    public static double ClipByGlobalNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        using var noGrad = Autograd.NoGrad();
        using var scope = TensorScope.Begin();
        var grads = parameters.Select(p => p.Grad).OfType<Tensor>().ToArray();
        if (grads.Length == 0) return 0;
        var norms = grads.Select(g => g.To(DType.Float32).Norm()).ToArray();
        var total = Tensor.Stack(norms).Norm().Item<float>();
        var coefficient = maxNorm / (total + 1e-6);
        if (coefficient < 1)
            foreach (var g in grads) g.MulInPlace(coefficient);
        return total;
    }
}
