using MemoryPlatform.ModelCore.Evaluation;

namespace MemoryPlatform.ModelCore.Tests.Evaluation;

public class PairedBootstrapTests
{
    [Fact]
    public void Identical_conditions_give_a_zero_interval()
    {
        double[] scores = [0.1, 0.5, 0.3, 0.9, 0.2, 0.4];
        Assert.Equal((0.0, 0.0), PairedBootstrap.MedianDifference(scores, scores));
    }

    [Fact]
    public void A_constant_shift_is_the_interval_whatever_the_resample()
    {
        var a = Enumerable.Range(0, 50).Select(i => i / 50.0).ToArray();
        var (low, high) = PairedBootstrap.MedianDifference(a, a.Select(x => x - 0.25).ToArray());
        Assert.Equal(0.25, low, 12);
        Assert.Equal(0.25, high, 12);
    }

    [Fact]
    public void The_interval_holds_the_observed_difference_and_narrows_with_more_pairs()
    {
        // b is a with noise on every pair: the median difference is near 0, less certain with few pairs.
        static (double[] A, double[] B) Pairs(int n)
        {
            var rng = new Random(7);
            var a = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
            return (a, a.Select(x => x + 0.1 * (rng.NextDouble() - 0.5)).ToArray());
        }
        var (a40, b40) = Pairs(40);
        var (a400, b400) = Pairs(400);
        var few = PairedBootstrap.MedianDifference(a40, b40);
        var many = PairedBootstrap.MedianDifference(a400, b400);
        var observed = Summary.Of(a40).Median - Summary.Of(b40).Median;
        Assert.InRange(observed, few.Low, few.High);
        Assert.True(many.High - many.Low < (few.High - few.Low) / 2, $"{many} against {few}");
        Assert.Equal(few, PairedBootstrap.MedianDifference(a40, b40));   // seeded
    }

    [Fact]
    public void Unpaired_or_empty_samples_are_refused()
    {
        Assert.Throws<ArgumentException>(() => PairedBootstrap.MedianDifference([1.0], [1.0, 2.0]));
        Assert.Throws<ArgumentException>(() => PairedBootstrap.MedianDifference([], []));
        Assert.Throws<ArgumentOutOfRangeException>(() => PairedBootstrap.MedianDifference([1.0], [1.0], confidence: 1));
    }

    [Fact]
    public void An_adapter_comparison_is_other_minus_baseline_with_the_passages_that_moved()
    {
        double[] baseline = [0.1, 0.2, 0.3, 0.4, 0.5], other = [0.1, 0.3, 0.4, 0.5, 0.4];
        var c = BleuComparison.Of(128, "fp16", baseline, other);
        Assert.Equal((0.3, 0.4), (c.BaselineMedian, c.OtherMedian));
        Assert.Equal(0.1, c.MedianDifference, 12);
        Assert.Equal((3, 1), (c.Better, c.Worse));
        Assert.Equal(PairedBootstrap.MedianDifference(other, baseline), (c.Low, c.High));
        Assert.Contains("same passages", Assert.Throws<ArgumentException>(() => BleuComparison.Of(128, "fp16", baseline, other[..4])).Message);
    }
}
