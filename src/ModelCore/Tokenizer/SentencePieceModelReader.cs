using Google.Protobuf;

namespace MemoryPlatform.ModelCore.Tokenizer;

/// <summary>
/// Reads a SentencePiece tokenizer.model (a serialized ModelProto) with the protobuf wire
/// reader; no generated code. Field numbers follow sentencepiece_model.proto. Anything that
/// is not a well-formed model (truncated, corrupt, wrong wire types, missing specs, the
/// checks SentencePiece's ModelInterface makes) becomes an <see cref="InvalidDataException"/>.
/// </summary>
public static class SentencePieceModelReader
{
    public static SentencePieceModel Read(string path)
    {
        try
        {
            return Read(File.ReadAllBytes(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid SentencePiece model: {e.Message}", e);
        }
    }

    public static SentencePieceModel Read(byte[] bytes)
    {
        if (bytes.Length == 0)
            throw new InvalidDataException("the file is empty");
        SentencePieceModel model;
        try
        {
            model = ParseModel(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"malformed protobuf ({e.Message}); the file may be truncated or corrupt", e);
        }
        Validate(model);
        return model;
    }

    private static SentencePieceModel ParseModel(byte[] bytes)
    {
        var pieces = new List<SentencePiece>();
        TrainerSpec? trainer = null;
        NormalizerSpec? normalizer = null, denormalizer = null;
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: pieces.Add(ParsePiece(LengthDelimited(input, tag, "pieces"))); break;
                case 2: trainer = ParseTrainerSpec(LengthDelimited(input, tag, "trainer_spec")); break;
                case 3: normalizer = ParseNormalizerSpec(LengthDelimited(input, tag, "normalizer_spec")); break;
                case 5: denormalizer = ParseNormalizerSpec(LengthDelimited(input, tag, "denormalizer_spec")); break;
                default: input.SkipLastField(); break; // self_test_data, future fields
            }
        }
        // spm_train always writes both specs; a file without them was cut short.
        if (trainer is null)
            throw new InvalidDataException("trainer_spec is missing (truncated file?)");
        if (normalizer is null)
            throw new InvalidDataException("normalizer_spec is missing (truncated file?)");
        return new SentencePieceModel(pieces, trainer, normalizer, denormalizer);
    }

