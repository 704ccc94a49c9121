using MemoryPlatform.ModelCore.Data;

namespace MemoryPlatform.ModelCore.Tests.Data;

public class SplitTests
{
    private static readonly SplitSettings Settings = new();

    [Fact]
    public void StableHash_IsFixedAcrossRuns()
    {
        // SHA-256("kjv\n01-Genesis"), first 8 bytes: pinned so that a change of scheme is noticed.
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("kjv\n01-Genesis"u8.ToArray()))[..16];
        Assert.Equal(expected, CorpusSplitter.StableHash("kjv", "01-Genesis").ToString("x16"));
    }

    [Fact]
    public void ShortDocuments_SplitDeterministicallyAbout90_5_5()
    {
        var docs = Enumerable.Range(0, 20_000).Select(i => new CorpusDocument("src", $"doc{i}", "short")).ToList();
        var a = CorpusSplitter.Assign(docs, Settings);
        var b = CorpusSplitter.Assign(docs.AsEnumerable().Reverse().ToList(), Settings).Reverse().ToArray();
        Assert.Equal(a, b); // a document's split does not depend on its neighbours or order
        var train = a.Count(x => x.Split == CorpusSplit.Train) / 20_000.0;
        var val = a.Count(x => x.Split == CorpusSplit.Validation) / 20_000.0;
        Assert.InRange(train, 0.88, 0.92);
        Assert.InRange(val, 0.04, 0.06);
        Assert.DoesNotContain(a, x => x.LongTest);
    }

    [Fact]
    public void LongDocuments_KeptWholeShareInTestWithMinimum()
    {
        Assert.Equal(32_768, Settings.LongDocChars);
        var longText = new string('x', Settings.LongDocChars);
        var few = Enumerable.Range(0, 8).Select(i => new CorpusDocument("src", $"long{i}", longText)).ToList();
        Assert.All(CorpusSplitter.Assign(few, Settings), x => Assert.Equal((CorpusSplit.Test, true), x));

        var many = Enumerable.Range(0, 100).Select(i => new CorpusDocument("src", $"long{i}", longText))
            .Append(new CorpusDocument("src", "almost", longText[1..])).ToList();
        var assigned = CorpusSplitter.Assign(many, Settings);
        Assert.Equal(25, assigned.Count(x => x.LongTest));
        Assert.All(assigned.Take(100), x => Assert.True(x.Split == CorpusSplit.Test ? x.LongTest : x.Split == CorpusSplit.Train));
        Assert.False(assigned[100].LongTest); // one char short of the threshold: an ordinary document
        Assert.Equal(10, CorpusSplitter.LongTestCount(20, Settings));
    }

    [Fact]
    public void Writer_EncodesAndDecodesDocuments()
    {
        var bytes = CorpusWriter.Encode(["one\ntwo", "three"]);
        Assert.Equal("one\ntwo\n<|doc|>\nthree\n", System.Text.Encoding.UTF8.GetString(bytes));
        Assert.Equal(["one\ntwo", "three"], CorpusWriter.Decode(System.Text.Encoding.UTF8.GetString(bytes)));
    }
}
