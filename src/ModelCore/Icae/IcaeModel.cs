using System.Runtime.CompilerServices;
using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tokenizer;

namespace MemoryPlatform.ModelCore.Icae;

/// <summary>
/// In-Context AutoEncoder (Ge et al., ICLR 2024; shared/reference/icae.md), read top to bottom:
/// the encoder (base model + LoRA, span tokens followed by k memory tokens, slots = final-norm hidden states at the
/// memory positions), then the decoder (the frozen base model without LoRA, fed slots as input embeddings in one of
/// three layouts), then generation. An adapter with <see cref="IcaeConfig.DecoderLora"/> is not an encoder: its LoRA
/// applies in the decoder, which reads raw context embeddings in place of slots (the fine-tuned raw-context reference).
/// </summary>
/// <remarks>
/// The model owns its base <see cref="Llama"/>, the adapter and the memory table. Trainable tensors (LoRA A/B and
/// the memory table) may live in a different dtype than the frozen base (fp32 for training over a bf16 base); every
/// use casts them to the compute dtype.
/// </remarks>
public sealed class IcaeModel : IDisposable
{
    public Llama Base { get; }
    public LoraAdapter Adapter { get; }
    /// <summary>memory_token_embed [k + 3, d]: k memory rows, then the special rows in Config.SpecialRows order.</summary>
    public Tensor MemoryEmbeddings { get; }
    public IcaeConfig Config { get; }
    /// <summary>The base model's tokenizer when one was found (tokenizer.model in the model directory) or given.</summary>
    public SentencePieceTokenizer? Tokenizer { get; }
    /// <summary>Token ids of the chat markers (empty without markers); BOS included in the prefix when configured.</summary>
    public int[] ChatPrefixIds { get; }
    public int[] ChatSuffixIds { get; }
    /// <summary>BOS and the tokens of Config.DecoderPrefix, before the slots of every layout (empty without a prefix).</summary>
    public int[] DecoderPrefixIds { get; }

    private byte[]? baseIdentity;
    private ModelFingerprint? fingerprint;

    private IcaeModel(Llama baseModel, LoraAdapter adapter, Tensor memory, IcaeConfig config, SentencePieceTokenizer? tokenizer,
                      Func<string, int[]>? encode)
    {
        Base = baseModel;
        Adapter = adapter;
        MemoryEmbeddings = TensorScope.Escape(memory);
        Config = config;
        Tokenizer = tokenizer;
        encode ??= tokenizer is null ? null : text => tokenizer.Encode(text);
        if (config.Chat is { } chat)
        {
            if (encode is null)
                throw new InvalidDataException($"{IcaeConfig.FileName} sets chat markers, which need the base model's tokenizer.model");
            int[] bos = chat.Bos && baseModel.Config.BosTokenId is int b ? [b] : [];
            ChatPrefixIds = [.. bos, .. chat.Prefix.Length == 0 ? [] : encode(chat.Prefix)];
            ChatSuffixIds = chat.Suffix.Length == 0 ? [] : encode(chat.Suffix);
        }
        else
        {
            ChatPrefixIds = [];
            ChatSuffixIds = [];
        }
        if (config.DecoderPrefix is { } prefix)
        {
            if (encode is null)
                throw new InvalidDataException($"{IcaeConfig.FileName} sets a decoder prefix, which needs the base model's tokenizer.model");
            DecoderPrefixIds = [.. baseModel.Config.BosTokenId is int b ? [b] : Array.Empty<int>(), .. prefix.Length == 0 ? [] : encode(prefix)];
        }
        else DecoderPrefixIds = [];
        foreach (var p in Base.NamedParameters()) p.Value.RequiresGrad = false;   // the base is frozen
    }

    public int MemoryTokens => Config.MemoryTokens;
    public int HiddenSize => Base.Config.HiddenSize;
    /// <summary>Positions the decoder reads at most (base window × supported E²-LLM scale).</summary>
    public int MaxDecoderPositions => Config.MaxDecoderPositions(Base.Config);

    // ---- loading, creating, saving ----

