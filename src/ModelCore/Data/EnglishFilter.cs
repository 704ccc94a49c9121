using System.Text.RegularExpressions;

namespace MemoryPlatform.ModelCore.Data;

/// <summary>
/// Cheap test that a document is English prose, not empty, art or another language:
/// mostly letters, the letters Latin, and common English function words present.
/// </summary>
public static partial class EnglishFilter
{
    public const int MinChars = 40;
    public const double MinLetterShare = 0.6;
    public const double MinLatinShare = 0.95;
    public const double MinStopwordShare = 0.04;

    private static readonly HashSet<string> Stopwords = new(StringComparer.Ordinal)
    {
        "the", "of", "and", "to", "a", "in", "is", "that", "it", "for", "as", "with", "be",
        "on", "not", "he", "i", "you", "this", "by", "or", "are", "was", "from", "his", "an",
    };

    public static bool IsEnglish(string text)
    {
        if (text.Length < MinChars) return false;
        int nonSpace = 0, letters = 0, latin = 0;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c)) continue;
            nonSpace++;
            if (!char.IsLetter(c)) continue;
            letters++;
            if (c < 0x250) latin++; // Basic Latin through Latin Extended-B
        }
        if (nonSpace == 0 || (double)letters / nonSpace < MinLetterShare) return false;
        if ((double)latin / letters < MinLatinShare) return false;
        int words = 0, stop = 0;
        foreach (Match m in Word().Matches(text))
        {
            words++;
            if (Stopwords.Contains(m.Value.ToLowerInvariant())) stop++;
        }
        return words > 0 && (double)stop / words >= MinStopwordShare;
    }

    [GeneratedRegex(@"\p{L}+")]
    private static partial Regex Word();
}
