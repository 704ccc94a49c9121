using System.Text.RegularExpressions;

namespace MemoryPlatform.ModelCore.Data;

/// <summary>
/// Turns a GCIDE entry as dictd serves it into plain text: pronunciation (\Ab"ba\ and its
/// "(...)" transcription) and source tags ([1913 Webster]) dropped, cross-references {x}
/// unwrapped, accent codes like [a^] or [ae] reduced to letters, indentation removed.
/// </summary>
public static partial class GcideMarkup
{
    private static readonly Dictionary<string, string> Ligatures = new(StringComparer.Ordinal)
    {
        ["ae"] = "æ", ["AE"] = "Æ", ["oe"] = "œ", ["OE"] = "Œ", ["root"] = "√", ["deg"] = "°",
        ["frac12"] = "½", ["frac14"] = "¼", ["frac34"] = "¾", ["sect"] = "§", ["para"] = "¶",
        ["times"] = "×", ["pound"] = "£", ["cent"] = "¢", ["prime"] = "′",
    };

    public static string ToPlainText(string entry)
    {
        var s = Pronunciation().Replace(entry, "");
        s = SourceTagLine().Replace(s, "");
        s = SourceTagInline().Replace(s, "");
        s = CrossRef().Replace(s, "$1");
        s = AccentCode().Replace(s, m => m.Groups[1].Value);
        s = BracketCode().Replace(s, m =>
            Ligatures.TryGetValue(m.Groups[1].Value, out var r) ? r : m.Value);
        // Entries are indented by 3+ spaces; quotations deeper. Keep line structure, drop indent.
        var lines = s.Split('\n').Select(l => l.Trim());
        return string.Join('\n', lines).Trim();
    }

    // "\A*ban"don\" optionally followed by a transcription "([.a]*b[a^]n"d[u^]n)".
    [GeneratedRegex(@"\s*\\[^\\\n]*\\(\s*\([^)\n]*\))?")]
    private static partial Regex Pronunciation();

    // A line holding only source tags: "[1913 Webster]", "[WordNet 1.5 +PJC]", "[PJC]".
    [GeneratedRegex(@"^[ \t]*(\[(?:[^\]\n]*(?:Webster|WordNet|PJC|Century|Chambers|Johnson)[^\]\n]*|[A-Z]{2,4})\][ \t]*)+\n?", RegexOptions.Multiline)]
    private static partial Regex SourceTagLine();

    [GeneratedRegex(@"[ \t]*\[(?:[0-9]{4} Webster|WordNet [0-9.]+|PJC)\]")]
    private static partial Regex SourceTagInline();

    [GeneratedRegex(@"\{([^{}]*)\}")]
    private static partial Regex CrossRef();

    // A letter followed by an accent mark code: [a^] [e"] [a`] [u~] [e=] [imac] [aum] [cced] ...
    [GeneratedRegex(@"\[([A-Za-z])(?:[\^""`'~=.,*]|mac|um|ac|gr|cr|ced|til|ring|dot|sl|bre)\]")]
    private static partial Regex AccentCode();

    [GeneratedRegex(@"\[([A-Za-z]+[0-9]*)\]")]
    private static partial Regex BracketCode();
}
