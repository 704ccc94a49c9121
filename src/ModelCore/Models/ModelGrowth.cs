using MemoryPlatform.ModelCore.SafeTensors;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Models;

/// <summary>
/// Function-preserving growth of a trained Llama (Net2Net, Chen et al. 2016, in its zero-init form): more layers,
/// more attention heads, more K/V heads, with the grown model computing exactly what the source did until training
/// moves it. The new parts start where LoRA's B does: their writes into the residual stream are zero.
/// <list type="bullet">
/// <item>New layers go on top; their o_proj and down_proj are zero, so each is the identity.</item>
/// <item>New query heads get random q rows and zero o_proj columns, so they add nothing yet.</item>
/// <item>K/V heads are regrouped: each new K/V head is the old one its (old) query heads read, so every old head
/// reads what it read before; a group of new heads alone gets random K/V rows.</item>
/// </list>
/// Why: the copying a frozen ICAE decoder needs is bounded by the base's heads (docs/results-icae.md); growing keeps
/// the language model and its E²-LLM training and gives it room to learn more.
/// </summary>
public static class ModelGrowth
{
    /// <summary>The grown config, or an error naming the setting that cannot grow function-preservingly.</summary>
    public static LlamaConfig Target(LlamaConfig source, int layers, int heads, int kvHeads)
    {
        if (layers < source.NumHiddenLayers) throw new ArgumentException($"--layers {layers} is below the model's {source.NumHiddenLayers}: growth only adds");
        if (heads < source.NumAttentionHeads) throw new ArgumentException($"--heads {heads} is below the model's {source.NumAttentionHeads}: growth only adds");
        if (kvHeads < 1 || heads % kvHeads != 0) throw new ArgumentException($"--kv-heads {kvHeads} must divide --heads {heads}");
        var target = source with { NumHiddenLayers = layers, NumAttentionHeads = heads, NumKeyValueHeads = kvHeads };
        target.Validate();
        for (var group = 0; group < kvHeads; group++)
        {
            var old = OldGroupsOf(source, target, group).Distinct().ToArray();
            if (old.Length > 1)
                throw new ArgumentException($"--kv-heads {kvHeads}: new K/V head {group} would serve old query heads that read different K/V heads " +
                                            $"({string.Join(", ", old)}); choose a multiple of the model's {source.NumKeyValueHeads}");
        }
        return target;
    }

    /// <summary>
    /// Writes the grown model (config.json, model.safetensors) to <paramref name="directory"/> in the source's dtype,
    /// new matrices drawn from N(0, std²) by libtorch seeded with <paramref name="seed"/>; returns its config.
    /// </summary>
    public static LlamaConfig Write(Llama source, int layers, int heads, int kvHeads, ulong seed, string directory, double std = 0.02)
    {
        var s = source.Config;
        var target = Target(s, layers, heads, kvHeads);
        if (source.Blocks.Any(b => b.Bq is not null)) throw new NotSupportedException("growing a model with attention biases");
        using var scope = TensorScope.Begin();
        using var noGrad = Autograd.NoGrad();
        Torch.ManualSeed(seed);
        var dtype = source.DType;
        long d = s.HiddenSize, D = s.HeadDim;
        Tensor Random(long rows, long cols) => Tensor.Randn([rows, cols], DType.Float32).Mul(std).To(dtype);
        Tensor Zeros(long rows, long cols) => Tensor.Zeros([rows, cols], dtype);

        var writer = new SafeTensorsWriter(new Dictionary<string, string> { ["format"] = "pt" });
        writer.Add("model.embed_tokens.weight", source.Embedding);
        for (var i = 0; i < target.NumHiddenLayers; i++)
        {
            var p = $"model.layers.{i}.";
            if (i >= s.NumHiddenLayers)
            {
                // An identity layer: whatever attention and MLP compute is multiplied by zero on the way out.
                writer.Add(p + "input_layernorm.weight", Tensor.Ones([d], dtype));
                writer.Add(p + "self_attn.q_proj.weight", Random(target.NumAttentionHeads * D, d));
                writer.Add(p + "self_attn.k_proj.weight", Random(target.NumKeyValueHeads * D, d));
                writer.Add(p + "self_attn.v_proj.weight", Random(target.NumKeyValueHeads * D, d));
                writer.Add(p + "self_attn.o_proj.weight", Zeros(d, target.NumAttentionHeads * D));
                writer.Add(p + "post_attention_layernorm.weight", Tensor.Ones([d], dtype));
                writer.Add(p + "mlp.gate_proj.weight", Random(s.IntermediateSize, d));
                writer.Add(p + "mlp.up_proj.weight", Random(s.IntermediateSize, d));
                writer.Add(p + "mlp.down_proj.weight", Zeros(d, s.IntermediateSize));
                continue;
            }
            // An old layer: its own weights (LlamaBlock.Named), the attention projections widened for the new heads.
            var newHeads = (long)(target.NumAttentionHeads - s.NumAttentionHeads) * D;
            foreach (var (name, value) in source.Blocks[i].Named())
                writer.Add(p + name, name switch
                {
                    "self_attn.q_proj.weight" when newHeads > 0 => Tensor.Cat([value, Random(newHeads, d)]),
                    "self_attn.k_proj.weight" or "self_attn.v_proj.weight" => Regroup(value, s, target, () => Random(D, d)),
                    "self_attn.o_proj.weight" when newHeads > 0 => Tensor.Cat([value, Zeros(d, newHeads)], 1),
                    _ => value,
                });
        }
        writer.Add("model.norm.weight", source.FinalNorm);
        if (!s.TieWordEmbeddings) writer.Add("lm_head.weight", source.LmHead);
        Directory.CreateDirectory(directory);
        target.Save(Path.Combine(directory, "config.json"));
        writer.Save(Path.Combine(directory, "model.safetensors"));
        return target;
    }

    /// <summary>The new K or V projection [kvHeads·D, d]: each group the old K/V head of its old query heads, or fresh.</summary>
    private static Tensor Regroup(Tensor weight, LlamaConfig source, LlamaConfig target, Func<Tensor> fresh)
    {
        if (target.NumKeyValueHeads == source.NumKeyValueHeads) return weight;
        var rows = Enumerable.Range(0, target.NumKeyValueHeads)
            .Select(group => OldGroupsOf(source, target, group).FirstOrDefault(-1) is var old and >= 0
                ? weight.Narrow(0, old * source.HeadDim, source.HeadDim)
                : fresh())
            .ToArray();
        return Tensor.Cat(rows).Contiguous();
    }

    /// <summary>The old K/V heads that the old query heads in new K/V group <paramref name="group"/> read.</summary>
    private static IEnumerable<int> OldGroupsOf(LlamaConfig source, LlamaConfig target, int group) =>
        Enumerable.Range(0, source.NumAttentionHeads)
            .Where(h => h / target.KeyValueGroups == group)
            .Select(h => h / source.KeyValueGroups);
}
