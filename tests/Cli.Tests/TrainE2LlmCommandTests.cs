using MemoryPlatform.ModelCore.Data;

namespace MemoryPlatform.Cli.Tests;

public sealed class TrainE2LlmCommandTests
{
    [Fact]
    public void An_unknown_draw_is_refused_with_the_choices_before_anything_is_written()
    {
        var run = Path.Combine(Path.GetTempPath(), "memplat-e2llm-" + Guid.NewGuid().ToString("N"));
        var result = ProcessRunner.Run(Path.Combine(AppContext.BaseDirectory, "memplat"),
            ["train", "e2llm", "--model", "models/none", "--corpus", "none", "--tokenizer", "none", "--out", run, "--draw", "sideways"],
            timeout: TimeSpan.FromMinutes(1));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("sideways", result.StdErr);
        Assert.Contains("row", result.StdErr);
        Assert.False(Directory.Exists(run));
    }
}
