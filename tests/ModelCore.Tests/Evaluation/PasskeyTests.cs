using MemoryPlatform.ModelCore.Evaluation;
using MemoryPlatform.ModelCore.Tests.Models;
using MemoryPlatform.ModelCore.Tests.Training;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.ModelCore.Tests.Evaluation;

public class PasskeyTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(1.0)]
    public void Prompt_has_the_exact_length_and_the_key_at_the_stated_depth(double depth)
    {
        var (ids, realised) = Passkey.Prompt(TrainingFixtures.Encode, bos: 1, length: 1500, key: 48213, depth);
        var text = TrainingFixtures.Decode(ids.Skip(1));

        Assert.Equal(1500, ids.Length);
        Assert.Equal(1, ids[0]);
        Assert.StartsWith(Passkey.Instruction, text);
        Assert.EndsWith(Passkey.Question, text);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "The pass key is 48213\\. Remember it\\. 48213 is the pass key\\."));
        // Depth: the share of filler characters before the key line (char-level "tokens" here).
        var fillerStart = Passkey.Instruction.Length;
        var keyAt = text.IndexOf(Passkey.KeyLine(48213), StringComparison.Ordinal);
        var filler = text.Length - Passkey.Instruction.Length - Passkey.KeyLine(48213).Length - Passkey.Question.Length;
        Assert.Equal(realised, (keyAt - fillerStart) / (double)filler, 6);
        Assert.InRange(realised, depth - 0.1, depth + 0.1);
        // The key line starts on a filler-sentence boundary.
        Assert.True(keyAt == fillerStart || text[..keyAt].EndsWith(TokenDataset.PasskeyFiller, StringComparison.Ordinal));
    }

    [Fact]
    public void A_length_too_short_for_the_prompt_is_refused() =>
        Assert.Throws<ArgumentException>(() => Passkey.Prompt(TrainingFixtures.Encode, 1, 50, 12345, 0.5));

    [Theory]
    [InlineData(" 48213. Remember it", true)]
    [InlineData("48213", true)]
    [InlineData(" 4821", false)]
    [InlineData(" 482134", false)]
    [InlineData(" the 7 and 48213", false)]   // the first integer counts
    [InlineData(" no digits", false)]
    public void Scoring_takes_the_first_integer(string output, bool correct) => Assert.Equal(correct, Passkey.IsCorrect(output, 48213));

    [Fact]
    public void A_model_that_knows_nothing_does_not_pass()
    {
        using var model = TinyModels.Random(seed: 21);
        var r = Passkey.Evaluate(model, TrainingFixtures.Encode, TrainingFixtures.Decode, length: 400, trials: 3, seed: 5, ScaleChoice.Automatic);

        Assert.Equal(3, r.Trials);
        Assert.Equal(2, r.Scale);   // ceil(400 / 256): prompt and answer share the 400 positions
        Assert.Equal(0.0, r.Accuracy);
        Assert.All(r.Details, d => Assert.InRange(d.Key, 10000, 99999));
        Assert.All(r.Details, d => Assert.False(string.IsNullOrEmpty(d.Output)));
        // Same seed, same keys and depths: lengths are compared on equal prompts.
        var again = Passkey.Evaluate(model, TrainingFixtures.Encode, TrainingFixtures.Decode, length: 300, trials: 3, seed: 5, ScaleChoice.None);
        Assert.Equal(r.Details.Select(d => d.Key), again.Details.Select(d => d.Key));
    }
}
