namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>
/// Sentence BLEU-4 (Papineni et al. 2002) of one hypothesis against one reference, over token ids, needing no corpus:
/// BLEU = BP · exp(Σₙ ¼ · log pₙ), n = 1..4, where pₙ is the clipped n-gram precision (each hypothesis n-gram counts at
/// most as often as it occurs in the reference) and BP = 1 when the hypothesis is longer than the reference, else
/// exp(1 − r/c) (r, c: reference and hypothesis lengths).
/// </summary>
/// <remarks>
/// Smoothing: add-one for n ≥ 2 (Lin &amp; Och 2004, "ORANGE"; NLTK's method 2): pₙ = (matchesₙ + 1) / (totalₙ + 1), so one
/// missing 4-gram does not zero a long, nearly perfect reconstruction; p₁ stays unsmoothed, so a hypothesis with no
/// reference token scores 0. An empty hypothesis scores 0, an exact copy 1. Token ids rather than words: the ICAE
/// autoencoder reproduces a token sequence, and comparing ids measures that without detokenization effects.
/// </remarks>
public static class Bleu
{
    public const int MaxOrder = 4;

    public const string Definition =
        "sentence BLEU-4 over token ids: uniform weights over 1..4-grams, clipped precisions, brevity penalty exp(1 - r/c) when c <= r, " +
        "add-one smoothing of the 2..4-gram precisions (Lin & Och 2004; NLTK method2), 0 for an empty hypothesis";

    public static double Sentence(IReadOnlyList<int> reference, IReadOnlyList<int> hypothesis)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(hypothesis);
        if (reference.Count == 0) throw new ArgumentException("BLEU needs a non-empty reference");
        if (hypothesis.Count == 0) return 0;
        var logSum = 0.0;
        for (var n = 1; n <= MaxOrder; n++)
        {
            var (matches, total) = Matches(reference, hypothesis, n);
            if (n == 1 && matches == 0) return 0;
            var precision = n == 1 ? (double)matches / total : (matches + 1.0) / (total + 1.0);
            logSum += Math.Log(precision) / MaxOrder;
        }
        double r = reference.Count, c = hypothesis.Count;
        var brevity = c > r ? 1.0 : Math.Exp(1 - r / c);
        return brevity * Math.Exp(logSum);
    }

    /// <summary>Clipped n-gram matches of the hypothesis against the reference, and the hypothesis's n-gram count.</summary>
    public static (int Matches, int Total) Matches(IReadOnlyList<int> reference, IReadOnlyList<int> hypothesis, int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        var available = Counts(reference, n);
        int matches = 0, total = Math.Max(0, hypothesis.Count - n + 1);
        for (var i = 0; i + n <= hypothesis.Count; i++)
        {
            var gram = Gram(hypothesis, i, n);
            if (available.TryGetValue(gram, out var left) && left > 0)
            {
                available[gram] = left - 1;
                matches++;
            }
        }
        return (matches, total);
    }

    private static Dictionary<string, int> Counts(IReadOnlyList<int> tokens, int n)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i + n <= tokens.Count; i++)
        {
            var gram = Gram(tokens, i, n);
            counts[gram] = counts.GetValueOrDefault(gram) + 1;
        }
        return counts;
    }

    // An n-gram as a string key ("12 7 99"): exact, and cheap enough at ≤ 512 tokens per passage.
    private static string Gram(IReadOnlyList<int> tokens, int start, int n) =>
        string.Join(' ', Enumerable.Range(start, n).Select(i => tokens[i]));
}
