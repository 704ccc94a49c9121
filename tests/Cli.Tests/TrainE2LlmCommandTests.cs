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
    [InlineData("--copy-fraction", "1.5", "copy fraction")]
    [InlineData("--copy-fraction", "-0.1", "copy fraction")]
    [InlineData("--repeat-fraction", "1.5", "repeat fraction")]
    [InlineData("--digit-run-fraction", "1.5", "digit-run fraction")]
    public void A_sample_fraction_outside_zero_to_one_is_refused_before_anything_is_written(string option, string value, string named)
    {
        var run = Path.Combine(Path.GetTempPath(), "memplat-e2llm-" + Guid.NewGuid().ToString("N"));
        var result = ProcessRunner.Run(Path.Combine(AppContext.BaseDirectory, "memplat"),
            ["train", "e2llm", "--model", "models/none", "--corpus", "none", "--tokenizer", "none", "--out", run, option, value],
            timeout: TimeSpan.FromMinutes(1));
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(named, result.StdErr);
        Assert.False(Directory.Exists(run));
    }
}
