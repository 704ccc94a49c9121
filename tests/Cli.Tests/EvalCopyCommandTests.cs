using System.Text.Json;
using MemoryPlatform.Grains.Tests.Support;
using MemoryPlatform.ModelCore.Data;

namespace MemoryPlatform.Cli.Tests;

public sealed class EvalCopyCommandTests : IDisposable
{
    private readonly TinyIcaeModel model = new();
    private readonly string text = Path.Combine(Path.GetTempPath(), "memplat-copy-" + Guid.NewGuid().ToString("N") + ".txt");

    public EvalCopyCommandTests() =>
        File.WriteAllText(text, string.Join("\n<|doc|>\n", Enumerable.Range(0, 3).Select(d => string.Join(' ', Enumerable.Range(d * 40, 40).Select(TinyIcaeModel.Sentence)))));

    private ProcessRunner.Result Run(params string[] args) =>
        ProcessRunner.Run(Path.Combine(AppContext.BaseDirectory, "memplat"), ["eval", "copy", "--model", model.ModelDir, .. args], timeout: TimeSpan.FromMinutes(2));

    [Theory]
    [InlineData("continue")]
    [InlineData("repeat")]
    public void Text_windows_are_probed_and_written_out_greedily(string layout)
    {
        var result = Run("--text", text, "--length", "16", "--sequences", "3", "--greedy", layout, "--json");

        Assert.True(result.ExitCode == 0, result.StdErr);
        var json = JsonDocument.Parse(result.StdOut).RootElement;
        Assert.True(json.GetProperty("first").GetDouble() > 0);
        Assert.InRange(json.GetProperty("second_accuracy").GetDouble(), 0, 1);
        Assert.InRange(json.GetProperty("greedy_bleu").GetProperty("median").GetDouble(), 0, 1);
        Assert.InRange(json.GetProperty("greedy_prefix").GetProperty("mean").GetDouble(), 0, 1);
    }

    [Fact]
    public void Text_and_digits_together_or_a_missing_file_are_refused_with_the_reason()
    {
        var both = Run("--text", text, "--digits");
        Assert.NotEqual(0, both.ExitCode);
        Assert.Contains("--text and --digits", both.StdErr);

        var missing = Run("--text", text + ".absent");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("does not exist", missing.StdErr);
    }

    public void Dispose()
    {
        File.Delete(text);
        model.Dispose();
    }
}
