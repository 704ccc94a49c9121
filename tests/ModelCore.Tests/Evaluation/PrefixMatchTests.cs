using MemoryPlatform.ModelCore.Evaluation;

namespace MemoryPlatform.ModelCore.Tests.Evaluation;

public class PrefixMatchTests
{
    [Fact]
    public void The_prefix_ends_at_the_first_wrong_token()
    {
        Assert.Equal(1.0, PrefixMatch.Fraction([1, 2, 3, 4], [1, 2, 3, 4]));
        Assert.Equal(0.5, PrefixMatch.Fraction([1, 2, 3, 4], [1, 2, 9, 4]));       // later matches do not count
        Assert.Equal(0.0, PrefixMatch.Fraction([1, 2, 3, 4], [9, 2, 3, 4]));
        Assert.Equal(0.75, PrefixMatch.Fraction([1, 2, 3, 4], [1, 2, 3]));         // stopped early
        Assert.Equal(1.0, PrefixMatch.Fraction([1, 2, 3, 4], [1, 2, 3, 4, 5]));    // ran on: the reference is all there
        Assert.Equal(0.0, PrefixMatch.Fraction([1, 2], []));
        Assert.Throws<ArgumentException>(() => PrefixMatch.Fraction([], [1]));
    }
}
