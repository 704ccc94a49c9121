using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Models;

/// <summary>
/// Rotary position embedding (Su et al., RoFormer), HF's rotate-half pairing: dimension i pairs
/// with i + d/2. The angle of position m at frequency j is m · inv_freq[j]; inverse frequencies
/// come from <see cref="RopeFrequencies"/> (scaling types, and E²-LLM's g as inv_freq / g).
/// </summary>
public static class Rope
{
    /// <summary>cos and sin [B, 1, T, rotaryDim] for position ids [B, T], times the attention factor.</summary>
    public static (Tensor Cos, Tensor Sin) Angles(Tensor positions, RopeParameters rope, Device device)
    {
        using var scope = TensorScope.Begin();
        var invFreq = Tensor.From(rope.InvFreq.Select(f => (float)f).ToArray()).To(device);        // [d/2]
        var freqs = positions.To(DType.Float32).Unsqueeze(-1).Mul(invFreq);                            // [B, T, d/2]
        var emb = Tensor.Cat([freqs, freqs], -1).Unsqueeze(1);                                         // [B, 1, T, d]
        var cos = emb.Cos().Mul(rope.AttentionFactor);
        var sin = emb.Sin().Mul(rope.AttentionFactor);
        return (scope.Keep(cos), scope.Keep(sin));
    }

    /// <summary>x' = x·cos + rotate_half(x)·sin on the first rotaryDim dimensions of x [B, H, T, D].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = TensorScope.Begin();
        var rotary = cos.Size(-1);
        var xr = rotary == x.Size(-1) ? x : x.Narrow(-1, 0, rotary);
        var half = rotary / 2;
        var rotated = Tensor.Cat([xr.Narrow(-1, half, half).Neg(), xr.Narrow(-1, 0, half)], -1);    // rotate_half
        var result = xr.Mul(cos.To(x.DType)).Add(rotated.Mul(sin.To(x.DType)));
        if (rotary != x.Size(-1)) result = Tensor.Cat([result, x.Narrow(-1, rotary, x.Size(-1) - rotary)], -1);
        return scope.Keep(result);
    }
}
