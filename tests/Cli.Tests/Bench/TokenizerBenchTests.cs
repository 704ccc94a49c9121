using MemoryPlatform.Cli.Bench;

namespace MemoryPlatform.Cli.Tests.Bench;

/// <summary>`memplat bench tokenizer` on the shipped tokenizer: it runs SentencePiece beside ours and finds the same ids.</summary>
public sealed class TokenizerBenchTests
{
    [Fact]
    public void The_benchmark_compares_with_sentencepiece_on_the_same_text_and_finds_the_same_ids()
    {
        var model = Path.Combine(RepoPaths.Root, "models", "memplat-tiny", "tokenizer.model");
        var r = TokenizerBench.Run(model, Path.Combine(RepoPaths.Root, "samples", "lighthouse.txt"), megabytes: 0.05, repeats: 1);
        Assert.True(r["targets"]!["same_ids_as_sentencepiece"]!.GetValue<bool>());
        Assert.InRange(r["megabytes"]!.GetValue<double>(), 0.049, 0.051);
        foreach (var key in new[] { "memplat_mb_per_s", "sentencepiece_mb_per_s", "no_spaces_mb_per_s", "eight_times_mb_per_s", "ratio_to_sentencepiece" })
            Assert.True(r[key]!.GetValue<double>() > 0, key);
    }

    [Fact]
    public void The_checksum_is_the_rolling_sum_the_reference_script_computes()
    {
        Assert.Equal(((0 * 31 + 5) * 31 + 7) * 31 + 1, TokenizerBench.Checksum([5, 7, 1]));
        // Past 2⁶¹ − 1 the sum wraps as Python's % does; the value is Python's, from the reference script's loop.
        Assert.Equal(904_242_556_023_815_321, TokenizerBench.Checksum(Enumerable.Repeat(1 << 30, 13)));
    }
}
