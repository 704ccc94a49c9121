namespace MemoryPlatform.ModelCore.Tokenizer;

/// <summary>
/// SentencePiece's BPE segmentation (bpe_model.cc, Model::Encode) of a normalized UTF-8 byte
/// string. Start from characters (user-defined pieces are single frozen symbols), then
/// repeatedly merge the adjacent pair whose concatenation is a piece with the highest score,
/// the leftmost pair on ties. Symbols form a linked list and candidate pairs a heap with
/// lazy deletion, so a text of n characters costs O(n log n) however long its words are.
/// </summary>
public sealed class BpeEncoder
{
    private readonly Vocabulary _vocab;
    private readonly PrefixMatcher _userDefined;

    public BpeEncoder(Vocabulary vocab, PrefixMatcher userDefined)
    {
        _vocab = vocab;
        _userDefined = userDefined;
    }

    /// <summary>One output piece: a span of the normalized string and its id (unknown pieces get the unk id).</summary>
    public readonly record struct Segment(int Start, int Length, int Id);

    // Heap key: higher score first, then the smaller left index, packed into one ulong so the
    // min-heap compares plain integers. The float's bits are mapped to an order-preserving
    // uint (adding 0f turns -0 into +0, which C++'s `<` also treats as equal) and inverted.
    private static ulong PairKey(float score, int left)
    {
        uint bits = BitConverter.SingleToUInt32Bits(score + 0f);
        uint ascending = (bits & 0x80000000u) == 0 ? bits | 0x80000000u : ~bits;
        return ((ulong)~ascending << 32) | (uint)left;
    }

    public List<Segment> Encode(string normalized)
    {
        var result = new List<Segment>();
        if (normalized.Length == 0)
            return result;

        // Symbols as a doubly linked list over spans of `normalized`; a merged-away symbol has length 0.
        int capacity = normalized.Length;
        var start = new int[capacity];
        var length = new int[capacity];
        var prev = new int[capacity];
        var next = new int[capacity];
        var frozen = new bool[capacity];
        int count = 0;
        for (int pos = 0; pos < normalized.Length; count++)
        {
            int n = _userDefined.Match(normalized.AsSpan(pos), out frozen[count]);
            start[count] = pos;
            length[count] = n;
            prev[count] = count - 1;
            pos += n;
            next[count] = pos < normalized.Length ? count + 1 : -1;
        }

        var agenda = new PriorityQueue<(int Left, int Right, int Size), ulong>(count);
        // Unused pieces may be merged through but not emitted: remember how to split them again.
        Dictionary<string, int>? unusedSplits = null;

        void MaybeAddPair(int left, int right)
        {
            if (left < 0 || right < 0 || frozen[left] || frozen[right])
                return;
            int size = length[left] + length[right];
            var merged = normalized.AsSpan(start[left], size);
            if (!_vocab.TryGetEncodable(merged, out int id))
                return;
            agenda.Enqueue((left, right, size), PairKey(_vocab.Scores[id], left));
            if (_vocab.Types[id] == PieceType.Unused)
                (unusedSplits ??= [])[merged.ToString()] = length[left];
        }

        for (int i = 1; i < count; i++)
            MaybeAddPair(i - 1, i);

        while (agenda.TryDequeue(out var pair, out _))
        {
            var (left, right, size) = pair;
            // Stale entry: one side was merged away or grew since the pair was queued.
            if (length[left] == 0 || length[right] == 0 || length[left] + length[right] != size)
                continue;
            length[left] = size;
            next[left] = next[right];
            if (next[right] >= 0)
                prev[next[right]] = left;
            length[right] = 0;
            MaybeAddPair(prev[left], left);
            MaybeAddPair(left, next[left]);
        }

        for (int i = 0; i != -1; i = next[i])
            Resegment(normalized, start[i], length[i], unusedSplits, result);
        return result;
    }

    // Splits an unused piece back into the two pieces it was merged from, recursively.
    private void Resegment(string normalized, int pos, int len, Dictionary<string, int>? unusedSplits, List<Segment> output)
    {
        var piece = normalized.AsSpan(pos, len);
        int id = _vocab.PieceToId(piece);
        if (unusedSplits is not null && _vocab.Types[id] == PieceType.Unused
            && unusedSplits.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(piece, out int leftLength))
        {
            Resegment(normalized, pos, leftLength, unusedSplits, output);
            Resegment(normalized, pos + leftLength, len - leftLength, unusedSplits, output);
            return;
        }
        output.Add(new Segment(pos, len, id));
    }
}
