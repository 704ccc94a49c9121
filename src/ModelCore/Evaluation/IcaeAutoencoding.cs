using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>
/// Autoencoding at one passage length in one slot format: <see cref="Passages"/> passages of <see cref="Tokens"/> tokens,
/// each <see cref="Spans"/> spans → <see cref="Slots"/> slots. Scores are null and <see cref="Skipped"/> says why when
/// the decoder cannot hold the request. <see cref="PassageBleu"/> holds each passage's BLEU, in passage order.
/// </summary>
public sealed record AutoencodingResult(
    int Tokens, string Format, int Spans, int Slots, long BlobBytesPerSpan, int Passages,
    Summary? Bleu, Summary? ExactPrefix, string? Skipped, IReadOnlyList<double>? PassageBleu = null);

/// <summary>
/// int8 against fp16 slots at one length, on the same passages: the drop in median BLEU (issue 4 allows at most
/// 0.01), the drop in mean BLEU, the paired-bootstrap 95 % interval of the median drop (<see cref="PairedBootstrap"/>),
/// and how many passages came back with another BLEU. Greedy decoding turns a small change in the slots into another
/// token now and then and a different continuation from there, so the median can move by more than the mean.
/// </summary>
public sealed record FormatComparison(
    int Tokens, double Fp16MedianBleu, double Int8MedianBleu, double MedianBleuDrop, double MeanBleuDrop,
    double MedianBleuDropLow, double MedianBleuDropHigh, int PassagesChanged);

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
        int encodeBatch, int decodeBatch, CancellationToken ct = default, Action<string>? progress = null, GenerationOptions? decoding = null)
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
            // [prefix][slots][AE], then up to `length` new tokens: the rule GenerateAsync applies.
            if (IcaeEvalDecoder.Overflow(model, model.InputLength(IcaeLayout.AutoEncode, slots, 0) + length) is { } reason)
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
                        generated = await IcaeEvalDecoder.GenerateAsync(model, prompts, Enumerable.Repeat(length, prompts.Length).ToArray(), decodeBatch, decoding ?? IcaeEvalDecoder.Greedy, ct);
                    }
                    finally
                    {
                        foreach (var s in served) s.Dispose();
                    }
                    var passageBleu = texts.Select((t, i) => Evaluation.Bleu.Sentence(t, generated[i])).ToArray();
                    var bleu = Summary.Of(passageBleu);
                    var prefix = Summary.Of(texts.Select((t, i) => PrefixMatch.Fraction(t, generated[i])));
                    results.Add(new AutoencodingResult(length, SlotRoundTrip.Name(format), spanCount, slots, blobBytes[format], texts.Length, bleu, prefix, null, passageBleu));
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

    /// <summary>The lengths scored in both formats: fp16 median BLEU − int8 median BLEU, with its bootstrap interval.</summary>
    public static IReadOnlyList<FormatComparison> Int8AgainstFp16(IReadOnlyList<AutoencodingResult> results) =>
        results.Where(r => r.Format == SlotRoundTrip.Name(SlotDType.Float16) && r.PassageBleu is not null)
            .Select(fp16 => (fp16, int8: results.FirstOrDefault(r => r.Tokens == fp16.Tokens && r.Format == SlotRoundTrip.Name(SlotDType.Int8) && r.PassageBleu is not null)))
            .Where(p => p.int8 is not null)
            .Select(p => Compare(p.fp16, p.int8!))
            .ToList();

    private static FormatComparison Compare(AutoencodingResult fp16, AutoencodingResult int8)
    {
        // The drop is fp16 − int8: int8 as the baseline, fp16 as the other, on the same passages.
        var c = BleuComparison.Of(fp16.Tokens, "int8 vs fp16", baseline: int8.PassageBleu!, other: fp16.PassageBleu!);
        return new FormatComparison(fp16.Tokens, c.OtherMedian, c.BaselineMedian, c.MedianDifference, fp16.Bleu!.Mean - int8.Bleu!.Mean,
            c.Low, c.High, c.Better + c.Worse);
    }
}
