using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>
/// Continuation perplexity with a context of <see cref="Multiple"/> spans (<see cref="ContextTokens"/> tokens) read raw
/// or as <see cref="Slots"/> slots. A null perplexity comes with the reason the decoder could not hold it.
/// </summary>
public sealed record ContinuationResult(
    int Multiple, int ContextTokens, int Slots, int ContinuationTokens, int Documents,
    double? RawPpl, double? SlotsPpl, string? RawSkipped, string? SlotsSkipped);

/// <summary>
/// Perplexity of the text that follows a context (ICAE's language-modelling check, Ge et al. 2024): each window is
/// m·span_length context tokens followed by C continuation tokens; the frozen decoder scores the continuation by
/// teacher forcing after either the raw context (its token embeddings) or the context's slots (encoded span by span,
/// stored as a blob and read back), in the continuation layout <c>[context][continuation]</c> with no BOS and no
/// special row, as ICAE's LM objective trains it. ppl = exp(mean NLL over every continuation token). The windows are
/// cut so that every m scores the same continuations: only the amount of context before them changes.
/// </summary>
public static class IcaeContinuation
{
    /// <param name="windows">Token windows of at least max(multiples)·span_length + <paramref name="continuationTokens"/> tokens.</param>
    public static IReadOnlyList<ContinuationResult> Evaluate(
        IcaeModel model, IReadOnlyList<int[]> windows, IReadOnlyList<int> multiples, int continuationTokens, SlotDType format,
        int encodeBatch, int decodeBatch, CancellationToken ct = default, Action<string>? progress = null)
    {
        if (windows.Count == 0) throw new ArgumentException("continuation perplexity needs at least one window");
        ArgumentOutOfRangeException.ThrowIfLessThan(continuationTokens, 1);
        var span = model.Config.SpanLength;
        var end = multiples.Max() * span;                                                         // where every continuation starts
        if (windows.Any(w => w.Length < end + continuationTokens))
            throw new ArgumentException($"every window must have at least {end + continuationTokens} tokens");
        var continuations = windows.Select(w => w[end..(end + continuationTokens)]).ToArray();
        var results = new List<ContinuationResult>();
        foreach (var m in multiples)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(m, 1);
            var contexts = windows.Select(w => w[(end - m * span)..end]).ToArray();
            var slots = m * model.MemoryTokens;
            // Teacher forcing reads the context and all but the last continuation token.
            var rawSkipped = IcaeEvalDecoder.Overflow(model, (long)m * span + continuationTokens - 1);
            var slotsSkipped = IcaeEvalDecoder.Overflow(model, (long)slots + continuationTokens - 1);
            double? raw = null, compressed = null;
            if (rawSkipped is null)
                raw = Ppl(model, contexts.Select(c => model.RawContext(c)).ToArray(), continuations, decodeBatch, ct);
            if (slotsSkipped is null)
                compressed = Ppl(model, IcaeEvalDecoder.ServedSlots(model, contexts.Select(c => model.SplitSpans(c)).ToArray(), format, encodeBatch, ct),
                                 continuations, decodeBatch, ct);
            results.Add(new ContinuationResult(m, m * span, slots, continuationTokens, windows.Count, raw, compressed, rawSkipped, slotsSkipped));
            progress?.Invoke($"continuation after {m}× {span} tokens: raw ppl {Show(raw, rawSkipped)}, slots ppl {Show(compressed, slotsSkipped)}");
        }
        return results;
    }

    private static string Show(double? ppl, string? skipped) => ppl is double p ? p.ToString("F2") : $"skipped ({skipped})";

    /// <summary>exp(mean NLL) of the continuations after their context blocks; disposes the blocks.</summary>
    private static double Ppl(IcaeModel model, Tensor[] contexts, int[][] continuations, int batch, CancellationToken ct)
    {
        try
        {
            double nll = 0;
            long tokens = 0;
            for (var start = 0; start < contexts.Length; start += batch)
            {
                ct.ThrowIfCancellationRequested();
                var n = Math.Min(batch, contexts.Length - start);
                using var noGrad = Autograd.NoGrad();
                using var scope = TensorScope.Begin();
                var prompts = Enumerable.Range(start, n).Select(i => IcaePrompt.Continue([contexts[i]])).ToArray();
                var targets = Enumerable.Range(start, n).Select(i => continuations[i]).ToArray();
                var count = targets.Sum(t => t.Length);
                nll += model.DecoderLoss(prompts, targets).Item<float>() * (double)count;            // the loss is the token mean
                tokens += count;
            }
            return Math.Exp(nll / tokens);
        }
        finally
        {
            foreach (var c in contexts) c.Dispose();
        }
    }
}
