namespace MemoryPlatform.ModelCore.Tensors;

/// <summary>Neural-network functions: activations, normalisation, attention, losses.</summary>
public static class Functional
{
    private static readonly AtenOp SoftmaxOp = new("aten::softmax", "int");
    private static readonly AtenOp LogSoftmaxOp = new("aten::log_softmax", "int");
    private static readonly AtenOp SiluOp = new("aten::silu");
    private static readonly AtenOp GeluOp = new("aten::gelu");
    private static readonly AtenOp EmbeddingOp = new("aten::embedding");
    private static readonly AtenOp MaskedFillOp = new("aten::masked_fill", "Scalar");
    private static readonly AtenOp CrossEntropyOp = new("aten::cross_entropy_loss");
    private static readonly AtenOp DropoutOp = new("aten::dropout");
    // libtorch >= 2.0 has a fused kernel; 1.13 (Debian) does not, and attention is composed there.
    private static readonly AtenOp SdpaOp = new("aten::scaled_dot_product_attention");
    private static readonly Lazy<bool> SdpaIsNative = new(() =>
        AtenOp.Exists("aten::scaled_dot_product_attention") && !SdpaOp.Schema().Contains("need_attn_weights"));
    private static readonly Lazy<bool> SdpaTakesScale = new(() => SdpaIsNative.Value && SdpaOp.Schema().Contains("scale"));

    public static Tensor Softmax(Tensor x, int dim, DType? dtype = null) => SoftmaxOp.Call(x, dim, Arg.Optional(dtype));

    public static Tensor LogSoftmax(Tensor x, int dim, DType? dtype = null) => LogSoftmaxOp.Call(x, dim, Arg.Optional(dtype));

    public static Tensor Silu(Tensor x) => SiluOp.Call(x);

    public static Tensor Gelu(Tensor x) => GeluOp.Call(x, "none");

    /// <summary>Rows of <paramref name="weight"/> [vocab, d] at <paramref name="ids"/> (any shape) → [..., d].</summary>
    public static Tensor Embedding(Tensor weight, Tensor ids) => EmbeddingOp.Call(weight, ids, -1, false, false);

    /// <summary>x where mask is false, <paramref name="value"/> where it is true.</summary>
    public static Tensor MaskedFill(Tensor x, Tensor mask, double value) => MaskedFillOp.Call(x, mask, value);

    /// <summary>
    /// Mean cross-entropy of <paramref name="logits"/> [N, C] against class ids [N]; targets equal
    /// to <paramref name="ignoreIndex"/> count neither in the sum nor in the mean.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets, long ignoreIndex = -100, Reduction reduction = Reduction.Mean) =>
        CrossEntropyOp.Call(logits, targets, Arg.None, (int)reduction, ignoreIndex, 0.0);

    public static Tensor Dropout(Tensor x, double p, bool training) =>
        p == 0 || !training ? x.Alias() : DropoutOp.Call(x, p, training);

    /// <summary>
    /// RMSNorm (Zhang &amp; Sennrich 2019): x / sqrt(mean(x²) + eps) · weight, computed in float32 and
    /// cast back, as Llama does, so bf16 activations do not lose the normaliser's precision.
    /// </summary>
    public static Tensor RmsNorm(Tensor x, Tensor weight, double eps)
    {
        var dtype = x.DType;
        using var x32 = x.To(AtLeastFloat32(dtype));
        using var sq = x32.Pow(2);
        using var ms = sq.Mean([-1], keepDim: true);
        using var msEps = ms.Add(eps);
        using var inv = msEps.Rsqrt();
        using var normed = x32.Mul(inv);
        using var cast = normed.To(dtype);
        return cast.Mul(weight);
    }

