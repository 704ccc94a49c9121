using System.Text.Json.Nodes;
using MemoryPlatform.ModelCore.Data;

namespace MemoryPlatform.ModelCore.Tests.Data;

/// <summary>Builds from the real fortunes-min package (installed if missing) and checks outputs.</summary>
public class CorpusBuildTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"memplat-corpus-test-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private CorpusManifest Build(string name) => CorpusBuilder.Build(new CorpusBuildOptions
    {
        OutDir = Path.Combine(_dir, name),
        Sources = ["fortunes-min"],
    }, TextWriter.Null);

    [Fact]
    public void TwoBuilds_AreByteIdentical()
    {
        Build("a");
        Build("b");
        foreach (var file in new[] { "train.txt", "validation.txt", "test.txt", CorpusManifest.FileName })
            Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "a", file)), File.ReadAllBytes(Path.Combine(_dir, "b", file)));
        Assert.Equal(Directory.GetFiles(Path.Combine(_dir, "a", "test-long")).Select(Path.GetFileName),
            Directory.GetFiles(Path.Combine(_dir, "b", "test-long")).Select(Path.GetFileName));
    }

    [Fact]
    public void Manifest_ChecksumsAndCountsMatchFiles()
    {
        var m = Build("m");
        var dir = Path.Combine(_dir, "m");
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, CorpusManifest.FileName)))!;
        Assert.Equal("fortunes-min", (string?)json["sources"]![0]!["packages"]![0]!["package"]);
        Assert.False(string.IsNullOrEmpty((string?)json["sources"]![0]!["packages"]![0]!["version"]));
        var total = 0;
        foreach (var (name, split) in m.Splits)
        {
            var path = Path.Combine(dir, split.File);
            Assert.Equal(split.Sha256, CorpusWriter.Sha256File(path));
            Assert.Equal((string?)json["splits"]![name]!["sha256"], split.Sha256);
            Assert.Equal(split.Bytes, new FileInfo(path).Length);
            Assert.Equal(split.Documents, CorpusWriter.Decode(File.ReadAllText(path)).Count);
            total += split.Documents;
        }
        Assert.Equal(m.Sources.Single().DocumentsKept, total);
        // fortunes-min's files are long: all of them (fewer than the minimum of 10) are long test documents.
        Assert.NotEmpty(m.TestLong.Documents);
        foreach (var d in m.TestLong.Documents)
        {
            Assert.Equal(d.Sha256, CorpusWriter.Sha256File(Path.Combine(dir, d.File)));
            Assert.True(d.Chars >= m.Settings.LongDocChars);
        }
        var testDocs = CorpusWriter.Decode(File.ReadAllText(Path.Combine(dir, "test.txt")));
        Assert.All(m.TestLong.Documents, d => Assert.Contains(File.ReadAllText(Path.Combine(dir, d.File)).TrimEnd('\n'), testDocs));
    }
}
