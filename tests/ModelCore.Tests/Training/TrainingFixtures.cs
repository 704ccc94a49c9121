using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.ModelCore.Tests.Training;

/// <summary>A character-level "tokenizer" and small corpora, so training tests need no SentencePiece model.</summary>
internal static class TrainingFixtures
{
    // Ids 0..2 are unk/bos/eos as in TinyModels.Config; printable ASCII maps to 3..97.
    public static int[] Encode(string text) => text.Select(c => c is >= ' ' and <= '~' ? c - ' ' + 3 : 3).ToArray();

    public static string Decode(IEnumerable<int> ids) => new(ids.Select(i => i is >= 3 and < 98 ? (char)(i - 3 + ' ') : '#').ToArray());

    public static TokenDataset RepeatedText(double retrievalFraction = 0) =>
        new(Encode(string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 40))), Encode)
        { RetrievalFraction = retrievalFraction };

    /// <summary>Uniform random ids: nothing to learn except by copying from context.</summary>
    public static TokenDataset RandomTokens(int count, int seed, double retrievalFraction)
    {
        var random = new Random(seed);
        return new TokenDataset(Enumerable.Range(0, count).Select(_ => random.Next(3, 101)).ToArray()) { RetrievalFraction = retrievalFraction };
    }

    public static LmTrainerOptions Tiny(int steps) => new()
    {
        Steps = steps, BatchSize = 2, SequenceLength = 16, LearningRate = 3e-3, WarmupSteps = 2,
        LogEvery = 1, EvalEvery = 0, SaveEvery = 0, Seed = 7,
    };

    public static string TempDir()
    {
        var dir = Path.Combine(Path.GetTempPath(), "memplat-train-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}
