using MemoryPlatform.ModelCore.SafeTensors;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Models;

/// <summary>
/// The Llama family (Llama-2, Mistral, Llama-3 layouts; Touvron et al. 2023), read top to bottom:
/// weights, then RMSNorm → attention (GQA, RoPE) → SwiGLU MLP per block, final norm, LM head.
/// Inputs are token ids or embeddings (ICAE feeds memory slots as embeddings) with explicit
/// position ids (E²-LLM offsets them) and an optional padding mask and KV cache.
/// </summary>
public sealed class Llama : IDisposable
{
    public LlamaConfig Config { get; }
    public Device Device { get; }
    public DType DType { get; }

    public Tensor Embedding { get; }           // [V, d]
    public LlamaBlock[] Blocks { get; }
    public Tensor FinalNorm { get; }           // [d]
    public Tensor LmHead { get; }              // [V, d]; the embedding itself when tied

    private Llama(LlamaConfig config, Device device, Func<string, long[], Tensor?> weight)
    {
        Config = config;
        Device = device;
        long d = config.HiddenSize, q = config.NumAttentionHeads * config.HeadDim, kv = config.NumKeyValueHeads * config.HeadDim;
        long ffn = config.IntermediateSize, vocab = config.VocabSize;
        // Weights belong to the model, never to a scope the caller happens to have open.
        Tensor Required(string name, params long[] shape) =>
            TensorScope.Escape(weight(name, shape) ?? throw new InvalidDataException($"checkpoint lacks tensor '{name}' [{string.Join(", ", shape)}]"));
        Tensor? Bias(bool present, string name, long n) => present ? Required(name, n) : null;

        Embedding = Required("model.embed_tokens.weight", vocab, d);
        DType = Embedding.DType;
        Blocks = new LlamaBlock[config.NumHiddenLayers];
        for (var i = 0; i < Blocks.Length; i++)
        {
            var p = $"model.layers.{i}.";
            Blocks[i] = new LlamaBlock(
                AttentionNorm: Required(p + "input_layernorm.weight", d),
                Wq: Required(p + "self_attn.q_proj.weight", q, d),
                Wk: Required(p + "self_attn.k_proj.weight", kv, d),
                Wv: Required(p + "self_attn.v_proj.weight", kv, d),
                Wo: Required(p + "self_attn.o_proj.weight", d, q),
                Bq: Bias(config.AttentionBias, p + "self_attn.q_proj.bias", q),
                Bk: Bias(config.AttentionBias, p + "self_attn.k_proj.bias", kv),
                Bv: Bias(config.AttentionBias, p + "self_attn.v_proj.bias", kv),
                MlpNorm: Required(p + "post_attention_layernorm.weight", d),
                WGate: Required(p + "mlp.gate_proj.weight", ffn, d),
                WUp: Required(p + "mlp.up_proj.weight", ffn, d),
                WDown: Required(p + "mlp.down_proj.weight", d, ffn));
        }
        FinalNorm = Required("model.norm.weight", d);
        LmHead = config.TieWordEmbeddings ? Embedding : Required("lm_head.weight", vocab, d);
    }

    // ---- loading and saving ----

    /// <summary>
    /// Loads an HF-layout directory: config.json plus model.safetensors or sharded files with
    /// model.safetensors.index.json. Weights are converted to <paramref name="dtype"/> (bf16 by default).
    /// </summary>
    public static Llama Load(string directory, DType dtype = DType.BFloat16, Device? device = null)
    {
        var config = LlamaConfig.Load(Path.Combine(directory, "config.json"));
        var target = device ?? Device.Cpu;
        target.EnsureAvailable();
        using var checkpoint = ShardedCheckpoint.Open(directory);
        return new Llama(config, target, (name, shape) =>
        {
            if (!checkpoint.Contains(name)) return null;
            var info = checkpoint[name];
            if (!info.Shape.SequenceEqual(shape))
                throw new InvalidDataException($"tensor '{name}' has shape [{string.Join(", ", info.Shape)}], config.json implies [{string.Join(", ", shape)}]");
            return OnDevice(checkpoint.ReadTensor(name, dtype), target);
        });
    }

    /// <summary>A freshly initialised model (normal(0, std) matrices, unit norms), e.g. to start training.</summary>
    public static Llama Random(LlamaConfig config, ulong seed, DType dtype = DType.Float32, Device? device = null, double std = 0.02)
    {
        config.Validate();
        Torch.ManualSeed(seed);
        var target = device ?? Device.Cpu;
        return new Llama(config, target, (name, shape) =>
        {
            using var scope = TensorScope.Begin();
            var t = name.EndsWith("norm.weight") ? Tensor.Ones(shape) : name.EndsWith(".bias") ? Tensor.Zeros(shape) : Tensor.Randn(shape).Mul(std);
            return scope.Keep(OnDevice(t.To(dtype), target));
        });
    }

