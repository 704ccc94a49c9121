using System.Text;

namespace MemoryPlatform.ModelCore.Tokenizer;

/// <summary>
/// A SentencePiece BPE tokenizer read from a tokenizer.model, matching SentencePiece 0.1.97
/// (Debian's spm_encode/spm_decode) id for id: normalize (<see cref="Normalizer"/>), segment
/// (<see cref="BpeEncoder"/>), then map pieces to ids, spelling unknown pieces as &lt;0xNN&gt;
/// byte pieces under byte_fallback or else collapsing each run of them into one unk id.
/// Immutable after loading, so one instance may serve many threads.
/// </summary>
public sealed class SentencePieceTokenizer
{
    private readonly SentencePieceModel _model;
    private readonly Vocabulary _vocab;
    private readonly Normalizer _normalizer;
    private readonly Normalizer? _denormalizer;
    private readonly BpeEncoder _bpe;
    private readonly int[] _byteIds = new int[256];
    private readonly string _utf8UnkSurface;

    public SentencePieceTokenizer(SentencePieceModel model)
    {
        SentencePieceModelReader.Validate(model); // a model built in code gets the reader's checks too
        if (model.TrainerSpec.ModelType != SentencePieceModelType.Bpe)
            throw new NotSupportedException(
                $"SentencePiece model type {model.TrainerSpec.ModelType} is not supported; only BPE models are implemented.");
        _model = model;
        _vocab = new Vocabulary(model.Pieces);
        var userDefined = new PrefixMatcher(_vocab.UserDefinedUtf8Pieces);
        _normalizer = new Normalizer(model.NormalizerSpec, model.TrainerSpec.TreatWhitespaceAsSuffix, userDefined);
        _bpe = new BpeEncoder(_vocab, userDefined);
        // As SentencePieceProcessor: a denormalizer exists only when it has rules.
        if (model.DenormalizerSpec is { PrecompiledCharsMap.Length: > 0 } denormalizer)
            _denormalizer = new Normalizer(denormalizer, treatWhitespaceAsSuffix: false, new PrefixMatcher([]));
        if (model.TrainerSpec.ByteFallback)
            for (int b = 0; b < 256; b++)
                _byteIds[b] = _vocab.PieceToId(ByteFallback.ByteToPiece((byte)b));
        _utf8UnkSurface = Utf8.ToByteString(model.TrainerSpec.UnkSurface);
        UnkId = _vocab.PieceToId(Utf8.ToByteString(model.TrainerSpec.UnkPiece)) is var u && _vocab.Types[u] == PieceType.Unknown ? u : -1;
        BosId = ControlId(model.TrainerSpec.BosPiece);
        EosId = ControlId(model.TrainerSpec.EosPiece);
        PadId = ControlId(model.TrainerSpec.PadPiece);
    }

    /// <summary>Reads a tokenizer.model; corrupt files throw <see cref="InvalidDataException"/>.</summary>
    public static SentencePieceTokenizer Load(string path) => new(SentencePieceModelReader.Read(path));

    public SentencePieceModel Model => _model;
    public int VocabSize => _vocab.Count;
    /// <summary>Special ids as SentencePieceProcessor reports them: -1 when the model lacks the piece.</summary>
    public int UnkId { get; }
    public int BosId { get; }
    public int EosId { get; }
    public int PadId { get; }

    public string IdToPiece(int id)
    {
        CheckId(id);
        return _vocab.Pieces[id];
    }

    /// <summary>The piece's id, or <see cref="UnkId"/> for a string that is no piece.</summary>
    public int PieceToId(string piece) => _vocab.PieceToId(Utf8.ToByteString(piece));

