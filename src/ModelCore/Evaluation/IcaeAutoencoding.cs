using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>
/// Autoencoding at one passage length in one slot format: <see cref="Passages"/> passages of <see cref="Tokens"/> tokens,
/// each <see cref="Spans"/> spans → <see cref="Slots"/> slots. Scores are null and <see cref="Skipped"/> says why when
/// the decoder cannot hold the request.
/// </summary>
public sealed record AutoencodingResult(
    int Tokens, string Format, int Spans, int Slots, long BlobBytesPerSpan, int Passages,
    Summary? Bleu, Summary? ExactPrefix, string? Skipped);

/// <summary>int8 against fp16 slots at one length: the drop in median BLEU (issue 4 allows at most 0.01).</summary>
public sealed record FormatComparison(int Tokens, double Fp16MedianBleu, double Int8MedianBleu, double MedianBleuDrop);

/// <summary>
/// ICAE autoencoding (Ge et al. 2024; shared/reference/icae.md): a passage is cut into spans, encoded into k slots per
/// span, the slots are stored as a blob of the given format and read back, and the frozen decoder regenerates the
/// passage from <c>[slots][AE]</c> by greedy decoding, stopping at EOS or after as many tokens as the passage has.
/// Scored per passage by <see cref="Evaluation.Bleu"/> and <see cref="PrefixMatch"/> against the passage's tokens,
/// summarised by median and mean. Every length uses prefixes of the same passages, so lengths differ only in length.
/// </summary>
public static class IcaeAutoencoding
{
    /// <param name="passages">Token windows at least as long as the longest length.</param>
    public static async Task<IReadOnlyList<AutoencodingResult>> EvaluateAsync(
        IcaeModel model, IReadOnlyList<int[]> passages, IReadOnlyList<int> lengths, IReadOnlyList<SlotDType> formats,
        int encodeBatch, int decodeBatch, CancellationToken ct = default, Action<string>? progress = null)
    {
        if (passages.Count == 0) throw new ArgumentException("autoencoding needs at least one passage");
        if (formats.Count == 0) throw new ArgumentException("autoencoding needs at least one slot format");
        var results = new List<AutoencodingResult>();
        foreach (var length in lengths)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
            if (passages.Any(p => p.Length < length)) throw new ArgumentException($"every passage must have at least {length} tokens");
            var texts = passages.Select(p => p[..length]).ToArray();
            var spans = texts.Select(t => model.SplitSpans(t)).ToArray();
            int spanCount = spans[0].Count, slots = spanCount * model.MemoryTokens;
            var blobBytes = formats.ToDictionary(f => f, f => SlotBlob.SizeOf(model.MemoryTokens, model.HiddenSize, f));
            // [slots][AE], then up to `length` new tokens: the rule GenerateAsync applies.
            if (IcaeEvalDecoder.Overflow(model, slots + 1L + length) is { } reason)
            {
                results.AddRange(formats.Select(f => new AutoencodingResult(length, SlotRoundTrip.Name(f), spanCount, slots, blobBytes[f], 0, null, null, reason)));
                progress?.Invoke($"autoencoding {length} tokens: skipped ({reason})");
                continue;
            }
            var encoded = IcaeEvalDecoder.EncodeSamples(model, spans, encodeBatch, ct);
            try
            {
                foreach (var format in formats)
                {
                    var served = encoded.Select(e => SlotRoundTrip.Apply(e, format, model.Fingerprint).Slots).ToArray();
                    int[][] generated;
                    try
                    {
                        var prompts = served.Select(s => IcaePrompt.AutoEncode(s)).ToArray();
                        generated = await IcaeEvalDecoder.GenerateAsync(model, prompts, Enumerable.Repeat(length, prompts.Length).ToArray(), decodeBatch, ct);
                    }
                    finally
                    {
                        foreach (var s in served) s.Dispose();
                    }
                    var bleu = Summary.Of(texts.Select((t, i) => Evaluation.Bleu.Sentence(t, generated[i])));
                    var prefix = Summary.Of(texts.Select((t, i) => PrefixMatch.Fraction(t, generated[i])));
                    results.Add(new AutoencodingResult(length, SlotRoundTrip.Name(format), spanCount, slots, blobBytes[format], texts.Length, bleu, prefix, null));
                    progress?.Invoke($"autoencoding {length} tokens, {SlotRoundTrip.Name(format)}: median BLEU {bleu.Median:F3}, median prefix {prefix.Median:F3}");
                }
            }
            finally
            {
                foreach (var e in encoded) e.Dispose();
            }
        }
        return results;
    }

    /// <summary>The lengths scored in both formats, with fp16 median BLEU − int8 median BLEU.</summary>
    public static IReadOnlyList<FormatComparison> Int8AgainstFp16(IReadOnlyList<AutoencodingResult> results) =>
        results.Where(r => r.Format == SlotRoundTrip.Name(SlotDType.Float16) && r.Bleu is not null)
            .Select(fp16 => (fp16, int8: results.FirstOrDefault(r => r.Tokens == fp16.Tokens && r.Format == SlotRoundTrip.Name(SlotDType.Int8) && r.Bleu is not null)))
            .Where(p => p.int8 is not null)
            .Select(p => new FormatComparison(p.fp16.Tokens, p.fp16.Bleu!.Median, p.int8!.Bleu!.Median, p.fp16.Bleu.Median - p.int8.Bleu.Median))
            .ToList();
}