    private static Tensor OnDevice(Tensor t, Device device)
    {
        if (device == Device.Cpu) return t;
        using (t) return t.To(device);
    }

    /// <summary>Every weight under its HF name (the tied head once, as the embedding).</summary>
    public IEnumerable<(string Name, Tensor Value)> NamedParameters()
    {
        yield return ("model.embed_tokens.weight", Embedding);
        for (var i = 0; i < Blocks.Length; i++)
            foreach (var (name, value) in Blocks[i].Named())
                yield return ($"model.layers.{i}.{name}", value);
        yield return ("model.norm.weight", FinalNorm);
        if (!Config.TieWordEmbeddings) yield return ("lm_head.weight", LmHead);
    }

    /// <summary>Writes config.json and model.safetensors (HF layout) in the model's current dtype.</summary>
    public void Save(string directory, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Directory.CreateDirectory(directory);
        Config.Save(Path.Combine(directory, "config.json"));
        var writer = new SafeTensorsWriter(metadata ?? new Dictionary<string, string> { ["format"] = "pt" });
        foreach (var (name, value) in NamedParameters()) writer.Add(name, value);
        writer.Save(Path.Combine(directory, "model.safetensors"));
    }

    // ---- the forward pass ----

    /// <summary>Token embeddings [B, T, d] of ids [B, T].</summary>
    public Tensor Embed(Tensor ids) => Functional.Embedding(Embedding, ids);

    /// <summary>
    /// Final hidden states [B, T, d] (after the final RMSNorm) for input embeddings [B, T, d] at
    /// <paramref name="positions"/> [B, T]. <paramref name="keep"/> [B, cached + T] marks real
    /// (non-padding) positions; <paramref name="cache"/> receives this call's keys and values.
    /// <paramref name="adapter"/> adds a delta to projections (ICAE's LoRA encoder); null is the plain model.
    /// <paramref name="float32Products"/> false computes the attention products in the model's dtype (faster in bf16;
    /// see <see cref="Functional.ScaledDotProductAttention"/> for why float32 is the default).
    /// </summary>
    public Tensor Forward(Tensor embeddings, Tensor positions, RopeParameters rope, Tensor? keep = null, KvCache? cache = null,
                          IProjectionAdapter? adapter = null, bool float32Products = true)
    {
        using var scope = TensorScope.Begin();
        var (cos, sin) = Rope.Angles(positions, rope, Device);
        (cos, sin) = (cos.To(DType), sin.To(DType));          // once here, not in every layer's Rope.Apply
        // One mask for every layer: padding ∧ sliding window (causality is added by the attention call).
        long T = embeddings.Size(1), Tk = (cache?.Length ?? 0) + T;
        var mask = SlidingWindowMask(T, Tk, Device, keep?.Unsqueeze(1).Unsqueeze(1));  // [B, 1, T or 1, Tk]
        var bias = Functional.AttentionBias(mask, T, Tk, causal: true, DType, float32Products, Device);   // once, not per layer
        var x = embeddings.To(DType);
        for (var i = 0; i < Blocks.Length; i++)
        {
            using var layerScope = TensorScope.Begin();
            var h = x + Attention(i, Functional.RmsNorm(x, Blocks[i].AttentionNorm, Config.RmsNormEps), cos, sin, mask, bias, cache, adapter, float32Products);
            x = layerScope.Keep(h + Mlp(i, Functional.RmsNorm(h, Blocks[i].MlpNorm, Config.RmsNormEps), adapter));
        }
        return scope.Keep(Functional.RmsNorm(x, FinalNorm, Config.RmsNormEps));
    }

    /// <summary>Logits [.., V] in float32 from final hidden states.</summary>
    public Tensor Logits(Tensor hidden)
    {
        using var logits = hidden.Linear(LmHead);
        return logits.To(DType.Float32);
    }

