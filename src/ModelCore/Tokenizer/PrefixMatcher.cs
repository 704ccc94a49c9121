namespace MemoryPlatform.ModelCore.Tokenizer;

/// <summary>
/// Longest-match lookup of user-defined pieces at the start of a UTF-8 byte string (one char
/// per byte, see <see cref="Utf8"/>). SentencePiece uses it twice: the normalizer copies a
/// matched user-defined piece verbatim, and the BPE encoder freezes it as one symbol.
/// Without a match it reports one UTF-8 character, so callers can walk character by character.
/// </summary>
public sealed class PrefixMatcher
{
    private sealed class Node
    {
        public Dictionary<char, Node>? Children;
        public bool IsPiece;
    }

    private readonly Node _root = new();

    public PrefixMatcher(IEnumerable<string> utf8Pieces)
    {
        foreach (var piece in utf8Pieces)
        {
            var node = _root;
            foreach (char c in piece)
            {
                node.Children ??= [];
                if (!node.Children.TryGetValue(c, out var next))
                    node.Children[c] = next = new Node();
                node = next;
            }
            node.IsPiece = true;
        }
    }

    public bool IsEmpty => _root.Children is null;

    /// <summary>Length of the longest user-defined piece that prefixes <paramref name="text"/>
    /// (found = true), else the length of its first UTF-8 character.</summary>
    public int Match(ReadOnlySpan<char> text, out bool found)
    {
        int longest = 0;
        var node = _root;
        for (int i = 0; i < text.Length && node.Children is not null; i++)
        {
            if (!node.Children.TryGetValue(text[i], out node))
                break;
            if (node.IsPiece)
                longest = i + 1;
        }
        found = longest > 0;
        return found ? longest : Math.Min(Utf8.CharLength(text[0]), text.Length);
    }
}
