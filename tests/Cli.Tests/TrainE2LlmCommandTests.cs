using MemoryPlatform.ModelCore.Data;

namespace MemoryPlatform.Cli.Tests;

public sealed class TrainE2LlmCommandTests
{
    [Theory]
    [InlineData("--draw", "sideways", "row")]
    [InlineData("--interpolation", "cubic", "yarn")]
    public void An_unknown_choice_is_refused_with_the_choices_before_anything_is_written(string option, string value, string aChoice)
    {
        var run = Path.Combine(Path.GetTempPath(), "memplat-e2llm-" + Guid.NewGuid().ToString("N"));
        var result = ProcessRunner.Run(Path.Combine(AppContext.BaseDirectory, "memplat"),
            ["train", "e2llm", "--model", "models/none", "--corpus", "none", "--tokenizer", "none", "--out", run, option, value],
            timeout: TimeSpan.FromMinutes(1));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(value, result.StdErr);
        Assert.Contains(aChoice, result.StdErr);
        Assert.False(Directory.Exists(run));
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    public void A_copy_fraction_outside_zero_to_one_is_refused_before_anything_is_written(string value)
    {
        var run = Path.Combine(Path.GetTempPath(), "memplat-e2llm-" + Guid.NewGuid().ToString("N"));
        var result = ProcessRunner.Run(Path.Combine(AppContext.BaseDirectory, "memplat"),
            ["train", "e2llm", "--model", "models/none", "--corpus", "none", "--tokenizer", "none", "--out", run, "--copy-fraction", value],
            timeout: TimeSpan.FromMinutes(1));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("copy fraction", result.StdErr);
        Assert.False(Directory.Exists(run));
    }
}