    /// <summary>Causal self-attention with grouped-query heads: Hkv key/value heads each serve H/Hkv query heads.</summary>
    private Tensor Attention(int layer, Tensor x, Tensor cos, Tensor sin, Tensor? mask, Tensor? bias, KvCache? cache, IProjectionAdapter? adapter,
                             bool float32Products)
    {
        var b = Blocks[layer];
        long B = x.Size(0), T = x.Size(1), H = Config.NumAttentionHeads, Hkv = Config.NumKeyValueHeads, D = Config.HeadDim;
        Tensor Proj(Projection p, Tensor input, Tensor w, Tensor? bias = null) => Project(layer, p, input, w, bias, adapter);
        var q = Proj(Projection.Q, x, b.Wq, b.Bq).View(B, T, H, D).Transpose(1, 2);     // [B, H, T, D]
        var k = Proj(Projection.K, x, b.Wk, b.Bk).View(B, T, Hkv, D).Transpose(1, 2);   // [B, Hkv, T, D]
        var v = Proj(Projection.V, x, b.Wv, b.Bv).View(B, T, Hkv, D).Transpose(1, 2);   // [B, Hkv, T, D]
        q = Rope.Apply(q, cos, sin);
        k = Rope.Apply(k, cos, sin);
        if (cache is not null) (k, v) = cache.Append(layer, k, v);                   // [B, Hkv, Tk, D]
        // Hkv < H (GQA): each key/value head serves H/Hkv query heads, inside the attention call.
        var y = Functional.ScaledDotProductAttention(q, k, v, mask, causal: true, float32Products: float32Products, bias: bias);   // [B, H, T, D]
        return Proj(Projection.O, y.Transpose(1, 2).Reshape(B, T, H * D), b.Wo);    // [B, T, d]
    }

    /// <summary>Mistral's sliding window: query i also may not see keys at or before i − W.</summary>
    private Tensor? SlidingWindowMask(long tq, long tk, Device device, Tensor? mask)
    {
        if (Config.SlidingWindow is not int w || tk <= w) return mask;
        // Query i sits at absolute index a = tk − tq + i; it may see keys j > a − W (upper triangle).
        var window = Tensor.Ones([tq, tk], DType.Bool, device).Triu(tk - tq - w + 1);
        return mask is null ? window : mask.LogicalAnd(window);
    }

    /// <summary>SwiGLU (Shazeer 2020): down(silu(gate(x)) · up(x)).</summary>
    private Tensor Mlp(int layer, Tensor x, IProjectionAdapter? adapter)
    {
        var b = Blocks[layer];
        var gated = Functional.Silu(Project(layer, Projection.Gate, x, b.WGate, null, adapter))
            .Mul(Project(layer, Projection.Up, x, b.WUp, null, adapter));                        // [B, T, ffn]
        return Project(layer, Projection.Down, gated, b.WDown, null, adapter);                   // [B, T, d]
    }

    /// <summary>y = x Wᵀ (+ b), plus the adapter's delta for this projection when it has one (LoRA: (α/r)·B(A x)).</summary>
    private static Tensor Project(int layer, Projection p, Tensor x, Tensor w, Tensor? bias, IProjectionAdapter? adapter)
    {
        var y = x.Linear(w, bias);
        return adapter?.Delta(layer, p, x) is { } delta ? y.Add(delta) : y;
    }

    /// <summary>RoPE frequencies for a request spanning <paramref name="positions"/> positions at E²-LLM scale g.</summary>
    public RopeParameters RopeFor(int positions, double scale = 1.0) => RopeFrequencies.Compute(Config, positions, scale);

    public void Dispose()
    {
        foreach (var (_, t) in NamedParameters()) t.Dispose();
    }
}

/// <summary>One transformer block's weights, HF names in <see cref="Named"/>.</summary>
public sealed record LlamaBlock(
    Tensor AttentionNorm, Tensor Wq, Tensor Wk, Tensor Wv, Tensor Wo, Tensor? Bq, Tensor? Bk, Tensor? Bv,
    Tensor MlpNorm, Tensor WGate, Tensor WUp, Tensor WDown)
{
    public IEnumerable<(string Name, Tensor Value)> Named()
    {
        yield return ("input_layernorm.weight", AttentionNorm);
        yield return ("self_attn.q_proj.weight", Wq);
        yield return ("self_attn.k_proj.weight", Wk);
        yield return ("self_attn.v_proj.weight", Wv);
        yield return ("self_attn.o_proj.weight", Wo);
        if (Bq is not null) yield return ("self_attn.q_proj.bias", Bq);
        if (Bk is not null) yield return ("self_attn.k_proj.bias", Bk);
        if (Bv is not null) yield return ("self_attn.v_proj.bias", Bv);
        yield return ("post_attention_layernorm.weight", MlpNorm);
        yield return ("mlp.gate_proj.weight", WGate);
        yield return ("mlp.up_proj.weight", WUp);
        yield return ("mlp.down_proj.weight", WDown);
    }
}
