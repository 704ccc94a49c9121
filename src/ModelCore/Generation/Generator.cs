using System.Runtime.CompilerServices;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Generation;

/// <summary>
/// Autoregressive decoding for a batch of requests with a KV cache. Prompts of different lengths
/// are left-padded; the padding is masked out and each request's positions start at 0, so a
/// request decodes the same alone or in a batch. Tokens stream as they are produced; cancellation
/// is checked before every step. An <paramref name="adapter"/> (a decoder-side LoRA) adds its delta to every
/// projection of every step; null is the plain model.
/// </summary>
public sealed class Generator(Llama model, IProjectionAdapter? adapter = null)
{
    /// <summary>Generates from token-id prompts.</summary>
    public IAsyncEnumerable<GeneratedToken> GenerateAsync(IReadOnlyList<int[]> prompts, GenerationOptions options, CancellationToken ct = default)
    {
        foreach (var p in prompts)
            foreach (var id in p)
                if (id < 0 || id >= model.Config.VocabSize)
                    throw new ArgumentOutOfRangeException(nameof(prompts), id, $"token id outside the vocabulary [0, {model.Config.VocabSize})");
        return GenerateAsync(prompts.Select(p => (Func<Tensor>)(() => model.Embed(Tensor.From(p.Select(x => (long)x).ToArray())))).ToArray(),
                             prompts.Select(p => p.Length).ToArray(), options, ct);
    }

    /// <summary>Generates from prompts given as input embeddings [T, d] (e.g. ICAE memory slots followed by a prompt).</summary>
    public IAsyncEnumerable<GeneratedToken> GenerateAsync(IReadOnlyList<Tensor> prompts, GenerationOptions options, CancellationToken ct = default) =>
        GenerateAsync(prompts.Select(p => (Func<Tensor>)(() => p.Alias())).ToArray(), prompts.Select(p => (int)p.Size(0)).ToArray(), options, ct);

    /// <summary>Runs to the end and returns each request's tokens.</summary>
    public async Task<int[][]> GenerateAllAsync(IReadOnlyList<int[]> prompts, GenerationOptions options, CancellationToken ct = default)
    {
        var result = prompts.Select(_ => new List<int>()).ToArray();
        await foreach (var t in GenerateAsync(prompts, options, ct)) result[t.Request].Add(t.TokenId);
        return result.Select(r => r.ToArray()).ToArray();
    }

    private async IAsyncEnumerable<GeneratedToken> GenerateAsync(Func<Tensor>[] embed, int[] lengths, GenerationOptions options,
                                                                 [EnumeratorCancellation] CancellationToken ct)
    {
        options.Validate();
        if (lengths.Length == 0) yield break;
        if (lengths.Any(l => l == 0)) throw new ArgumentException("every prompt needs at least one position");
        var batch = lengths.Length;
        var promptLength = lengths.Max();
        var capacity = promptLength + options.MaxTokens;
        var stops = new HashSet<int>(options.StopTokens ?? model.Config.EosTokenIds);
        var samplers = Enumerable.Range(0, batch).Select(i => new Sampler(options, options.Seed + i, stops)).ToArray();
        // Frequencies fixed once for the whole request, so dynamic scaling stays consistent with cached keys.
        var rope = model.RopeFor(capacity, options.RopeScale);
        // Autocast is thread-local in libtorch and the steps below may resume on other threads after an await:
        // capture the caller's mode once and re-enter it around every step.
        var mixed = Autocast.IsEnabled();

        // keep[b, j]: position j of request b holds a real token (not left padding).
        var keep = new bool[batch, capacity];
        var nextPosition = new long[batch];
        for (var b = 0; b < batch; b++)
        {
            for (var j = promptLength - lengths[b]; j < promptLength; j++) keep[b, j] = true;
            nextPosition[b] = lengths[b];
        }

        using var cache = new KvCache(model.Config.NumHiddenLayers, capacity);
        var done = new bool[batch];
        var produced = new int[batch];
        ct.ThrowIfCancellationRequested();
        var logits = Prefill(embed, lengths, promptLength, keep, rope, cache, mixed);

        for (var step = 0; step < options.MaxTokens; step++)
        {
            var next = new int[batch];
            for (var b = 0; b < batch; b++)
            {
                if (done[b]) continue;
                next[b] = samplers[b].Next(logits.AsSpan(b * model.Config.VocabSize, model.Config.VocabSize));
                if (stops.Contains(next[b])) { done[b] = true; continue; }
                yield return new GeneratedToken(b, produced[b]++, next[b]);
            }
            if (done.All(d => d) || step == options.MaxTokens - 1) yield break;
            ct.ThrowIfCancellationRequested();
            await Task.Yield();   // let a streaming consumer run between steps
            logits = Decode(next, nextPosition, promptLength + step, keep, rope, cache, mixed);
            for (var b = 0; b < batch; b++) nextPosition[b]++;
        }
    }

    /// <summary>The whole left-padded prompt block in one forward pass; returns last-position logits [B·V].</summary>
    private float[] Prefill(Func<Tensor>[] embed, int[] lengths, int promptLength, bool[,] keep, RopeParameters rope, KvCache cache, bool mixed)
    {
        using var noGrad = Autograd.NoGrad();
        using var autocast = mixed ? Autocast.Enable() : default(ModeRestorer?);
        using var scope = TensorScope.Begin();
        var d = model.Config.HiddenSize;
        var rows = new Tensor[lengths.Length];
        var positions = new long[lengths.Length * promptLength];
        for (var b = 0; b < lengths.Length; b++)
        {
            var e = embed[b]().To(model.DType).To(model.Device);                                     // [T_b, d]
            var pad = promptLength - lengths[b];
            rows[b] = pad == 0 ? e : Tensor.Cat([Tensor.Zeros([pad, d], model.DType, model.Device), e], 0);
            for (var j = pad; j < promptLength; j++) positions[b * promptLength + j] = j - pad;
        }
        var x = Tensor.Stack(rows);                                                                   // [B, T, d]
        var pos = Tensor.From(positions, lengths.Length, promptLength).To(model.Device);
        var hidden = model.Forward(x, pos, rope, KeepMask(keep, promptLength), cache, adapter);
        return model.Logits(hidden.Select(1, promptLength - 1)).ToArray<float>();                     // [B, V]
    }

    /// <summary>One new token per request at its next position; returns logits [B·V].</summary>
    private float[] Decode(int[] tokens, long[] positions, int cached, bool[,] keep, RopeParameters rope, KvCache cache, bool mixed)
    {
        using var noGrad = Autograd.NoGrad();
        using var autocast = mixed ? Autocast.Enable() : default(ModeRestorer?);
        using var scope = TensorScope.Begin();
        for (var b = 0; b < tokens.Length; b++) keep[b, cached] = true;
        var ids = Tensor.From(tokens.Select(t => (long)t).ToArray(), tokens.Length, 1).To(model.Device);
        var pos = Tensor.From(positions, tokens.Length, 1).To(model.Device);
        var hidden = model.Forward(model.Embed(ids), pos, rope, KeepMask(keep, cached + 1), cache, adapter);
        return model.Logits(hidden.Select(1, 0)).ToArray<float>();
    }

    private Tensor? KeepMask(bool[,] keep, int length)
    {
        var batch = keep.GetLength(0);
        var flat = new bool[batch * length];
        var padded = false;
        for (var b = 0; b < batch; b++)
            for (var j = 0; j < length; j++)
            {
                flat[b * length + j] = keep[b, j];
                padded |= !keep[b, j];
            }
        return padded ? Tensor.From(flat, batch, length).To(model.Device) : null;   // no padding: no mask
    }
}
