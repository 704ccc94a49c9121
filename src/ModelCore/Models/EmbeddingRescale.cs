using MemoryPlatform.ModelCore.SafeTensors;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Models;

/// <summary>
/// A function-preserving change of scale: the residual stream c times larger, the final hidden states c times
/// smaller (when the head is tied), the logits exactly as before.
/// <list type="bullet">
/// <item>Embeddings × c, so the stream starts c times larger;</item>
/// <item>every o_proj and down_proj × c, so each block writes c times more; RMSNorm reads x/rms(x), the same for c·x,
/// so every block computes what it did and the stream stays c times larger;</item>
/// <item>with a tied head, the final norm's weight ÷ c: the head (the embeddings) is c times larger, so the final hidden
/// state must be c times smaller for the logits to stay put. An untied head and final norm are left as they are;</item>
/// <item>rms_norm_eps × c², so that x/√(mean x² + ε) is exactly what it was for the c times larger x.</item>
/// </list>
/// Why: ICAE feeds final-norm hidden states back in as input embeddings. With a tied head they come out about 27 times
/// the embeddings' norm here, and a decoder that copies 97 % of a passage from its embeddings copies 10 % of it at 30
/// times their scale (docs/results-icae.md, session 11). A factor c near √(slot norm / embedding norm) gives slots and
/// embeddings the same norm, and changes nothing else.
/// </summary>
public static class EmbeddingRescale
{
    /// <summary>Writes the rescaled model (config.json, model.safetensors) to <paramref name="directory"/> in the source's dtype.</summary>
    public static void Write(Llama source, double factor, string directory)
    {
        if (!(factor > 0) || double.IsInfinity(factor)) throw new ArgumentException($"the factor must be a positive number, found {factor}");
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        var tied = source.Config.TieWordEmbeddings;
        var writer = new SafeTensorsWriter(new Dictionary<string, string> { ["format"] = "pt" });
        foreach (var (name, value) in source.NamedParameters())
        {
            var scaled = name == "model.embed_tokens.weight" || name.EndsWith(".self_attn.o_proj.weight") || name.EndsWith(".mlp.down_proj.weight")
                ? value.Mul(factor)
                : name == "model.norm.weight" && tied ? value.Div(factor) : value;
            writer.Add(name, scaled.To(source.DType));
        }
        Directory.CreateDirectory(directory);
        (source.Config with { RmsNormEps = source.Config.RmsNormEps * factor * factor }).Save(Path.Combine(directory, "config.json"));
        writer.Save(Path.Combine(directory, "model.safetensors"));
    }
}
