using MemoryPlatform.ModelCore.Generation;

namespace MemoryPlatform.ModelCore.Tests.Generation;

public sealed class SamplerTests
{
    /// <summary>Logits over 5 tokens that prefer (last + 1) mod 3, then token 3, then 4: greedy loops 0 1 2 0 1 2 ...</summary>
    private static float[] Looping(int last)
    {
        var logits = new float[5];
        logits[(last + 1) % 3] = 10;
        logits[3] = 5;
        logits[4] = 4;
        return logits;
    }

    private static int[] Run(GenerationOptions options, int steps)
    {
        var sampler = new Sampler(options, seed: 0, stops: []);
        var output = new List<int>();
        var last = 2;
        for (var i = 0; i < steps; i++) output.Add(last = sampler.Next(Looping(last)));
        return [.. output];
    }

    [Fact]
    public void Greedy_follows_the_loop_and_no_repeat_ngram_breaks_it_at_the_first_repeated_n_gram()
    {
        Assert.Equal([0, 1, 2, 0, 1, 2, 0], Run(new GenerationOptions { Temperature = 0 }, 7));
        // n = 3: "0 1 2" once; at "0 1" again the loop's 2 would repeat it, so the next best, 3, comes instead.
        Assert.Equal([0, 1, 2, 0, 1, 3], Run(new GenerationOptions { Temperature = 0, NoRepeatNgram = 3 }, 6));
        // n = 1: no token twice while another is left; once all five are used, the logits are left as they are (4 → 2).
        Assert.Equal([0, 1, 2, 3, 4, 2], Run(new GenerationOptions { Temperature = 0, NoRepeatNgram = 1 }, 6));
    }

    [Fact]
    public void Sampling_never_draws_a_banned_token()
    {
        var options = new GenerationOptions { Temperature = 1, NoRepeatNgram = 2 };
        for (var seed = 0; seed < 20; seed++)
        {
            var sampler = new Sampler(options, seed, stops: []);
            var output = new List<int>();
            var last = 2;
            // 8 tokens: no token can follow one token all five ways, so a free choice is always left.
            for (var i = 0; i < 8; i++) output.Add(last = sampler.Next(Looping(last)));
            var bigrams = output.Zip(output.Skip(1)).ToList();
            Assert.True(bigrams.Count == bigrams.Distinct().Count(), string.Join(' ', output));
        }
    }

    [Fact]
    public void Min_tokens_bans_the_stop_tokens_until_that_many_are_picked()
    {
        // Stop token 0 is the argmax at every step; with MinTokens 2 the first two picks are the next best, 3.
        float[] Stop() => [10, 1, 2, 5, 4];
        var sampler = new Sampler(new GenerationOptions { Temperature = 0, MinTokens = 2 }, seed: 0, stops: [0]);
        Assert.Equal([3, 3, 0, 0], Enumerable.Range(0, 4).Select(_ => sampler.Next(Stop())).ToArray());
        // Sampling too: at temperature 1 the stop token holds nearly all the mass, yet is never drawn first.
        for (var seed = 0; seed < 20; seed++)
            Assert.NotEqual(0, new Sampler(new GenerationOptions { Temperature = 1, MinTokens = 1 }, seed, stops: [0]).Next(Stop()));
    }

    [Fact]
    public void A_negative_n_gram_size_or_min_tokens_past_max_tokens_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GenerationOptions { NoRepeatNgram = -1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new GenerationOptions { MaxTokens = 4, MinTokens = 5 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new GenerationOptions { MinTokens = -1 }.Validate());
    }
}
