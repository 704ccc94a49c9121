using MemoryPlatform.ModelCore.Icae;

namespace MemoryPlatform.ModelCore.Tests.Icae;

public class XxHash64Tests
{
    // Expected values from Debian's xxhash 0.8.1: `printf abc | xxhsum -H1 -` and so on.
    [Theory]
    [InlineData("", 0xEF46DB3751D8E999)]
    [InlineData("a", 0xD24EC4F1A98C6E5B)]
    [InlineData("abc", 0x44BC2CF5AD770999)]
    public void Matches_the_reference_on_short_inputs(string text, ulong expected) =>
        Assert.Equal(expected, XxHash64.Hash(System.Text.Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void Matches_the_reference_on_inputs_longer_than_a_stripe()
    {
        Assert.Equal(0x17BB1103C92C502Ful, XxHash64.Hash(new byte[100]));
        Assert.Equal(0x5F235FA033F1A3FBul, XxHash64.Hash(Pattern(1000)));   // byte i = (7 i + 3) mod 256
    }

    [Fact]
    public void Two_parts_hash_as_their_concatenation_wherever_they_are_split()
    {
        var data = Pattern(1000);
        foreach (var length in new[] { 0, 5, 31, 32, 33, 64, 100, 1000 })
            for (var split = 0; split <= length; split += Math.Max(1, length / 13))
                Assert.Equal(XxHash64.Hash(data.AsSpan(0, length)), XxHash64.Hash(data.AsSpan(0, split), data.AsSpan(split, length - split)));
    }

    private static byte[] Pattern(int n) => [.. Enumerable.Range(0, n).Select(i => (byte)((i * 7 + 3) % 256))];
}
