using MemoryPlatform.ModelCore.Evaluation;

namespace MemoryPlatform.ModelCore.Tests.Evaluation;

public class SummaryTests
{
    [Fact]
    public void Median_of_an_odd_count_is_the_middle_value_and_of_an_even_count_the_mean_of_the_middle_two()
    {
        Assert.Equal(new Summary(2, 11 / 3.0, 3), Summary.Of([9, 0, 2]));
        var even = Summary.Of([4, 1, 3, 10]);
        Assert.Equal(3.5, even.Median);
        Assert.Equal(4.5, even.Mean);
        Assert.Throws<ArgumentException>(() => Summary.Of([]));
        Assert.Throws<ArgumentException>(() => Summary.Of([1, double.NaN]));
    }
}