    private static SentencePiece ParsePiece(CodedInputStream input)
    {
        string piece = "";
        float score = 0;
        var type = PieceType.Normal;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: Expect(tag, WireFormat.WireType.LengthDelimited, "piece"); piece = input.ReadString(); break;
                case 2: Expect(tag, WireFormat.WireType.Fixed32, "score"); score = input.ReadFloat(); break;
                case 3:
                    Expect(tag, WireFormat.WireType.Varint, "type");
                    int t = input.ReadEnum();
                    if (t < 1 || t > 6)
                        throw new InvalidDataException($"piece type {t} is unknown");
                    type = (PieceType)t;
                    break;
                default: input.SkipLastField(); break;
            }
        }
        return new SentencePiece(piece, score, type);
    }

    private static TrainerSpec ParseTrainerSpec(CodedInputStream input)
    {
        var spec = new TrainerSpec();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            spec = WireFormat.GetTagFieldNumber(tag) switch
            {
                3 => spec with { ModelType = (SentencePieceModelType)Int(input, tag, "model_type") },
                4 => spec with { VocabSize = Int(input, tag, "vocab_size") },
                21 => spec with { SplitByUnicodeScript = Bool(input, tag, "split_by_unicode_script") },
                22 => spec with { SplitByWhitespace = Bool(input, tag, "split_by_whitespace") },
                23 => spec with { SplitByNumber = Bool(input, tag, "split_by_number") },
                24 => spec with { TreatWhitespaceAsSuffix = Bool(input, tag, "treat_whitespace_as_suffix") },
                25 => spec with { SplitDigits = Bool(input, tag, "split_digits") },
                26 => spec with { AllowWhitespaceOnlyPieces = Bool(input, tag, "allow_whitespace_only_pieces") },
                35 => spec with { ByteFallback = Bool(input, tag, "byte_fallback") },
                40 => spec with { UnkId = Int(input, tag, "unk_id") },
                41 => spec with { BosId = Int(input, tag, "bos_id") },
                42 => spec with { EosId = Int(input, tag, "eos_id") },
                43 => spec with { PadId = Int(input, tag, "pad_id") },
                44 => spec with { UnkSurface = Str(input, tag, "unk_surface") },
                45 => spec with { UnkPiece = Str(input, tag, "unk_piece") },
                46 => spec with { BosPiece = Str(input, tag, "bos_piece") },
                47 => spec with { EosPiece = Str(input, tag, "eos_piece") },
                48 => spec with { PadPiece = Str(input, tag, "pad_piece") },
                _ => Skip(input, spec),
            };
        }
        return spec;
    }

    private static NormalizerSpec ParseNormalizerSpec(CodedInputStream input)
    {
        var spec = new NormalizerSpec();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: spec = spec with { Name = Str(input, tag, "name") }; break;
                case 2:
                    Expect(tag, WireFormat.WireType.LengthDelimited, "precompiled_charsmap");
                    spec = spec with { PrecompiledCharsMap = input.ReadBytes().ToByteArray() };
                    break;
                case 3: spec = spec with { AddDummyPrefix = Bool(input, tag, "add_dummy_prefix") }; break;
                case 4: spec = spec with { RemoveExtraWhitespaces = Bool(input, tag, "remove_extra_whitespaces") }; break;
                case 5: spec = spec with { EscapeWhitespaces = Bool(input, tag, "escape_whitespaces") }; break;
                default: input.SkipLastField(); break; // normalization_rule_tsv is a training input only
            }
        }
        return spec;
    }

    /// <summary>
    /// The checks of SentencePiece's ModelInterface::InitializePieces, so that a model it
    /// would refuse is refused here too: non-empty unique pieces, exactly one unknown piece,
    /// all 256 byte pieces when byte_fallback is on and none when it is off.
    /// </summary>
    public static void Validate(SentencePieceModel model)
    {
        if (model.Pieces.Count == 0)
            throw new InvalidDataException("the model has no pieces");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var bytesFound = new bool[256];
        int unk = -1;
        for (int i = 0; i < model.Pieces.Count; i++)
        {
            var p = model.Pieces[i];
            if (p.Piece.Length == 0)
                throw new InvalidDataException($"piece {i} is empty");
            if (!seen.Add(p.Piece))
                throw new InvalidDataException($"piece '{p.Piece}' is defined twice");
            if (p.Type == PieceType.Unknown)
            {
                if (unk >= 0)
                    throw new InvalidDataException("more than one unknown piece");
                unk = i;
            }
            if (p.Type == PieceType.Byte)
            {
                if (!model.TrainerSpec.ByteFallback)
                    throw new InvalidDataException($"byte piece '{p.Piece}' found although byte_fallback is false");
                int b = ByteFallback.PieceToByte(p.Piece);
                if (b < 0)
                    throw new InvalidDataException($"byte piece '{p.Piece}' is not of the form <0xNN>");
                bytesFound[b] = true;
            }
        }
        if (unk < 0)
            throw new InvalidDataException("no unknown piece is defined");
        if (model.TrainerSpec.ByteFallback && Array.IndexOf(bytesFound, false) >= 0)
            throw new InvalidDataException("byte_fallback is on but some of the 256 byte pieces are missing");
    }

    private static CodedInputStream LengthDelimited(CodedInputStream input, uint tag, string field)
    {
        Expect(tag, WireFormat.WireType.LengthDelimited, field);
        return new CodedInputStream(input.ReadBytes().ToByteArray());
    }

    private static int Int(CodedInputStream input, uint tag, string field)
    {
        Expect(tag, WireFormat.WireType.Varint, field);
        return input.ReadInt32();
    }

    private static bool Bool(CodedInputStream input, uint tag, string field)
    {
        Expect(tag, WireFormat.WireType.Varint, field);
        return input.ReadBool();
    }

    private static string Str(CodedInputStream input, uint tag, string field)
    {
        Expect(tag, WireFormat.WireType.LengthDelimited, field);
        return input.ReadString();
    }

    private static T Skip<T>(CodedInputStream input, T value)
    {
        input.SkipLastField();
        return value;
    }

    private static void Expect(uint tag, WireFormat.WireType expected, string field)
    {
        var actual = WireFormat.GetTagWireType(tag);
        if (actual != expected)
            throw new InvalidDataException($"field '{field}' has wire type {actual}, expected {expected}");
    }
}
