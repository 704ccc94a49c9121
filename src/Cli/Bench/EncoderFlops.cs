using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;

namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// Model FLOPs of one ICAE encode, for model FLOPs utilisation (MFU), counted as PaLM counts them (Chowdhery et al.
/// 2022, appendix B), forward pass only: 2 FLOPs per multiply-add of every weight matrix per token, plus the two
/// attention products QKᵀ and AV over the full T × T scores, 4·T²·H·D per layer. The encoder's T is the span's n
/// tokens plus k memory tokens; its weight matrices are the base projections plus the LoRA pairs (r·(in + out)
/// each); it has no LM head (slots are hidden states). Norms, RoPE and softmax are not counted (a few % at most).
/// </summary>
public static class EncoderFlops
{
    public static double PerSpan(LlamaConfig m, IcaeConfig icae, int spanTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(spanTokens, 1);
        double t = spanTokens + icae.MemoryTokens;
        double d = m.HiddenSize, q = (double)m.NumAttentionHeads * m.HeadDim, kv = (double)m.NumKeyValueHeads * m.HeadDim;
        var baseWeights = d * q + 2 * d * kv + q * d + 3 * d * m.IntermediateSize;          // q, k, v, o; gate, up, down
        var loraWeights = icae.Lora.TargetProjections.Sum(p =>
        {
            var (outFeatures, inFeatures) = LoraAdapter.ProjectionShape(m, p);
            return (double)icae.Lora.Rank * (inFeatures + outFeatures);                          // A [r, in], B [out, r]
        });
        var perLayer = 2 * t * (baseWeights + loraWeights) + 4 * t * t * q;
        return m.NumHiddenLayers * perLayer;
    }
}
