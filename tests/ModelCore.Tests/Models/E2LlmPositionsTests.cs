using MemoryPlatform.ModelCore.Models;

namespace MemoryPlatform.ModelCore.Tests.Models;

public class E2LlmPositionsTests
{
    private const int L = 64;
    private const int R = 64;
    private const int GMax = 5;

    [Fact]
    public void Every_scaled_position_stays_below_the_base_window()
    {
        var random = new Random(7);
        foreach (var (r, l) in new[] { (R, L), (48, 64), (1, 64), (4, 64), (5, 64), (64, 16) })
        {
            for (int draw = 0; draw < 500; draw++)
            {
                var sample = E2LlmPositions.SampleTraining(random, r, l, r <= l ? GMax : 8);
                if (r > sample.Scale * l)
                    continue; // cannot fit at this g; covered by its own test
                double maxScaled = (double)sample.PositionIds.Max() / sample.Scale;
                Assert.True(maxScaled < l, $"R={r} L={l} g={sample.Scale} t={sample.Offset}: max scaled position {maxScaled}");
            }
        }
    }

    [Fact]
    public void First_four_positions_are_sinks_and_the_rest_are_shifted_by_t()
    {
        var random = new Random(11);
        for (int draw = 0; draw < 200; draw++)
        {
            var s = E2LlmPositions.SampleTraining(random, R, L, GMax);
            Assert.Equal(R, s.PositionIds.Length);
            Assert.Equal(new long[] { 0, 1, 2, 3 }, s.PositionIds[..4]);
            for (int m = 4; m < R; m++)
                Assert.Equal(m + s.Offset, s.PositionIds[m]);
        }
    }

    [Fact]
    public void Draws_cover_every_scale_and_both_ends_of_the_offset_range()
    {
        var random = new Random(2024);
        var scales = new HashSet<int>();
        var offsetsByScale = new Dictionary<int, (long Min, long Max)>();
        for (int draw = 0; draw < 20_000; draw++)
        {
            var s = E2LlmPositions.SampleTraining(random, R, L, GMax);
            scales.Add(s.Scale);
            var (min, max) = offsetsByScale.GetValueOrDefault(s.Scale, (long.MaxValue, long.MinValue));
            offsetsByScale[s.Scale] = (Math.Min(min, s.Offset), Math.Max(max, s.Offset));
        }

        Assert.Equal(Enumerable.Range(1, GMax), scales.Order());
        foreach (var (g, (min, max)) in offsetsByScale)
        {
            Assert.Equal(0, min);
            Assert.Equal((long)g * L - R, max); // t_max = g·L − R is reachable
        }
    }

    [Fact]
    public void Scale_draws_are_roughly_uniform()
    {
        var random = new Random(5);
        var counts = new int[GMax + 1];
        const int draws = 50_000;
        for (int i = 0; i < draws; i++)
            counts[E2LlmPositions.SampleTraining(random, R, L, GMax).Scale]++;
        for (int g = 1; g <= GMax; g++)
            Assert.InRange(counts[g], draws / GMax * 0.95, draws / GMax * 1.05);
    }

    [Fact]
    public void Same_seed_gives_the_same_samples()
    {
        var a = new Random(99);
        var b = new Random(99);
        for (int i = 0; i < 50; i++)
        {
            var x = E2LlmPositions.SampleTraining(a, R, L, GMax);
            var y = E2LlmPositions.SampleTraining(b, R, L, GMax);
            Assert.Equal(x.Scale, y.Scale);
            Assert.Equal(x.Offset, y.Offset);
            Assert.Equal(x.PositionIds, y.PositionIds);
        }
    }

    [Fact]
    public void No_offset_ablation_gives_plain_positions()
    {
        var random = new Random(3);
        for (int i = 0; i < 100; i++)
        {
            var s = E2LlmPositions.SampleTraining(random, new E2LlmTrainingOptions(R, L, GMax, UseOffset: false));
            Assert.Equal(0, s.Offset);
            Assert.Equal(Enumerable.Range(0, R).Select(m => (long)m), s.PositionIds);
        }
    }

    [Fact]
    public void Fixed_scale_ablation_never_draws_another_g()
    {
        var random = new Random(4);
        for (int i = 0; i < 100; i++)
        {
            var s = E2LlmPositions.SampleTraining(random, new E2LlmTrainingOptions(TrainingLength: 128, BaseWindow: L, FixedScale: 2));
            Assert.Equal(2, s.Scale);
            Assert.Equal(0, s.Offset); // R = g·L leaves no room for t
            Assert.True(s.PositionIds.Max() / 2.0 < L);
        }
    }

    [Fact]
    public void Training_length_beyond_g_times_L_gets_no_offset()
    {
        var s = E2LlmPositions.SampleTraining(new Random(1), new E2LlmTrainingOptions(TrainingLength: 100, BaseWindow: L, FixedScale: 1));
        Assert.Equal(0, s.Offset);
        Assert.Equal(99, s.PositionIds[^1]);
    }

    [Fact]
    public void A_sample_longer_than_L_is_drawn_only_at_the_scales_that_hold_it()
    {
        var options = new E2LlmTrainingOptions(TrainingLength: 2 * L + 1, BaseWindow: L, MaxScale: 5);
        var random = new Random(6);
        var seen = new HashSet<int>();
        for (int i = 0; i < 400; i++)
        {
            var s = E2LlmPositions.SampleTraining(random, options);
            seen.Add(s.Scale);
            Assert.True(s.PositionIds.Max() / (double)s.Scale < L, $"g = {s.Scale}, t = {s.Offset}");
        }
        Assert.Equal(new[] { 3, 4, 5 }, seen.Order());
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            E2LlmPositions.SampleTraining(random, new E2LlmTrainingOptions(TrainingLength: 2 * L + 1, BaseWindow: L, MaxScale: 2)));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(4096, 1)]
    [InlineData(4097, 2)]
    [InlineData(16384, 4)]
    [InlineData(32768, 8)]
    [InlineData(65536, 16)]
    [InlineData(65537, 17)]
    [InlineData(81920, 20)]
    [InlineData(81921, 20)]   // beyond g_max·L: clamped to the largest trained scale
    [InlineData(1_000_000, 20)]
    public void Inference_scale_is_ceil_of_needed_over_L_clamped_to_trained(int needed, int expected) =>
        Assert.Equal(expected, E2LlmPositions.ChooseScale(needed, 4096, 20));

    [Fact]
    public void Inference_positions_are_contiguous() =>
        Assert.Equal(new long[] { 5, 6, 7 }, E2LlmPositions.Contiguous(5, 3));

    [Fact]
    public void Invalid_options_are_rejected()
    {
        var random = new Random(0);
        Assert.Throws<ArgumentOutOfRangeException>(() => E2LlmPositions.SampleTraining(random, 0, L, GMax));
        Assert.Throws<ArgumentOutOfRangeException>(() => E2LlmPositions.SampleTraining(random, R, 0, GMax));
        Assert.Throws<ArgumentOutOfRangeException>(() => E2LlmPositions.SampleTraining(random, R, L, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => E2LlmPositions.SampleTraining(random, new E2LlmTrainingOptions(R, L, FixedScale: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => E2LlmPositions.ChooseScale(10, 0, 20));
    }
}