    /// <summary>
    /// Loads an HF-layout base model and an adapter directory (icae_config.json + safetensors). The base and the
    /// adapter are converted to <paramref name="dtype"/>, or the adapter to <paramref name="trainableDType"/> when
    /// given (training keeps it in fp32). An adapter trained on another base is refused. <paramref name="configure"/>
    /// changes the loaded configuration before the model is built (a training run that gives the decoder a prefix).
    /// </summary>
    public static IcaeModel Load(string modelDir, string adapterDir, DType dtype = DType.BFloat16, Device? device = null,
                                 DType? trainableDType = null, Func<IcaeConfig, IcaeConfig>? configure = null)
    {
        var configPath = Path.Combine(adapterDir, IcaeConfig.FileName);
        var config = IcaeConfig.Load(configPath);
        if (configure is not null)
        {
            config = configure(config);
            config.Validate(configPath);
        }
        var weights = IcaeAdapterFile.FindWeights(adapterDir);
        var baseModel = Llama.Load(modelDir, dtype, device);
        try
        {
            config.ValidateFor(baseModel.Config, configPath);
            var tokenizerPath = Path.Combine(modelDir, "tokenizer.model");
            var tokenizer = File.Exists(tokenizerPath) ? SentencePieceTokenizer.Load(tokenizerPath) : null;
            var (adapter, memory) = IcaeAdapterFile.Read(weights, config, baseModel.Config, trainableDType ?? dtype, baseModel.Device);
            IcaeModel model;
            try { model = new IcaeModel(baseModel, adapter, memory, config, tokenizer, null); }
            catch
            {
                adapter.Dispose();
                memory.Dispose();
                throw;
            }
            if (config.BaseModel is { } expected && !string.Equals(expected, model.BaseIdentityHex, StringComparison.OrdinalIgnoreCase))
            {
                model.Dispose();
                throw new InvalidDataException($"{configPath}: the adapter was trained on base model {expected}, " +
                                               $"but {Path.GetFullPath(modelDir)} is {model.BaseIdentityHex}");
            }
            return model;
        }
        catch
        {
            baseModel.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A fresh adapter over <paramref name="baseModel"/> (which the new model owns from now on): LoRA A ~ N(0, 1/r²),
    /// B = 0 (so the encoder starts as the base model), memory rows ~ N(0, σ²) with σ the base embeddings' standard
    /// deviation (rows at the scale of real token embeddings). Trainable tensors are float32. Draws come from a
    /// .NET RNG seeded by <paramref name="seed"/>, so they do not depend on libtorch's global generator.
    /// </summary>
    public static IcaeModel Create(Llama baseModel, IcaeConfig config, ulong seed, SentencePieceTokenizer? tokenizer = null,
                                   Func<string, int[]>? encode = null)
    {
        config.ValidateFor(baseModel.Config);
        var random = new Random((int)(seed ^ (seed >> 32)) & 0x7FFFFFFF);
        var m = baseModel.Config;
        var updates = new Dictionary<(int, Projection), LoraLinear>();
        for (var layer = 0; layer < m.NumHiddenLayers; layer++)
            foreach (var p in config.Lora.TargetProjections)
            {
                var (outFeatures, inFeatures) = LoraAdapter.ProjectionShape(m, p);
                var a = Normal(random, [config.Lora.Rank, inFeatures], 1.0 / config.Lora.Rank, baseModel.Device);
                var b = Tensor.Zeros([outFeatures, config.Lora.Rank], DType.Float32, baseModel.Device);
                updates[(layer, p)] = new LoraLinear(a, b, config.Lora.Scaling, config.Lora.Dropout);
            }
        double std;
        using (var scope = TensorScope.Begin())
        using (Autograd.NoGrad())
        {
            var e = baseModel.Embedding.To(DType.Float32);
            std = Math.Sqrt(e.Sub(e.Mean()).Pow(2).Mean().Item<float>());
        }
        var memory = Normal(random, [config.TableRows, m.HiddenSize], std > 0 ? std : 0.02, baseModel.Device);
        return new IcaeModel(baseModel, new LoraAdapter(config.Lora, updates), memory, config, tokenizer, encode);
    }

    private static Tensor Normal(Random random, long[] shape, double std, Device device)
    {
        var values = new float[Tensor.ShapeSize(shape)];
        for (var i = 0; i < values.Length; i++)
            values[i] = (float)(std * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        var t = Tensor.From(values, shape);
        if (device == Device.Cpu) return t;
        using (t) return t.To(device);
    }

    /// <summary>Writes the adapter (weights in their current dtype) and icae_config.json stamped with this base's identity.</summary>
    public void SaveAdapter(string dir) =>
        IcaeAdapterFile.Write(dir, Config with { BaseModel = BaseIdentityHex }, Adapter, MemoryEmbeddings);

    /// <summary>Trainable tensors under their adapter-file names (LoRA A/B of every target, the memory table).</summary>
    public IEnumerable<(string Name, Tensor Value)> TrainableParameters()
    {
        foreach (var (layer, p, lora) in Adapter.Updates())
        {
            yield return (IcaeAdapterFile.LoraKey(layer, p, 'A'), lora.A);
            yield return (IcaeAdapterFile.LoraKey(layer, p, 'B'), lora.B);
        }
        yield return (IcaeAdapterFile.MemoryKey, MemoryEmbeddings);
    }

    // ---- identity ----

    /// <summary>Identity of the base weights and config (<see cref="WeightsIdentity"/>), stable across load dtypes.</summary>
    public byte[] BaseIdentity => baseIdentity ??= WeightsIdentity.Of(Base.Config.ToJson(), Base.NamedParameters());

    public string BaseIdentityHex => Convert.ToHexStringLower(BaseIdentity);

    /// <summary>Identity of base + adapter: what every slot blob this model encodes carries.</summary>
    public ModelFingerprint Fingerprint => fingerprint ??= ModelFingerprint.Of(BaseIdentity,
        WeightsIdentity.Of((Config with { BaseModel = null }).ToJson(), TrainableParameters()));

    /// <summary>Training changed the adapter: the next <see cref="Fingerprint"/> is computed afresh.</summary>
    public void AdapterChanged() => fingerprint = null;

    // ---- the encoder ----

    /// <summary>Fixed windows of span_length tokens (the last may be shorter); an empty document has no spans.</summary>
    public IReadOnlyList<int[]> SplitSpans(int[] tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var spans = new List<int[]>();
        for (var start = 0; start < tokens.Length; start += Config.SpanLength)
            spans.Add(tokens[start..Math.Min(tokens.Length, start + Config.SpanLength)]);
        return spans;
    }

    /// <summary>Memory slots [B, k, d] in float32 for B spans, encoded as one padded batch without gradients.</summary>
    public Tensor Encode(IReadOnlyList<int[]> spans)
    {
        using var noGrad = Autograd.NoGrad();
        using var scope = TensorScope.Begin();
        return scope.Keep(EncodeSlots(spans, training: false).To(DType.Float32));
    }

    /// <summary>
    /// The encoder's E²-LLM scale: that of a full span plus its k memory tokens (640 positions for 512 + 128 over a
    /// 512-token window: g = 2, a scale the E²-LLM fine-tune trained), fixed per adapter. A scale chosen from each
    /// batch's length would make a span's slots depend on the spans it is batched with; g = 1 past the window would
    /// put the memory tokens at positions the base never saw.
    /// </summary>
    public int EncoderRopeScale => RopeScaleFor(Config.SpanLength + MemoryTokens);

    /// <summary>
    /// The encoder pass: row b is span b's tokens, then the k memory tokens, then right padding; positions
    /// 0 .. n_b + k − 1 (§3.1: memory tokens get no special positions); padding is masked out, so a span gives
    /// the same slots alone or in any batch. Returns the final-norm hidden states at the memory positions
    /// [B, k, d] in the base dtype, with a graph when gradients are on.
    /// </summary>
    public Tensor EncodeSlots(IReadOnlyList<int[]> spans, bool training)
    {
        if (Config.DecoderLora)
            throw new InvalidOperationException("this adapter is a raw-context reference (decoder_lora in its icae_config.json): its LoRA belongs to the decoder and it encodes no slots");
        if (spans.Count == 0) throw new ArgumentException("nothing to encode: no spans");
        for (var i = 0; i < spans.Count; i++)
        {
            if (spans[i].Length == 0) throw new ArgumentException($"span {i} is empty");
            if (spans[i].Length > Config.SpanLength)
                throw new ArgumentException($"span {i} has {spans[i].Length} tokens, more than span_length {Config.SpanLength}");
            CheckIds(spans[i], $"span {i}");
        }
        using var scope = TensorScope.Begin();
        int k = MemoryTokens, batch = spans.Count, d = HiddenSize;
        var T = spans.Max(s => s.Length) + k;
        var memory = MemoryEmbeddings.Narrow(0, 0, k).To(Base.DType);                           // [k, d]
        var rows = new Tensor[batch];
        var positions = new long[batch * T];
        var keep = new bool[batch * T];
        for (var b = 0; b < batch; b++)
        {
            var n = spans[b].Length;
            var tokens = Base.Embed(Ids(spans[b]));                                              // [n, d]
            var pad = T - n - k;
            rows[b] = pad == 0 ? Tensor.Cat([tokens, memory]) : Tensor.Cat([tokens, memory, Tensor.Zeros([pad, d], Base.DType, Base.Device)]);
            for (var j = 0; j < T; j++)
            {
                positions[b * T + j] = j;
                keep[b * T + j] = j < n + k;
            }
        }
        var x = Tensor.Stack(rows);                                                              // [B, T, d]
        var pos = Tensor.From(positions, batch, T).To(Base.Device);                              // [B, T]
        var padded = spans.Any(s => s.Length + k < T);
        var mask = padded ? Tensor.From(keep, batch, T).To(Base.Device) : null;                  // [B, T]
        Adapter.Training = training;
        // Inference takes the attention products in the base dtype (Hugging Face's eager numerics, several times faster
        // in bf16); that rounds differently at other batch shapes, which is why silos encode one span per call.
        // Training keeps float32 products, whose gradients it has always used.
        var hidden = Base.Forward(x, pos, Base.RopeFor(T, EncoderRopeScale), mask, adapter: Adapter, float32Products: training);   // [B, T, d]
        var slots = Tensor.Stack(spans.Select((s, b) => hidden.Select(0, b).Narrow(0, s.Length, k)).ToArray());   // [B, k, d]
        return scope.Keep(slots);
    }

    // ---- the decoder ----

    /// <summary>
    /// The decoder's input embeddings [T, d] (base dtype) for one request, exactly as the layout says:
    /// AutoEncode: slots, [AE]. Continue: slots, prompt. FineTuned: chat prefix (BOS + marker), slots, [FT], prompt,
    /// chat suffix. The decoder prefix, when configured, comes first in each. Slot blocks are concatenated in the order
    /// given. Differentiable in the memory table and slots.
    /// </summary>
    public Tensor DecoderInput(IcaePrompt prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        if (prompt.Slots.Count == 0) throw new ArgumentException("an ICAE prompt needs at least one slot block");
        var text = prompt.Prompt ?? [];
        if (prompt.Layout == IcaeLayout.AutoEncode && text.Length > 0)
            throw new ArgumentException("the autoencoding layout [slots][AE] takes no prompt");
        CheckIds(text, "prompt");
        using var scope = TensorScope.Begin();
        var parts = new List<Tensor>();
        if (DecoderPrefixIds.Length > 0) parts.Add(Base.Embed(Ids(DecoderPrefixIds)));
        if (prompt.Layout == IcaeLayout.FineTuned && ChatPrefixIds.Length > 0) parts.Add(Base.Embed(Ids(ChatPrefixIds)));
        foreach (var block in prompt.Slots)
        {
            if (block.Size(-1) != HiddenSize || block.Dim is < 2 or > 3)
                throw new ArgumentException($"slot blocks must be [m, {HiddenSize}] or [spans, k, {HiddenSize}], got {block}");
            parts.Add(block.Reshape(-1, HiddenSize).To(Base.DType).To(Base.Device));            // [m, d]
        }
        if (prompt.Layout == IcaeLayout.AutoEncode) parts.Add(SpecialRow(Config.AeRow));
        if (prompt.Layout == IcaeLayout.FineTuned) parts.Add(SpecialRow(Config.FtRow));
        if (text.Length > 0) parts.Add(Base.Embed(Ids(text)));
        if (prompt.Layout == IcaeLayout.FineTuned && ChatSuffixIds.Length > 0) parts.Add(Base.Embed(Ids(ChatSuffixIds)));
        return scope.Keep(Tensor.Cat(parts.ToArray()));                                          // [T, d]
    }

    /// <summary>
    /// Positions of <see cref="DecoderInput"/> for <paramref name="layout"/> with <paramref name="slots"/> slot rows and
    /// <paramref name="text"/> prompt tokens, without building it: the one rule for what a request occupies before it
    /// generates (evaluation budgets, the trainer's window check, a silo's query budget).
    /// </summary>
    public long InputLength(IcaeLayout layout, long slots, long text) => DecoderPrefixIds.Length + layout switch
    {
        IcaeLayout.AutoEncode => slots + 1,
        IcaeLayout.Continue => slots + text,
        _ => ChatPrefixIds.Length + slots + 1 + text + ChatSuffixIds.Length,
    };

    /// <summary>
    /// Teacher-forced decoder loss: mean cross-entropy over every target token of every request, request i's input
    /// being its layout followed by its target (the last target token only as a label). Requests are right-padded
    /// into one batch and the padding is masked, so the batch mean equals the token-weighted mean of the requests
    /// alone. Differentiable in the slots and the memory table (and the LoRA of a decoder-LoRA adapter, whose dropout
    /// <paramref name="training"/> turns on); the base stays frozen. With <paramref name="perSample"/> the loss is instead
    /// the mean over requests of each request's own token mean, so a short target weighs as much as a long one.
    /// <paramref name="inputs"/>, when given, are the tokens fed after each layout instead of the target's own (one fewer
    /// than the target): the labels stay the target's, so a corrupted prefix must still lead to the right next token.
    /// </summary>
    public Tensor DecoderLoss(IReadOnlyList<IcaePrompt> prompts, IReadOnlyList<int[]> targets, bool training = false, bool perSample = false,
                              IReadOnlyList<int[]>? inputs = null)
    {
        if (prompts.Count == 0 || prompts.Count != targets.Count)
            throw new ArgumentException($"need one target per prompt, got {prompts.Count} prompts and {targets.Count} targets");
        if (inputs is not null && (inputs.Count != targets.Count || inputs.Where((x, i) => x.Length != targets[i].Length - 1).Any()))
            throw new ArgumentException("teacher-forced inputs need one token fewer than their target, one list per target");
        using var scope = TensorScope.Begin();
        var rows = new Tensor[prompts.Count];
        var labelAt = new List<(int Row, int Position, int Token)>();
        for (var i = 0; i < prompts.Count; i++)
        {
            if (targets[i].Length == 0) throw new ArgumentException($"target {i} is empty");
            CheckIds(targets[i], $"target {i}");
            var prompt = DecoderInput(prompts[i]);                                               // [P, d]
            var p = (int)prompt.Size(0);
            var fed = inputs?[i] ?? targets[i][..^1];
            if (inputs is not null) CheckIds(fed, $"input {i}");
            rows[i] = targets[i].Length == 1 ? prompt : Tensor.Cat([prompt, Base.Embed(Ids(fed))]);   // [P + L − 1, d]
            for (var j = 0; j < targets[i].Length; j++) labelAt.Add((i, p - 1 + j, targets[i][j]));   // position P−1+j predicts target j
        }
        if (Config.DecoderLora) Adapter.Training = training;
        var hidden = Base.Forward(PadRight(rows, out var positions, out var keep), positions, Base.RopeFor((int)positions.Size(1), RopeScaleFor((int)positions.Size(1))), keep,
                                  adapter: DecoderAdapter);
        var T = hidden.Size(1);
        var index = Tensor.From(labelAt.Select(l => l.Row * T + l.Position).ToArray()).To(Base.Device);
        var logits = Base.Logits(hidden.Reshape(-1, HiddenSize).IndexSelect(0, index));        // [N, V] float32
        var labels = Tensor.From(labelAt.Select(l => (long)l.Token).ToArray()).To(Base.Device);
        if (!perSample) return scope.Keep(Functional.CrossEntropy(logits, labels));
        // Token t of request i weighs 1 / (requests · |target i|): the weighted sum is the mean of the per-request means.
        var weights = Tensor.From(labelAt.Select(l => 1f / (prompts.Count * targets[l.Row].Length)).ToArray()).To(Base.Device);
        return scope.Keep(Functional.CrossEntropy(logits, labels, reduction: Reduction.None).Mul(weights).Sum());
    }

    /// <summary>Rows [T_i, d] right-padded with zeros into [B, T, d]; positions [B, T] from 0; keep [B, T] (null when nothing is padded).</summary>
    private Tensor PadRight(Tensor[] rows, out Tensor positions, out Tensor? keep)
    {
        var T = rows.Max(r => r.Size(0));
        var padded = rows.Select(r => r.Size(0) == T ? r : Tensor.Cat([r, Tensor.Zeros([T - r.Size(0), HiddenSize], r.DType, Base.Device)])).ToArray();
        positions = Tensor.Arange(T).Unsqueeze(0).Expand(rows.Length, T).To(Base.Device);
        var mask = new bool[rows.Length * T];
        for (var b = 0; b < rows.Length; b++)
            for (var j = 0; j < rows[b].Size(0); j++) mask[b * T + j] = true;
        keep = rows.Any(r => r.Size(0) < T) ? Tensor.From(mask, rows.Length, T).To(Base.Device) : null;
        return Tensor.Stack(padded);
    }

    /// <summary>
    /// The raw-context block [n, d] (base dtype, no graph): the context's token embeddings, put where the slots would go,
    /// so that everything else in the decoder input (layout, special rows, prompt) stays the same. What a decoder-LoRA
    /// adapter reads, and the raw-context condition of the evaluation.
    /// </summary>
    public Tensor RawContext(int[] tokens)
    {
        CheckIds(tokens, "context");
        using var noGrad = Autograd.NoGrad();
        using var scope = TensorScope.Begin();
        return scope.Keep(Base.Embed(Ids(tokens)));
    }

    /// <summary>The decoder's projection adapter: none for ICAE (the decoder is the frozen base), the LoRA for a decoder-LoRA adapter.</summary>
    private LoraAdapter? DecoderAdapter => Config.DecoderLora ? Adapter : null;

    private Tensor SpecialRow(int row) => MemoryEmbeddings.Narrow(0, row, 1).To(Base.DType);      // [1, d]

    /// <summary>
    /// E²-LLM scale g for a decoder sequence of <paramref name="positions"/> positions: 1 inside the base window L,
    /// ceil(positions / L) beyond it, and an error past max_rope_scale · L (never trained; it would extrapolate).
    /// </summary>
    public int RopeScaleFor(int positions)
    {
        var window = Base.Config.MaxPositionEmbeddings;
        if (positions <= window) return 1;
        var maxScale = Config.SupportedRopeScale(Base.Config);
        if (positions > MaxDecoderPositions)
            throw new ArgumentException($"the decoder needs {positions} positions, beyond {MaxDecoderPositions}: the base window is {window} " +
                                        $"and the largest supported E²-LLM scale is {maxScale} (the base config.json's e2llm.max_scale, else max_rope_scale in {IcaeConfig.FileName})");
        return E2LlmPositions.ChooseScale(positions, window, maxScale);
    }

    /// <summary>
    /// Decodes a batch of requests with the frozen base model (no LoRA, unless the adapter is a decoder LoRA), streaming tokens; stops on the base EOS
    /// unless options name other stop tokens. The E²-LLM scale follows the longest request plus MaxTokens.
    /// </summary>
    public async IAsyncEnumerable<GeneratedToken> GenerateAsync(IReadOnlyList<IcaePrompt> batch, GenerationOptions options,
                                                                [EnumeratorCancellation] CancellationToken ct = default)
    {
        options.Validate();
        if (batch.Count == 0) yield break;
        var inputs = BuildInputs(batch);
        try
        {
            var needed = inputs.Max(t => (int)t.Size(0)) + options.MaxTokens;
            var scale = Math.Max(options.RopeScale, RopeScaleFor(needed));
            var decode = options with { RopeScale = scale, StopTokens = options.StopTokens ?? Base.Config.EosTokenIds };
            if (Config.DecoderLora) Adapter.Training = false;
            await foreach (var token in new Generator(Base, DecoderAdapter).GenerateAsync(inputs, decode, ct)) yield return token;
        }
        finally
        {
            foreach (var t in inputs) t.Dispose();
        }
    }

    /// <summary>Runs to the end and returns each request's tokens.</summary>
    public async Task<int[][]> GenerateAllAsync(IReadOnlyList<IcaePrompt> batch, GenerationOptions options, CancellationToken ct = default)
    {
        var result = batch.Select(_ => new List<int>()).ToArray();
        await foreach (var t in GenerateAsync(batch, options, ct)) result[t.Request].Add(t.TokenId);
        return result.Select(r => r.ToArray()).ToArray();
    }

    private Tensor[] BuildInputs(IReadOnlyList<IcaePrompt> batch)
    {
        using var noGrad = Autograd.NoGrad();
        using var scope = TensorScope.Begin();
        return batch.Select(p => TensorScope.Escape(DecoderInput(p))).ToArray();
    }

    // ---- helpers ----

    private Tensor Ids(int[] ids) => Tensor.From(ids.Select(i => (long)i).ToArray()).To(Base.Device);

    private void CheckIds(int[] ids, string what)
    {
        foreach (var id in ids)
            if (id < 0 || id >= Base.Config.VocabSize)
                throw new ArgumentException($"{what}: token id {id} is outside the vocabulary [0, {Base.Config.VocabSize})");
    }

    public void Dispose()
    {
        Adapter.Dispose();
        MemoryEmbeddings.Dispose();
        Base.Dispose();
    }
}
