using System.Text;

namespace MemoryPlatform.ModelCore.Tokenizer;

/// <summary>
/// SentencePiece's Normalizer::Normalize on UTF-8 byte strings: user-defined pieces pass
/// through untouched, everything else goes through the compiled rule map (identity when the
/// model has none), then whitespace handling: leading/trailing/repeated spaces removed when
/// remove_extra_whitespaces, a dummy space prefix (or suffix with treat_whitespace_as_suffix),
/// and spaces escaped to U+2581 (▁).
/// </summary>
public sealed class Normalizer
{
    /// <summary>U+2581 LOWER ONE EIGHTH BLOCK as a UTF-8 byte string.</summary>
    public const string SpaceSymbol = "\u00E2\u0096\u0081";

    private readonly NormalizerSpec _spec;
    private readonly bool _whitespaceAsSuffix;
    private readonly PrecompiledCharsMap? _charsMap;
    private readonly PrefixMatcher _userDefined;

    public Normalizer(NormalizerSpec spec, bool treatWhitespaceAsSuffix, PrefixMatcher userDefined)
    {
        _spec = spec;
        _whitespaceAsSuffix = treatWhitespaceAsSuffix;
        // An empty map is SentencePiece's identity normalization, whatever the rule name says.
        _charsMap = spec.PrecompiledCharsMap.Length == 0 ? null : new PrecompiledCharsMap(spec.PrecompiledCharsMap);
        _userDefined = userDefined;
    }

    /// <summary>Normalizes a UTF-8 byte string; returns a UTF-8 byte string.</summary>
    public string Normalize(string input)
    {
        var output = new StringBuilder(input.Length + 8);
        if (input.Length == 0)
            return "";
        var rest = input.AsSpan();

        // Leading whitespace goes first, judged after normalization (a tab maps to " " under nmt_nfkc).
        if (_spec.RemoveExtraWhitespaces)
        {
            while (!rest.IsEmpty)
            {
                int consumed = NormalizePrefix(rest, out var piece);
                if (!piece.SequenceEqual(" "))
                    break;
                rest = rest[consumed..];
            }
        }
        if (rest.IsEmpty)
            return "";

        string space = _spec.EscapeWhitespaces ? SpaceSymbol : " ";
        if (_spec.AddDummyPrefix && !_whitespaceAsSuffix)
            output.Append(space);

        bool prevIsSpace = _spec.RemoveExtraWhitespaces;
        while (!rest.IsEmpty)
        {
            int consumed = NormalizePrefix(rest, out var piece);
            if (prevIsSpace)
                piece = piece.TrimStart(' ');
            if (!piece.IsEmpty)
            {
                foreach (char c in piece)
                {
                    if (c == ' ' && _spec.EscapeWhitespaces)
                        output.Append(SpaceSymbol);
                    else
                        output.Append(c);
                }
                prevIsSpace = piece[^1] == ' ';
            }
            rest = rest[consumed..];
            if (!_spec.RemoveExtraWhitespaces)
                prevIsSpace = false;
        }

        if (_spec.RemoveExtraWhitespaces)
        {
            while (output.Length >= space.Length && EndsWith(output, space))
                output.Length -= space.Length;
        }
        if (_spec.AddDummyPrefix && _whitespaceAsSuffix)
            output.Append(space);
        return output.ToString();
    }

    // Normalizer::NormalizePrefix: how many input bytes the next unit takes and what it becomes.
    private int NormalizePrefix(ReadOnlySpan<char> input, out ReadOnlySpan<char> normalized)
    {
        if (!_userDefined.IsEmpty)
        {
            int n = _userDefined.Match(input, out bool found);
            if (found)
            {
                normalized = input[..n];
                return n;
            }
        }
        if (_charsMap is not null)
        {
            int n = _charsMap.LongestMatch(input, out var replacement);
            if (n > 0)
            {
                normalized = replacement;
                return n;
            }
        }
        if (Utf8.TryDecodeChar(input, out int length))
        {
            normalized = input[..length];
            return length;
        }
        // A malformed byte becomes U+FFFD, one byte at a time.
        normalized = Utf8.ReplacementChar;
        return 1;
    }

    private static bool EndsWith(StringBuilder sb, string suffix)
    {
        for (int i = 0; i < suffix.Length; i++)
            if (sb[sb.Length - suffix.Length + i] != suffix[i])
                return false;
        return true;
    }
}
