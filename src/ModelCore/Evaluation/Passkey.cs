using System.Text.RegularExpressions;
using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>One passkey trial: the key, where it sat (fraction of the filler before it), and what the model said.</summary>
public sealed record PasskeyTrial(int Key, double Depth, string Output, bool Correct);

/// <summary>Accuracy over <see cref="Trials"/> prompts of <see cref="Length"/> tokens at RoPE scale <see cref="Scale"/>.</summary>
public sealed record PasskeyResult(int Length, double Accuracy, int Trials, int Scale, IReadOnlyList<PasskeyTrial> Details);

/// <summary>
/// Passkey retrieval (Mohtashami &amp; Jaggi 2023, Landmark Attention; Chen et al. 2023, position interpolation):
/// an instruction, filler sentences, "The pass key is K. Remember it. K is the pass key." at a random depth, more
/// filler, then "What is the pass key? The pass key is". K is a random 5-digit number; a trial passes when the first
/// integer in the greedily decoded continuation equals K. A trial of length N is a prompt of N − maxTokens tokens plus
/// up to maxTokens decoded ones, so the whole sequence fits the N positions that g is chosen for;
/// the key line starts on a filler-sentence boundary so the text around it stays well-formed.
/// </summary>
public static partial class Passkey
{
    public const string Instruction =
        "There is an important info hidden inside a lot of irrelevant text. Find it and memorize it. I will quiz you about the important information there.";
    public const string Question = "What is the pass key? The pass key is";
    public const int DefaultMaxTokens = 10;

    public static string KeyLine(int key) => $"The pass key is {key}. Remember it. {key} is the pass key.";

    /// <summary>
    /// [BOS] instruction, filler, key line, filler, question: <paramref name="length"/> tokens. The filler before the key
    /// is the whole number of filler units nearest <paramref name="depth"/> × all filler; the filler after it fills up
    /// to the length (its last unit may be cut). Returns the ids and the realised depth.
    /// </summary>
    public static (int[] Ids, double Depth) Prompt(Func<string, int[]> encode, int? bos, int length, int key, double depth)
    {
        if (depth is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(depth), depth, "depth must lie in [0, 1]");
        var head = (bos is int b ? new[] { b } : []).Concat(encode(Instruction)).ToArray();
        var line = encode(KeyLine(key));
        var question = encode(Question);
        var unit = encode(TokenDataset.PasskeyFiller);
        var filler = length - head.Length - line.Length - question.Length;
        if (filler < 0)
            throw new ArgumentException($"length {length} is shorter than the prompt without filler ({length - filler} tokens)");
        var before = Math.Min(filler / unit.Length, (int)Math.Round(depth * filler / unit.Length)) * unit.Length;
        var ids = head.Concat(Repeat(unit, before)).Concat(line).Concat(Repeat(unit, filler - before)).Concat(question).ToArray();
        return (ids, filler == 0 ? 0 : (double)before / filler);
    }

    /// <summary>The scoring rule: the first integer in the output equals the key.</summary>
    public static bool IsCorrect(string output, int key) =>
        FirstInteger().Match(output) is { Success: true } m && m.Value == key.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// <paramref name="trials"/> prompts of <paramref name="length"/> tokens; keys and depths come from
    /// Random(<paramref name="seed"/>), so every length sees the same keys and depths in the same order.
    /// Computes in the model's dtype (load bf16 weights for bf16): the Generator resumes on thread-pool threads
    /// between tokens, and libtorch's autocast flag is thread-local, so an autocast region here would cover the
    /// prefill only and leave decoding with float32 queries against bf16 cached keys.
    /// </summary>
    public static PasskeyResult Evaluate(Llama model, Func<string, int[]> encode, Func<IEnumerable<int>, string> decode, int length, int trials,
                                         int seed, ScaleChoice scale, int maxTokens = DefaultMaxTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 1);
        var g = scale.Resolve(length, model.Config);
        var random = new Random(seed);
        var generator = new Generator(model);
        var options = new GenerationOptions { MaxTokens = maxTokens, RopeScale = g };
        var details = new List<PasskeyTrial>();
        for (var t = 0; t < trials; t++)
        {
            var key = random.Next(10000, 100000);
            var (ids, depth) = Prompt(encode, model.Config.BosTokenId, length - maxTokens, key, random.NextDouble());
            var output = decode(generator.GenerateAllAsync([ids], options).GetAwaiter().GetResult()[0]);
            details.Add(new PasskeyTrial(key, depth, output, IsCorrect(output, key)));
        }
        return new PasskeyResult(length, details.Count(d => d.Correct) / (double)trials, trials, g, details);
    }

    private static IEnumerable<int> Repeat(int[] unit, int count) => Enumerable.Range(0, count).Select(i => unit[i % unit.Length]);

    [GeneratedRegex(@"\d+")]
    private static partial Regex FirstInteger();
}