    public int[] Encode(string text, bool addBos = false, bool addEos = false)
    {
        string normalized = _normalizer.Normalize(Utf8.ToByteString(text));
        var segments = _bpe.Encode(normalized);
        var ids = new List<int>(segments.Count + 2);
        if (addBos)
            ids.Add(BosId >= 0 ? BosId : throw new InvalidOperationException("The model has no BOS piece."));
        bool prevIsUnk = false;
        foreach (var s in segments)
        {
            bool isUnk = s.Id == _vocab.UnkId;
            if (isUnk && _model.TrainerSpec.ByteFallback)
            {
                for (int i = s.Start; i < s.Start + s.Length; i++)
                    ids.Add(_byteIds[normalized[i]]);
            }
            else if (!(isUnk && prevIsUnk))
            {
                // A run of unknown pieces becomes one unk id, as SentencePiece does.
                ids.Add(s.Id);
            }
            prevIsUnk = isUnk;
        }
        if (addEos)
            ids.Add(EosId >= 0 ? EosId : throw new InvalidOperationException("The model has no EOS piece."));
        return ids.ToArray();
    }

    /// <summary>
    /// SentencePieceProcessor::Decode: control pieces vanish, unknown pieces read as the unk
    /// surface (" ⁇ "), consecutive byte pieces are reassembled as UTF-8 (each malformed byte
    /// becomes U+FFFD), ▁ turns into a space, the text loses its leading dummy-prefix ▁, and
    /// the model's denormalization rules, if any, rewrite the result.
    /// </summary>
    public string Decode(IEnumerable<int> ids)
    {
        var text = new StringBuilder();
        var pendingBytes = new StringBuilder();
        // The dummy prefix is stripped from the first piece that starts the text. With
        // remove_extra_whitespaces every leading ▁ goes (the normalizer never leaves more
        // than the dummy one); otherwise only the first one (Llama keeps "  x" as "  x").
        bool atStart = true, strippedSpace = false;
        foreach (int id in ids)
        {
            CheckId(id);
            if (_vocab.Types[id] == PieceType.Byte)
            {
                pendingBytes.Append((char)ByteFallback.PieceToByte(_vocab.Pieces[id]));
                continue;
            }
            FlushBytes(pendingBytes, text);
            if (strippedSpace || text.Length > 0)
                atStart = false;
            strippedSpace = AppendPiece(id, atStart, text);
        }
        FlushBytes(pendingBytes, text);
        var decoded = text.ToString();
        return Utf8.FromByteString(_denormalizer is null ? decoded : _denormalizer.Normalize(decoded));
    }

    // Appends a piece's surface; returns whether it consumed a dummy-prefix ▁ that counts as "seen".
    private bool AppendPiece(int id, bool atStart, StringBuilder text)
    {
        switch (_vocab.Types[id])
        {
            case PieceType.Control:
                return false;
            case PieceType.Unknown:
                text.Append(_utf8UnkSurface);
                return false;
        }
        var piece = _vocab.Utf8Pieces[id].AsSpan();
        var spec = _model.NormalizerSpec;
        bool stripped = false;
        if (atStart && (spec.AddDummyPrefix || spec.RemoveExtraWhitespaces) && piece.StartsWith(Normalizer.SpaceSymbol))
        {
            piece = piece[Normalizer.SpaceSymbol.Length..];
            stripped = !spec.RemoveExtraWhitespaces;
        }
        text.Append(piece.ToString().Replace(Normalizer.SpaceSymbol, " ", StringComparison.Ordinal));
        return stripped;
    }

    private static void FlushBytes(StringBuilder pending, StringBuilder text)
    {
        if (pending.Length == 0)
            return;
        var bytes = pending.ToString().AsSpan();
        while (!bytes.IsEmpty)
        {
            if (Utf8.TryDecodeChar(bytes, out int n))
                text.Append(bytes[..n]);
            else
                text.Append(Utf8.ReplacementChar); // one per malformed byte
            bytes = bytes[n..];
        }
        pending.Clear();
    }

    private int ControlId(string piece)
    {
        int id = _vocab.PieceToId(Utf8.ToByteString(piece));
        return _vocab.Types[id] == PieceType.Control ? id : -1;
    }

    private void CheckId(int id)
    {
        if ((uint)id >= (uint)_vocab.Count)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id must be in [0, {_vocab.Count}).");
    }
}
