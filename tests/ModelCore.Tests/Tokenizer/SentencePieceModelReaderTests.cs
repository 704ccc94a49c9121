using System.Text;
using MemoryPlatform.ModelCore.Tests.Support;
using MemoryPlatform.ModelCore.Tokenizer;

namespace MemoryPlatform.ModelCore.Tests.Tokenizer;

/// <summary>Reading tokenizer.model: bad files fail clearly, odd but valid ones load as SentencePiece loads them.</summary>
public sealed class SentencePieceModelReaderTests(SpmModels models) : IClassFixture<SpmModels>
{
    [Fact]
    public void Truncated_model_throws_InvalidDataException_at_every_cut()
    {
        var bytes = File.ReadAllBytes(models.ModelPath("default"));
        // Cuts spread over the file, plus the edges; every prefix must be refused, none may crash or hang.
        var cuts = Enumerable.Range(1, 200).Select(i => (int)((long)bytes.Length * i / 201))
            .Concat([1, 2, 3, 10, bytes.Length - 1, bytes.Length - 2, bytes.Length - 100]);
        foreach (int cut in cuts)
        {
            var e = Assert.Throws<InvalidDataException>(() => SentencePieceModelReader.Read(bytes[..cut]));
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
    }

    [Fact]
    public void Garbage_and_empty_files_throw_InvalidDataException_naming_the_file()
    {
        var dir = models.Directory;
        var rng = new Random(1);
        var garbage = new byte[4096];
        rng.NextBytes(garbage);
        var files = new Dictionary<string, byte[]>
        {
            ["empty.model"] = [],
            ["random.model"] = garbage,
            ["text.model"] = Encoding.UTF8.GetBytes("this is not a protobuf\n"),
            ["huge-length.model"] = [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
        };
        foreach (var (name, content) in files)
        {
            var path = Path.Combine(dir, name);
            File.WriteAllBytes(path, content);
            var e = Assert.Throws<InvalidDataException>(() => SentencePieceTokenizer.Load(path));
            Assert.Contains(name, e.Message);
        }
    }

    [Fact]
    public void Flipped_bytes_never_escape_as_anything_but_a_clear_exception()
    {
        var original = File.ReadAllBytes(models.ModelPath("default"));
        var rng = new Random(2);
        for (int trial = 0; trial < 300; trial++)
        {
            var bytes = (byte[])original.Clone();
            for (int k = 0; k < 3; k++)
                bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
            try
            {
                // A flip inside a piece string or score can leave a loadable model; it must then encode.
                var tokenizer = new SentencePieceTokenizer(SentencePieceModelReader.Read(bytes));
                tokenizer.Decode(tokenizer.Encode("Hello, world! Доброе утро 😀 \t 123"));
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
            }
        }
    }

    [Fact]
    public void Unigram_model_is_refused_with_NotSupportedException()
    {
        var e = Assert.Throws<NotSupportedException>(() => SentencePieceTokenizer.Load(models.UnigramModelPath()));
        Assert.Contains("Unigram", e.Message);
    }

    [Fact]
    public void Specs_and_normalizer_are_read_as_spm_train_wrote_them()
    {
        var llama = SentencePieceModelReader.Read(models.ModelPath("llama"));
        Assert.Equal(SentencePieceModelType.Bpe, llama.TrainerSpec.ModelType);
        Assert.True(llama.TrainerSpec.ByteFallback);
        Assert.True(llama.TrainerSpec.SplitDigits);
        Assert.True(llama.TrainerSpec.AllowWhitespaceOnlyPieces);
        Assert.Equal("identity", llama.NormalizerSpec.Name);
        Assert.Empty(llama.NormalizerSpec.PrecompiledCharsMap);
        Assert.False(llama.NormalizerSpec.RemoveExtraWhitespaces);
        Assert.True(llama.NormalizerSpec.AddDummyPrefix);

        var nfkc = SentencePieceModelReader.Read(models.ModelPath("nfkc-keep-whitespace"));
        Assert.Equal("nmt_nfkc", nfkc.NormalizerSpec.Name);
        Assert.NotEmpty(nfkc.NormalizerSpec.PrecompiledCharsMap);
        Assert.False(nfkc.TrainerSpec.SplitByUnicodeScript);
        Assert.False(nfkc.TrainerSpec.SplitByNumber);
        Assert.Equal(3, nfkc.TrainerSpec.PadId);
        Assert.Contains(nfkc.Pieces, p => p.Piece == "[MASK]" && p.Type == PieceType.UserDefined);
        Assert.Equal(256, nfkc.Pieces.Count(p => p.Type == PieceType.Byte));
    }

    /// <summary>
    /// split_digits / split_by_number / split_by_unicode_script shape training only: SentencePiece's
    /// encoder merges any pair whose concatenation is in the vocabulary. Pieces that cross those
    /// boundaries, appended to a model trained with the splits on, are used by spm_encode and by us alike.
    /// </summary>
    [Theory]
    [InlineData("llama")]
    [InlineData("default")]
    public void Split_options_act_through_the_vocabulary_only_as_in_spm_encode(string variant)
    {
        using var extra = new MemoryStream();
        foreach (var (piece, score) in new[] { ("12", 10f), ("a1", 10f), ("аb", 10f), ("▁▁▁", 10f) })
            WritePiece(extra, piece, score);
        // Protobuf concatenation appends to the repeated `pieces` field.
        var path = Path.Combine(models.Directory, $"{variant}-extra-pieces.model");
        File.WriteAllBytes(path, [.. File.ReadAllBytes(models.ModelPath(variant)), .. extra.ToArray()]);

        var tokenizer = SentencePieceTokenizer.Load(path);
        var text = "12 a1 аb x   y 2024 1a b12";
        var textFile = Path.Combine(models.Directory, $"{variant}-extra-pieces.txt");
        File.WriteAllText(textFile, text + "\n");
        var expected = ExternalTool.Run(SpmModels.SpmTool("spm_encode"), [$"--model={path}", "--output_format=id", textFile])
            .TrimEnd('\n').Split(' ').Select(int.Parse).ToArray();
        var ours = tokenizer.Encode(text);
        Assert.Equal(expected, ours);
        Assert.Contains(tokenizer.PieceToId("12"), ours);
    }

    private static void WritePiece(Stream s, string piece, float score)
    {
        var utf8 = Encoding.UTF8.GetBytes(piece);
        var inner = new List<byte> { 0x0A, (byte)utf8.Length };
        inner.AddRange(utf8);
        inner.Add(0x15); // field 2, fixed32
        inner.AddRange(BitConverter.GetBytes(score));
        s.WriteByte(0x0A); // ModelProto.pieces, length-delimited
        s.WriteByte((byte)inner.Count);
        s.Write(inner.ToArray());
    }
}