    /// <summary>
    /// softmax(q kᵀ · scale + mask) v. q [B, H, Tq, D], k and v [B, Hkv, Tk, D]; with grouped-query attention
    /// (Hkv &lt; H) key/value head j serves query heads j·H/Hkv .. (j+1)·H/Hkv − 1.
    /// <paramref name="keep"/> is a bool mask broadcastable to [B, H, Tq, Tk], true where a query may
    /// attend; <paramref name="causal"/> adds the lower-triangular mask aligned to the last query
    /// (so a query block that continues a KV cache sees every cached key).
    /// Uses libtorch's fused kernel when it exists; otherwise the same computation composed, with the softmax in
    /// float32 and the two products from float32 operands (<paramref name="float32Products"/>, the default) or in the
    /// input dtype, as Hugging Face's eager Llama computes them. A query row with no key to attend yields zeros, not NaN.
    /// </summary>
    /// <remarks><paramref name="bias"/>, when given, is <see cref="AttentionBias"/> of the same keep, causal flag and
    /// shapes, computed once by a caller that runs many layers over one mask; the composed path adds it instead of
    /// building it again.</remarks>
    public static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor? keep = null, bool causal = false, double? scale = null,
                                                   bool float32Products = true, Tensor? bias = null)
    {
        var tq = q.Size(-2);
        var tk = k.Size(-2);
        var s = scale ?? 1.0 / Math.Sqrt(q.Size(-1));
        using var scope = TensorScope.Begin();
        var mask = bias is not null && keep is null ? null : CombinedMask(keep, tq, tk, causal, q.Device);

        Tensor result;
        long heads = q.Size(1), kvHeads = k.Size(1), group = heads / kvHeads;
        if (heads != kvHeads && heads % kvHeads != 0)
            throw new ArgumentException($"{heads} query heads cannot share {kvHeads} key/value heads");
        if (SdpaIsNative.Value)
        {
            if (group > 1)
            {
                k = k.RepeatInterleave(group, 1);                                                    // [B, H, Tk, D]
                v = v.RepeatInterleave(group, 1);
            }
            result = SdpaTakesScale.Value
                ? SdpaOp.Call(q, k, v, mask, 0.0, false, s)
                : SdpaOp.Call(q.Mul(s * Math.Sqrt(q.Size(-1))), k, v, mask, 0.0, false);
        }
        else if (group > 1 && HasNoHeadDim(bias ?? mask))
        {
            // Grouped-query attention without copying keys and values per query head: the query heads of a group
            // attend as one block of group·Tq rows to the group's keys (same dot products; a decode step no longer
            // copies the whole cache twice per layer).
            long b = q.Size(0), d = q.Size(-1);
            var grouped = q.Reshape(b, kvHeads, group * tq, d);                                       // [B, Hkv, g·Tq, D]
            var groupBias = bias ?? BiasOf(mask, q.DType, float32Products);
            if (groupBias is not null && groupBias.Size(-2) > 1) groupBias = TileRows(groupBias, group);   // [.., g·Tq, Tk]
            result = Composed(grouped, k, v, groupBias, s, float32Products).Reshape(b, heads, tq, d);
        }
        else if (group > 1)   // a per-head mask
            result = Composed(q, k.RepeatInterleave(group, 1), v.RepeatInterleave(group, 1), bias ?? BiasOf(mask, q.DType, float32Products), s, float32Products);
        else result = Composed(q, k, v, bias ?? BiasOf(mask, q.DType, float32Products), s, float32Products);
        if (keep is not null) result = ZeroRowsWithoutKeys(result, mask!);
        return scope.Keep(result);
    }

    /// <summary>
    /// True when <see cref="ScaledDotProductAttention"/> (with its default float32 products) converts keys and values
    /// of <paramref name="dtype"/> to float32: half precision on the composed path (a libtorch without a fused kernel).
    /// </summary>
    public static bool ComposedAttentionCastsToFloat32(DType dtype) =>
        !SdpaIsNative.Value && dtype is DType.BFloat16 or DType.Float16;

    /// <summary>
    /// The additive bias the composed attention adds to its scores for <paramref name="keep"/> and causality (see
    /// <see cref="ScaledDotProductAttention"/>), in the dtype its scores have; null when nothing is masked or when the
    /// fused kernel runs (it takes the boolean mask itself). For a caller that attends many times over one mask.
    /// </summary>
    public static Tensor? AttentionBias(Tensor? keep, long tq, long tk, bool causal, DType dtype, bool float32Products, Device device)
    {
        if (SdpaIsNative.Value) return null;
        using var scope = TensorScope.Begin();
        var bias = BiasOf(CombinedMask(keep, tq, tk, causal, device), dtype, float32Products);
        return bias is null ? null : scope.Keep(bias);
    }

    /// <summary>keep ∧ causal: query i (of the last tq positions) may see keys 0 .. tk − tq + i (a single query sees every key).</summary>
    private static Tensor? CombinedMask(Tensor? keep, long tq, long tk, bool causal, Device device)
    {
        if (!causal || tq == 1) return keep;
        var causalMask = Tensor.Ones([tq, tk], DType.Bool, device).Tril(tk - tq);
        return keep is null ? causalMask : keep.LogicalAnd(causalMask);
    }

    private static Tensor? BiasOf(Tensor? mask, DType inputDType, bool float32Products) =>
        mask is null ? null : Bias(mask, float32Products ? AtLeastFloat32(inputDType) : inputDType);

    private static bool HasNoHeadDim(Tensor? mask) => mask is null || mask.Dim < 3 || mask.Size(-3) == 1;

    /// <summary>softmax(q kᵀ · s + bias) v with q, k, v [B, H, T, D] of equal head counts.</summary>
    private static Tensor Composed(Tensor q, Tensor k, Tensor v, Tensor? bias, double s, bool float32Products)
    {
        Tensor result;
        if (float32Products)
        {
            // Float32 operands (the default): a bf16 product would round the scores (to 1/8 at |score| ≈ 16), and its
            // kernel differs with the shape, so one request alone and in a padded batch would round differently.
            // (Under autocast the products are bf16 again; the last To brings the result back to the input dtype.)
            var f32 = AtLeastFloat32(q.DType);
            // The scale goes on q (Tq·D values) rather than on the scores (Tq·Tk); it is exact for power-of-two head sizes.
            var scores = q.To(f32).Mul(s).MatMul(k.To(f32).Transpose(-2, -1));                     // [B, H, Tq, Tk]
            if (bias is not null) scores = scores.Add(bias);
            result = Softmax(scores, -1, f32).MatMul(v.To(f32)).To(q.DType);                       // [B, H, Tq, D]
        }
        else
        {
            // Products in the input dtype, as Hugging Face's eager Llama computes them: in bf16 they run on the matrix
            // units, several times faster. For work whose shapes are fixed (the ICAE encoder, one span per call).
            // ATen's CPU softmax of bf16 accumulates in float32 and rounds once, which gives the bits of a float32
            // softmax cast back (Hugging Face's way) at a quarter of its cost; float16 has no CPU softmax in 1.13.
            var scores = q.Mul(s).MatMul(k.To(q.DType).Transpose(-2, -1));                          // [B, H, Tq, Tk]
            if (bias is not null) scores.AddInPlace(bias);
            var weights = Softmax(scores, -1, scores.DType == DType.Float16 ? DType.Float32 : null);
            result = weights.To(q.DType).MatMul(v.To(q.DType));                                     // [B, H, Tq, D]
        }
        return result;
    }

    /// <summary>A mask or bias [.., Tq, Tk] repeated <paramref name="times"/> along its rows: [.., times·Tq, Tk].</summary>
    private static Tensor TileRows(Tensor mask, long times)
    {
        var repeats = Enumerable.Repeat(1L, mask.Dim).ToArray();
        repeats[^2] = times;
        return mask.Repeat(repeats);
    }

    /// <summary>
    /// The mask as an additive bias of its own shape ([Tq, Tk] or [B, 1, Tq, Tk], not H times larger): 0 where a query may
    /// attend, a large negative number where not (−1e30; float16's lowest, −65504, in float16). Finite rather than −inf,
    /// so a fully masked row softmaxes to finite values (zeroed after) instead of NaN, which would poison gradients of
    /// padded batches.
    /// </summary>
    private static Tensor Bias(Tensor keep, DType dtype) =>
        MaskedFill(Tensor.Zeros([.. keep.Shape], dtype, keep.Device), keep.LogicalNot(), dtype == DType.Float16 ? -65504 : -1e30);

    /// <summary>float32 for half types (precision-sensitive steps), float64 stays float64 (gradient checks).</summary>
    private static DType AtLeastFloat32(DType t) => t == DType.Float64 ? DType.Float64 : DType.Float32;

    private static Tensor ZeroRowsWithoutKeys(Tensor output, Tensor mask)
    {
        var anyKey = mask.Sum(-1, keepDim: true).Gt(0);                                // [.., Tq, 1]
        return output.Mul(anyKey.To(output.DType));
    }
}

public enum Reduction { None = 0, Mean = 1, Sum = 2 }
