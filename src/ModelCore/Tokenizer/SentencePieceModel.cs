namespace MemoryPlatform.ModelCore.Tokenizer;

/// <summary>SentencePiece's ModelProto.SentencePiece.Type (sentencepiece_model.proto).</summary>
public enum PieceType
{
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6,
}

/// <summary>TrainerSpec.ModelType.</summary>
public enum SentencePieceModelType
{
    Unigram = 1,
    Bpe = 2,
    Word = 3,
    Char = 4,
}

public sealed record SentencePiece(string Piece, float Score, PieceType Type);

/// <summary>
/// The TrainerSpec fields that matter at encode/decode time. The split_* flags shape the
/// training-time pretokenization only: SentencePiece's encoder runs on the whole normalized
/// string, and a vocabulary trained with them simply has no pieces that cross those boundaries.
/// They are kept so callers can inspect how a model was built.
/// </summary>
public sealed record TrainerSpec
{
    public SentencePieceModelType ModelType { get; init; } = SentencePieceModelType.Unigram;
    public int VocabSize { get; init; } = 8000;
    public bool SplitByUnicodeScript { get; init; } = true;
    public bool SplitByNumber { get; init; } = true;
    public bool SplitByWhitespace { get; init; } = true;
    public bool SplitDigits { get; init; }
    public bool TreatWhitespaceAsSuffix { get; init; }
    public bool AllowWhitespaceOnlyPieces { get; init; }
    public bool ByteFallback { get; init; }
    public int UnkId { get; init; }
    public int BosId { get; init; } = 1;
    public int EosId { get; init; } = 2;
    public int PadId { get; init; } = -1;
    public string UnkPiece { get; init; } = "<unk>";
    public string BosPiece { get; init; } = "<s>";
    public string EosPiece { get; init; } = "</s>";
    public string PadPiece { get; init; } = "<pad>";
    /// <summary>What an unknown piece decodes to: " ⁇ " by default.</summary>
    public string UnkSurface { get; init; } = " \u2047 ";
}

/// <summary>NormalizerSpec: the rule set (as a compiled char map) and the whitespace handling.</summary>
public sealed record NormalizerSpec
{
    public string Name { get; init; } = "";
    /// <summary>Darts double-array trie plus replacement strings; empty means identity.</summary>
    public byte[] PrecompiledCharsMap { get; init; } = [];
    public bool AddDummyPrefix { get; init; } = true;
    public bool RemoveExtraWhitespaces { get; init; } = true;
    public bool EscapeWhitespaces { get; init; } = true;
}

/// <summary>The parts of a SentencePiece tokenizer.model (ModelProto) that encoding and decoding use.
/// The denormalizer (spm_train --denormalization_rule_tsv) rewrites decoded text.</summary>
public sealed record SentencePieceModel(
    IReadOnlyList<SentencePiece> Pieces,
    TrainerSpec TrainerSpec,
    NormalizerSpec NormalizerSpec,
    NormalizerSpec? DenormalizerSpec = null);
