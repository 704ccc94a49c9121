using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>
/// What the ICAE evaluations share: encoding many samples' spans, the raw-context stand-in for slots, batched greedy
/// decoding, and the decoder's position budget. Tensors returned here belong to no scope; callers dispose them
/// (the evaluations await generation, and a TensorScope must not span an await).
/// </summary>
internal static class IcaeEvalDecoder
{
    /// <summary>Each sample's slots [spans, k, d] (float32), encoded <paramref name="batch"/> spans per encoder pass.</summary>
    public static Tensor[] EncodeSamples(IcaeModel model, IReadOnlyList<IReadOnlyList<int[]>> samples, int batch, CancellationToken ct)
    {
        var flat = samples.SelectMany(s => s).ToArray();
        var blocks = new List<Tensor>();
        try
        {
            foreach (var chunk in flat.Chunk(batch))
            {
                ct.ThrowIfCancellationRequested();
                blocks.Add(model.Encode(chunk));                                                    // [b, k, d]
            }
            using var scope = TensorScope.Begin();
            var all = Tensor.Cat(blocks.ToArray());                                                 // [Σ spans, k, d]
            var result = new Tensor[samples.Count];
            var offset = 0;
            for (var i = 0; i < samples.Count; i++)
            {
                result[i] = TensorScope.Escape(all.Narrow(0, offset, samples[i].Count).Contiguous());
                offset += samples[i].Count;
            }
            return result;
        }
        finally
        {
            foreach (var b in blocks) b.Dispose();
        }
    }

    /// <summary>Each sample's slots as stored: encoded, then round-tripped through a <paramref name="format"/> blob.</summary>
    public static Tensor[] ServedSlots(IcaeModel model, IReadOnlyList<IReadOnlyList<int[]>> samples, SlotDType format, int batch, CancellationToken ct)
    {
        var encoded = EncodeSamples(model, samples, batch, ct);
        try { return encoded.Select(e => SlotRoundTrip.Apply(e, format, model.Fingerprint).Slots).ToArray(); }
        finally { foreach (var e in encoded) e.Dispose(); }
    }

    /// <summary>The protocol's decoding: greedy, ending at EOS.</summary>
    public static readonly GenerationOptions Greedy = new() { Temperature = 0 };

    /// <summary>
    /// Greedy decoding of every prompt, up to <paramref name="batch"/> at a time. A chunk decodes up to the largest of its
    /// requests' token budgets (a request that runs past its own budget is cut back to it), so a request joins a chunk
    /// only while the chunk's longest input plus its largest budget still fits the decoder. <paramref name="decoding"/> says
    /// the rest (greedy; <see cref="GenerationOptions.NoRepeatNgram"/>, <see cref="GenerationOptions.MinTokens"/>); its
    /// MaxTokens is the chunk's.
    /// </summary>
    public static async Task<int[][]> GenerateAsync(IcaeModel model, IReadOnlyList<IcaePrompt> prompts, IReadOnlyList<int> maxTokens, int batch,
                                                    GenerationOptions decoding, CancellationToken ct)
    {
        var result = new int[prompts.Count][];
        var lengths = prompts.Select(p => InputLength(model, p)).ToArray();
        var chunk = new List<int>();
        for (var i = 0; i <= prompts.Count; i++)
        {
            var fits = i < prompts.Count && chunk.Count < batch &&
                       Math.Max(lengths[i], chunk.Select(j => lengths[j]).DefaultIfEmpty(0).Max()) +
                       Math.Max(maxTokens[i], chunk.Select(j => maxTokens[j]).DefaultIfEmpty(0).Max()) <= model.MaxDecoderPositions;
            if (chunk.Count > 0 && (i == prompts.Count || !fits))
            {
                ct.ThrowIfCancellationRequested();
                var options = decoding with { MaxTokens = chunk.Max(j => maxTokens[j]) };
                var generated = await model.GenerateAllAsync(chunk.Select(j => prompts[j]).ToArray(), options, ct);
                for (var j = 0; j < chunk.Count; j++) result[chunk[j]] = generated[j].Take(maxTokens[chunk[j]]).ToArray();
                chunk.Clear();
            }
            if (i < prompts.Count) chunk.Add(i);
        }
        return result;
    }

    /// <summary>Positions of <see cref="IcaeModel.DecoderInput"/> for <paramref name="prompt"/>, without building it.</summary>
    public static long InputLength(IcaeModel model, IcaePrompt prompt)
    {
        var slots = prompt.Slots.Sum(b => b.NumElements / model.HiddenSize);
        var text = prompt.Prompt?.Length ?? 0;
        return model.InputLength(prompt.Layout, slots, text);
    }

    /// <summary>Null when <paramref name="positions"/> fit the decoder, else the reason they do not.</summary>
    public static string? Overflow(IcaeModel model, long positions) =>
        positions <= model.MaxDecoderPositions
            ? null
            : $"needs {positions} decoder positions; this base reads at most {model.MaxDecoderPositions} " +
              $"(window {model.Base.Config.MaxPositionEmbeddings} × E²-LLM scale {model.Config.SupportedRopeScale(model.Base.Config)})";
}
