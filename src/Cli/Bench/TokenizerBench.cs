using System.Text;
using System.Text.Json.Nodes;
using MemoryPlatform.ModelCore.Tokenizer;

namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// `memplat bench tokenizer`: our SentencePiece encoder's MB/s on a text repeated to <c>megabytes</c>, beside
/// SentencePiece's own encoder (python3-sentencepiece) on the same file, with the ids checked equal. Two ratios guard
/// the shape of the cost: 8× the text should take 8× the time (linear, not quadratic in the input), and the same text
/// with its spaces removed, one long "word" where every piece boundary is open, should not be far slower.
/// </summary>
public static class TokenizerBench
{
    public static JsonObject Run(string modelPath, string textPath, double megabytes, int repeats, CancellationToken ct = default)
    {
        var tokenizer = SentencePieceTokenizer.Load(modelPath);
        var text = Repeat(File.ReadAllText(textPath), (int)(megabytes * 1_000_000));
        var noSpaces = Repeat(string.Concat(text.Where(c => !char.IsWhiteSpace(c))), text.Length);
        var eight = Repeat(text, 8 * text.Length);

        var ids = tokenizer.Encode(text);
        double Seconds(string s, int times) => BenchStats.Time(() => tokenizer.Encode(s), warmup: 1, times, ct).Median;
        var (normal, joined, large) = (Seconds(text, repeats), Seconds(noSpaces, repeats), Seconds(eight, Math.Max(1, repeats / 4)));

        var file = Path.Combine(Path.GetTempPath(), $"memplat-bench-tokenizer-{Environment.ProcessId}.txt");
        File.WriteAllText(file, text, new UTF8Encoding(false));
        JsonObject reference;
        try
        {
            using var r = PythonReference.RunScript(RepoPaths.Bench("tokenizer_reference.py"), [modelPath, file, repeats.ToString()],
                                                    TimeSpan.FromMinutes(10), ct, module: "sentencepiece");
            var root = r.RootElement;
            reference = new JsonObject
            {
                ["seconds"] = root.GetProperty("seconds").GetDouble(), ["ids"] = root.GetProperty("ids").GetInt32(),
                ["same_ids"] = root.GetProperty("ids").GetInt32() == ids.Length && root.GetProperty("checksum").GetInt64() == Checksum(ids),
            };
        }
        finally { File.Delete(file); }

        var mb = Encoding.UTF8.GetByteCount(text) / 1e6;
        var linearity = large / 8 / normal;
        return new JsonObject
        {
            ["megabytes"] = mb, ["ids"] = ids.Length, ["repeats"] = repeats, ["cpu"] = BenchStats.CpuModel(),
            ["memplat_mb_per_s"] = mb / normal, ["sentencepiece_mb_per_s"] = mb / reference["seconds"]!.GetValue<double>(),
            ["ratio_to_sentencepiece"] = reference["seconds"]!.GetValue<double>() / normal,
            ["no_spaces_mb_per_s"] = Encoding.UTF8.GetByteCount(noSpaces) / 1e6 / joined,
            ["eight_times_mb_per_s"] = 8 * mb / large,
            ["time_per_mb_8x_over_1x"] = linearity,
            ["reference"] = reference,
            ["targets"] = new JsonObject { ["same_ids_as_sentencepiece"] = reference["same_ids"]!.GetValue<bool>(), ["linear_within_1_5x"] = linearity <= 1.5 },
        };
    }

    /// <summary>A rolling sum of the ids mod 2⁶¹ − 1 (the reference script computes the same).</summary>
    public static long Checksum(IEnumerable<int> ids)
    {
        const long mod = (1L << 61) - 1;
        long sum = 0;
        foreach (var id in ids) sum = (long)(((Int128)sum * 31 + id) % mod);
        return sum;
    }

    private static string Repeat(string s, int chars)
    {
        if (s.Length == 0) throw new ArgumentException("the benchmark text is empty");
        var sb = new StringBuilder(chars + s.Length);
        while (sb.Length < chars) sb.Append(s);
        return sb.ToString(0, chars);
    }

    public static void PrintTable(JsonObject r)
    {
        double V(string key) => r[key]!.GetValue<double>();
        Console.WriteLine($"tokenizer benchmark: {V("megabytes"):F2} MB, {r["ids"]} ids, median of {r["repeats"]}, {r["cpu"]}");
        Console.WriteLine($"{"encoder",-34} {"MB/s",8} {"ratio",7}");
        Console.WriteLine($"{"sentencepiece (python)",-34} {V("sentencepiece_mb_per_s"),8:F2} {1.0,7:F2}");
        Console.WriteLine($"{"memplat",-34} {V("memplat_mb_per_s"),8:F2} {V("ratio_to_sentencepiece"),7:F2}");
        Console.WriteLine($"{"memplat, spaces removed",-34} {V("no_spaces_mb_per_s"),8:F2} {V("no_spaces_mb_per_s") / V("sentencepiece_mb_per_s"),7:F2}");
        Console.WriteLine($"{"memplat, 8x the text",-34} {V("eight_times_mb_per_s"),8:F2} {V("eight_times_mb_per_s") / V("sentencepiece_mb_per_s"),7:F2}");
        Console.WriteLine($"time per MB at 8x / at 1x: {V("time_per_mb_8x_over_1x"):F2}");
        Console.WriteLine($"targets: same ids as sentencepiece: {r["targets"]!["same_ids_as_sentencepiece"]}; linear within 1.5x: {r["targets"]!["linear_within_1_5x"]}");
    }
}
