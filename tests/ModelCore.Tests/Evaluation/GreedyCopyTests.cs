using MemoryPlatform.ModelCore.Evaluation;
using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Tests.Models;

namespace MemoryPlatform.ModelCore.Tests.Evaluation;

public class GreedyCopyTests
{
    [Theory]
    [InlineData(GreedyCopyLayout.Continue)]
    [InlineData(GreedyCopyLayout.Repeat)]
    public async Task Each_layout_scores_the_greedy_continuation_of_its_prompt_against_the_sequence(GreedyCopyLayout layout)
    {
        using var model = TinyModels.Random(seed: 4);
        int[] s = [7, 40, 13, 99, 21, 7, 40, 55, 60, 12];
        const int marker = 3;

        var r = await GreedyCopy.MeasureAsync(model, [s], layout, marker);

        int[] prompt = layout == GreedyCopyLayout.Repeat ? [.. s, marker] : [1, .. s, s[0]];
        int[] reference = layout == GreedyCopyLayout.Repeat ? s : s[1..];
        var generated = (await new Generator(model).GenerateAllAsync(
            [prompt], new GenerationOptions { MaxTokens = reference.Length }))[0];
        Assert.Equal(Bleu.Sentence(reference, generated), r.Bleu.Median, 12);
        Assert.Equal(PrefixMatch.Fraction(reference, generated), r.ExactPrefix.Median, 12);
        Assert.Equal(1, r.Bleu.Count);
    }

    [Fact]
    public async Task The_repeat_layout_needs_a_marker()
    {
        using var model = TinyModels.Random();
        var e = await Assert.ThrowsAsync<ArgumentException>(() => GreedyCopy.MeasureAsync(model, [[5, 6, 7]], GreedyCopyLayout.Repeat));
        Assert.Contains("marker", e.Message);
    }
}
