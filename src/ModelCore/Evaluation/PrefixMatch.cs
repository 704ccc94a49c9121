namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>
/// ICAE's exact-match measure of a reconstruction (Ge et al. 2024; shared/reference/icae.md): the length of the
/// longest prefix the hypothesis shares with the reference, divided by the reference length. 1 for an exact copy;
/// the first wrong token ends the prefix, so it is much stricter than BLEU on long passages.
/// </summary>
public static class PrefixMatch
{
    public const string Definition = "exact-match prefix: length of the common prefix of hypothesis and reference token ids / reference length";

    public static int Length(IReadOnlyList<int> reference, IReadOnlyList<int> hypothesis)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(hypothesis);
        var n = 0;
        while (n < reference.Count && n < hypothesis.Count && reference[n] == hypothesis[n]) n++;
        return n;
    }

    public static double Fraction(IReadOnlyList<int> reference, IReadOnlyList<int> hypothesis)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (reference.Count == 0) throw new ArgumentException("the exact-match prefix needs a non-empty reference");
        return Length(reference, hypothesis) / (double)reference.Count;
    }
}
