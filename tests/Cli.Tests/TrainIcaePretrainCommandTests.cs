using System.Globalization;
using System.Text.Json;
using MemoryPlatform.Grains.Tests.Support;
using MemoryPlatform.ModelCore.Data;

namespace MemoryPlatform.Cli.Tests;

/// <summary>`memplat train icae-pretrain --align-pooled`: spans longer than k get an alignment target too, end to end.</summary>
public sealed class TrainIcaePretrainCommandTests : IDisposable
{
    private readonly TinyIcaeModel model = new();
    private readonly string root = Directory.CreateTempSubdirectory("memplat-pt-").FullName;

    public TrainIcaePretrainCommandTests()
    {
        Directory.CreateDirectory(Path.Combine(root, "corpus"));
        File.WriteAllLines(Path.Combine(root, "corpus", "train.txt"), Enumerable.Range(0, 200).Select(TinyIcaeModel.Sentence));
    }

    private ProcessRunner.Result Run(string run, params string[] args) =>
        ProcessRunner.Run(Path.Combine(AppContext.BaseDirectory, "memplat"),
            ["train", "icae-pretrain", "--model", model.ModelDir, "--adapter", model.AdapterDir, "--corpus", Path.Combine(root, "corpus"),
             "--out", run, "--batch", "2", "--lambda", "1", "--max-spans", "1", "--multi-span", "0", "--log-every", "1", .. args],
            timeout: TimeSpan.FromMinutes(3));

    /// <summary>The align_loss cells of a run's train_log.csv.</summary>
    private static string[] AlignLosses(string run)
    {
        var lines = File.ReadAllLines(Path.Combine(run, "train_log.csv"));
        var column = Array.IndexOf(lines[0].Split(','), "align_loss");
        return lines.Skip(1).Select(l => column < 0 ? "" : l.Split(',')[column]).ToArray();
    }

    [Fact]
    public void Full_spans_get_an_alignment_loss_only_when_pooled_and_the_option_is_saved_for_a_resume()
    {
        // The tiny adapter reads 16-token spans into 4 slots. The same seed draws the same single spans of up to 16
        // tokens for both runs: without pooling only those of at most 4 tokens are aligned, with it every one is.
        var plain = Path.Combine(root, "plain");
        var result = Run(plain, "--align", "1", "--steps", "6");
        Assert.True(result.ExitCode == 0, result.StdErr);

        var pooled = Path.Combine(root, "pooled");
        result = Run(pooled, "--align", "1", "--align-pooled", "--steps", "6");
        Assert.True(result.ExitCode == 0, result.StdErr);
        var (plainLosses, pooledLosses) = (AlignLosses(plain), AlignLosses(pooled));
        Assert.All(pooledLosses, cell => Assert.InRange(double.Parse(cell, CultureInfo.InvariantCulture), 0, 2));
        Assert.NotEqual(plainLosses, pooledLosses);
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(pooled, "checkpoints", "step-00000006", "trainer_state.json")));
        Assert.True(state.RootElement.GetProperty("options").GetProperty("AlignPooled").GetBoolean());
    }

    [Fact]
    public void Pooled_alignment_without_an_alignment_weight_is_refused_before_anything_is_written()
    {
        var run = Path.Combine(root, "refused");
        var result = Run(run, "--align-pooled", "--steps", "1");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("--align", result.StdErr);
        Assert.False(Directory.Exists(run));
    }

    public void Dispose()
    {
        model.Dispose();
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }
}
