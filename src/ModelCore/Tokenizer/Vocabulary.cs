namespace MemoryPlatform.ModelCore.Tokenizer;

/// <summary>
/// Piece ↔ id maps as SentencePiece's ModelInterface keeps them: normal, user-defined and
/// unused pieces are the ones encoding may produce; unknown, control and byte pieces are
/// "reserved" and looked up first. Keys are UTF-8 byte strings (<see cref="Utf8"/>).
/// </summary>
public sealed class Vocabulary
{
    private readonly Dictionary<string, int> _pieces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _reserved = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _piecesBySpan;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _reservedBySpan;

    public Vocabulary(IReadOnlyList<SentencePiece> pieces)
    {
        Count = pieces.Count;
        Pieces = pieces.Select(p => p.Piece).ToArray();
        Utf8Pieces = pieces.Select(p => Utf8.ToByteString(p.Piece)).ToArray();
        Scores = pieces.Select(p => p.Score).ToArray();
        Types = pieces.Select(p => p.Type).ToArray();
        for (int id = 0; id < Count; id++)
        {
            bool encodable = Types[id] is PieceType.Normal or PieceType.UserDefined or PieceType.Unused;
            (encodable ? _pieces : _reserved)[Utf8Pieces[id]] = id;
            if (Types[id] == PieceType.Unknown)
                UnkId = id;
        }
        _piecesBySpan = _pieces.GetAlternateLookup<ReadOnlySpan<char>>();
        _reservedBySpan = _reserved.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count { get; }
    public string[] Pieces { get; }
    public string[] Utf8Pieces { get; }
    public float[] Scores { get; }
    public PieceType[] Types { get; }
    /// <summary>The id of the one UNKNOWN piece (the reader guarantees there is one).</summary>
    public int UnkId { get; }

    public IEnumerable<string> UserDefinedUtf8Pieces =>
        Enumerable.Range(0, Count).Where(id => Types[id] == PieceType.UserDefined).Select(id => Utf8Pieces[id]);

    /// <summary>A piece BPE may produce (normal, user-defined or unused).</summary>
    public bool TryGetEncodable(ReadOnlySpan<char> utf8Piece, out int id) => _piecesBySpan.TryGetValue(utf8Piece, out id);

    /// <summary>ModelInterface::PieceToId: reserved pieces first, then the rest, else unknown.</summary>
    public int PieceToId(ReadOnlySpan<char> utf8Piece)
    {
        if (_reservedBySpan.TryGetValue(utf8Piece, out int id) || _piecesBySpan.TryGetValue(utf8Piece, out id))
            return id;
        return UnkId;
    }
}
