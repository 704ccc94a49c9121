using MemoryPlatform.Cli.Bench;

namespace MemoryPlatform.Cli.Tests.Bench;

public sealed class BenchTargetTests
{
    [Theory]
    [InlineData(3.5, 3.5, true)]
    [InlineData(3.5, 3.49, false)]
    [InlineData(0.8, 1.3, true)]
    [InlineData(1.0, double.NaN, false)]
    [InlineData(1.0, double.PositiveInfinity, true)]
    public void A_target_is_a_minimum_ratio(double minimum, double ratio, bool met) =>
        Assert.Equal(met, new BenchTarget(minimum).IsMetBy(ratio));

    [Fact]
    public void Stats_report_median_and_spread()
    {
        Assert.Equal(new BenchStats.Sample(2, 1, 9), BenchStats.Of([9, 1, 2]));
        Assert.Equal(new BenchStats.Sample(2.5, 1, 9), BenchStats.Of([9, 1, 2, 3]));
    }
}
