using System.Text;
using MemoryPlatform.ModelCore.Tests.Support;
using MemoryPlatform.ModelCore.Tokenizer;
using Xunit.Abstractions;

namespace MemoryPlatform.ModelCore.Tests.Tokenizer;

/// <summary>
/// Our tokenizer against SentencePiece itself (Debian's spm_encode / spm_decode / python3
/// binding) on models spm_train builds at test time: ids must agree on every line.
/// </summary>
public sealed class SentencePieceTokenizerTests(SpmModels models, ITestOutputHelper output) : IClassFixture<SpmModels>
{
    public static IEnumerable<object[]> Variants => SpmModels.VariantNames;

    [Theory]
    [MemberData(nameof(Variants))]
    public void Encode_matches_spm_encode_on_every_line(string variant)
    {
        var model = models.ModelPath(variant);
        var tokenizer = SentencePieceTokenizer.Load(model);
        foreach (var file in new[] { SpmModels.Fixture("check.txt"), SpmModels.Fixture("corpus.txt"), models.LongLinesPath })
        {
            var lines = ReadLines(file);
            var expected = SpmEncode(model, file);
            AssertSameIds(lines, expected, line => tokenizer.Encode(line), file);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Encode_with_bos_and_eos_matches_spm_extra_options(string variant)
    {
        var model = models.ModelPath(variant);
        var tokenizer = SentencePieceTokenizer.Load(model);
        var file = SpmModels.Fixture("check.txt");
        var expected = SpmEncode(model, file, "--extra_options=bos:eos");
        AssertSameIds(ReadLines(file), expected, line => tokenizer.Encode(line, addBos: true, addEos: true), file);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Decode_matches_spm_decode_and_round_trips_where_spm_does(string variant)
    {
        var model = models.ModelPath(variant);
        var tokenizer = SentencePieceTokenizer.Load(model);
        var file = SpmModels.Fixture("check.txt");
        var lines = ReadLines(file);
        var ids = SpmEncode(model, file);
        var spmDecoded = SpmDecode(model, ids);
        int roundTrips = 0;
        for (int i = 0; i < lines.Length; i++)
        {
            Assert.True(spmDecoded[i] == tokenizer.Decode(ids[i]),
                $"line {i + 1} ({Show(lines[i])}): ours {Show(tokenizer.Decode(ids[i]))}, spm_decode {Show(spmDecoded[i])}");
            if (spmDecoded[i] == lines[i])
            {
                Assert.Equal(lines[i], tokenizer.Decode(tokenizer.Encode(lines[i])));
                roundTrips++;
            }
        }
        output.WriteLine($"{variant}: {roundTrips} of {lines.Length} lines round-trip exactly (as in SentencePiece)");
        Assert.True(roundTrips > 0);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Decode_of_byte_control_and_unknown_pieces_matches_spm_decode(string variant)
    {
        var model = models.ModelPath(variant);
        var t = SentencePieceTokenizer.Load(model);
        int Byte(int b) => t.PieceToId($"<0x{b:X2}>");
        int the = t.PieceToId("▁the") is var id && id != t.UnkId ? id : t.PieceToId("the");
        int space = t.PieceToId("▁");
        var cases = new List<int[]>
        {
            new[] { t.BosId, the, the, t.EosId },
            new[] { t.UnkId, the, t.UnkId, t.UnkId },
            new[] { space, the, space, space, the },
            new[] { t.PieceToId("<sep>"), the, t.PieceToId("[MASK]") },
        };
        if (t.Model.TrainerSpec.ByteFallback)
        {
            cases.AddRange(
            [
                [Byte(0xE2), Byte(0x82)],                          // truncated sequence
                [Byte(0xFF), the, Byte(0x41)],                     // invalid lead byte
                [Byte(0xF0), Byte(0x9F), Byte(0x98), Byte(0x80), the], // a valid emoji
                [Byte(0xC0), Byte(0xAF), Byte(0xED), Byte(0xA0), Byte(0x80)], // overlong, surrogate
                [Byte(0x20), the, Byte(0xE2), Byte(0x96), Byte(0x81)],   // a raw space byte, a raw ▁
                [t.BosId, Byte(0x41), the],
            ]);
        }
        cases = cases.Select(c => c.Where(i => i >= 0).ToArray()).Where(c => c.Length > 0).ToList();
        var expected = SpmDecode(model, cases);
        for (int i = 0; i < cases.Count; i++)
            Assert.True(expected[i] == t.Decode(cases[i]),
                $"ids [{string.Join(' ', cases[i])}]: ours {Show(t.Decode(cases[i]))}, spm_decode {Show(expected[i])}");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Vocabulary_and_special_ids_match_the_python_binding(string variant)
    {
        var model = models.ModelPath(variant);
        var t = SentencePieceTokenizer.Load(model);
        var script = "import sys, sentencepiece as s\n" +
                     "m = s.SentencePieceProcessor(model_file=sys.argv[1])\n" +
                     "print(m.get_piece_size(), m.unk_id(), m.bos_id(), m.eos_id(), m.pad_id())\n" +
                     "for i in range(m.get_piece_size()): print(m.id_to_piece(i))\n";
        var lines = ExternalTool.Run(Python(), ["-c", script, model]).Split('\n');
        var head = lines[0].Split(' ').Select(int.Parse).ToArray();
        Assert.Equal(head, new[] { t.VocabSize, t.UnkId, t.BosId, t.EosId, t.PadId });
        for (int i = 0; i < t.VocabSize; i++)
        {
            Assert.Equal(lines[i + 1], t.IdToPiece(i));
            Assert.Equal(i, t.PieceToId(lines[i + 1]));
        }
        Assert.Equal(t.UnkId, t.PieceToId("no such piece"));
    }

    [Fact]
    public void One_tokenizer_encodes_from_many_threads_at_once()
    {
        var t = SentencePieceTokenizer.Load(models.ModelPath("default"));
        var lines = ReadLines(SpmModels.Fixture("corpus.txt"));
        var sequential = lines.Select(l => t.Encode(l)).ToArray();
        var parallel = new int[lines.Length][];
        Parallel.For(0, lines.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => parallel[i] = t.Encode(lines[i]));
        for (int i = 0; i < lines.Length; i++)
            Assert.Equal(sequential[i], parallel[i]);
    }

    [Theory]
    [InlineData("default")]
    [InlineData("llama")]
    public void Encoding_a_megabyte_matches_spm_on_the_whole_text(string variant)
    {
        var model = models.ModelPath(variant);
        var t = SentencePieceTokenizer.Load(model);
        // One string with newlines, plus a long run without spaces: encoded whole, not line by line.
        var corpus = File.ReadAllText(SpmModels.Fixture("corpus.txt"));
        var sb = new StringBuilder();
        while (sb.Length < 1_000_000)
            sb.Append(corpus);
        sb.Append(File.ReadAllText(models.LongLinesPath).Replace("\n", "", StringComparison.Ordinal));
        var text = sb.ToString();
        // Speed is `memplat bench tokenizer`'s to measure (docs/benchmarks.md), beside SentencePiece; here only the ids.
        var ids = t.Encode(text);

        var textFile = Path.Combine(models.Directory, $"big-{variant}.txt");
        File.WriteAllText(textFile, text, new UTF8Encoding(false));
        var script = "import sys, sentencepiece as s\n" +
                     "m = s.SentencePieceProcessor(model_file=sys.argv[1])\n" +
                     "print(' '.join(map(str, m.encode(open(sys.argv[2], encoding='utf-8').read()))))\n";
        var expected = ParseIds(ExternalTool.Run(Python(), ["-c", script, model, textFile]).TrimEnd('\n'));
        Assert.True(expected.SequenceEqual(ids), FirstDifference(expected, ids));
    }

    // ---- spm tools ----

    private int[][] SpmEncode(string model, string file, params string[] extra)
    {
        var stdout = ExternalTool.Run(SpmModels.SpmTool("spm_encode"), [$"--model={model}", "--output_format=id", .. extra, file]);
        return SplitLines(stdout).Select(ParseIds).ToArray();
    }

    private string[] SpmDecode(string model, IReadOnlyList<int[]> ids)
    {
        var idsFile = Path.Combine(models.Directory, $"ids-{Guid.NewGuid():N}.txt");
        File.WriteAllText(idsFile, string.Concat(ids.Select(l => string.Join(' ', l) + "\n")));
        var decoded = SplitLines(ExternalTool.Run(SpmModels.SpmTool("spm_decode"), [$"--model={model}", "--input_format=id", idsFile]));
        Assert.Equal(ids.Count, decoded.Length);
        return decoded;
    }

    private static string Python()
    {
        // Debian's interpreter has the python3-sentencepiece binding; a venv's python3 may not.
        return File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : ExternalTool.Find("python3", "python3-sentencepiece");
    }

    private static string[] ReadLines(string file) =>
        File.ReadAllText(file, Encoding.UTF8).TrimEnd('\n').Split('\n');

    private static string[] SplitLines(string stdout) =>
        stdout.Length == 0 ? [] : stdout[..^1].Split('\n'); // one line per input line, each ending in \n

    private static int[] ParseIds(string line) =>
        line.Length == 0 ? [] : line.Split(' ').Select(int.Parse).ToArray();

    private static void AssertSameIds(string[] lines, int[][] expected, Func<string, int[]> encode, string file)
    {
        Assert.Equal(lines.Length, expected.Length);
        var mismatches = new List<string>();
        for (int i = 0; i < lines.Length; i++)
        {
            var ours = encode(lines[i]);
            if (!ours.SequenceEqual(expected[i]))
                mismatches.Add($"line {i + 1} {Show(lines[i])}: {FirstDifference(expected[i], ours)}");
        }
        Assert.True(mismatches.Count == 0,
            $"{mismatches.Count} of {lines.Length} lines of {Path.GetFileName(file)} differ from spm_encode:\n" +
            string.Join('\n', mismatches.Take(5)));
    }

    private static string FirstDifference(int[] expected, int[] actual)
    {
        int i = 0;
        while (i < expected.Length && i < actual.Length && expected[i] == actual[i])
            i++;
        if (i == expected.Length && i == actual.Length)
            return "equal";
        string Around(int[] a) => string.Join(' ', a.Skip(Math.Max(0, i - 3)).Take(8));
        return $"first difference at {i} of {expected.Length}/{actual.Length}: spm [..{Around(expected)}..], ours [..{Around(actual)}..]";
    }

    private static string Show(string s) =>
        "\"" + (s.Length > 80 ? s[..80] + "…" : s).Replace("\t", "\\t", StringComparison.Ordinal) + "\"";
}
