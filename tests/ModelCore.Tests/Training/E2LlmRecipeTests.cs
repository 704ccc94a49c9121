using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.ModelCore.Tests.Training;

public class E2LlmRecipeTests
{
    [Fact]
    public void E2llm_mode_draws_scales_up_to_the_maximum_with_offsets_and_sinks()
    {
        var o = new E2LlmRecipe(E2LlmRecipe.ParseMode("e2llm"), BaseWindow: 512, MaxScale: 16).TrainingOptions();
        Assert.Equal(new E2LlmTrainingOptions(512, 512, 16, 4, UseOffset: true, FixedScale: null), o);
        Assert.Equal(new E2LlmConfig(16, 512), E2LlmRecipe.TrainedFor(o));
    }

    [Fact]
    public void Per_row_draws_are_carried_to_the_trainer_options()
    {
        var o = new E2LlmRecipe(E2LlmRecipe.ParseMode("e2llm"), 512, 16, DrawPerRow: true).TrainingOptions();
        Assert.Equal(new E2LlmTrainingOptions(512, 512, 16, 4, UseOffset: true, FixedScale: null, DrawPerRow: true), o);
        Assert.False(new E2LlmRecipe(E2LlmRecipe.ParseMode("e2llm"), 512, 16).TrainingOptions().DrawPerRow);
    }

    [Fact]
    public void Yarn_interpolation_is_carried_to_the_options_and_the_saved_config()
    {
        var o = new E2LlmRecipe(E2LlmRecipe.ParseMode("e2llm"), 512, 16, Interpolation: ScaleInterpolation.Yarn).TrainingOptions();
        Assert.Equal(ScaleInterpolation.Yarn, o.Interpolation);
        Assert.Equal(new E2LlmConfig(16, 512, ScaleInterpolation.Yarn), E2LlmRecipe.TrainedFor(o));
    }

    [Fact]
    public void Per_row_draws_with_yarn_interpolation_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            new E2LlmRecipe(E2LlmRecipe.ParseMode("e2llm"), 512, 16, DrawPerRow: true, Interpolation: ScaleInterpolation.Yarn).TrainingOptions());
        Assert.Contains("--draw step", error.Message);
    }

    [Fact]
    public void No_offset_mode_keeps_scale_augmentation_only()
    {
        var o = new E2LlmRecipe(E2LlmRecipe.ParseMode("no-offset"), 512, 8, TrainingLength: 256).TrainingOptions();
        Assert.Equal(new E2LlmTrainingOptions(256, 512, 8, 4, UseOffset: false, FixedScale: null), o);
    }

    [Fact]
    public void No_scale_mode_fixes_g_and_keeps_offsets()
    {
        var o = new E2LlmRecipe(E2LlmRecipe.ParseMode("no-scale"), 512, MaxScale: 16, FixedScale: 4).TrainingOptions();
        Assert.Equal(new E2LlmTrainingOptions(512, 512, 4, 4, UseOffset: true, FixedScale: 4), o);
        Assert.Equal(new E2LlmConfig(4, 512), E2LlmRecipe.TrainedFor(o));
        // Offsets reach the whole g·L range.
        var maxOffset = Enumerable.Range(0, 200).Select(i => E2LlmPositions.SampleTraining(new Random(i), o).Offset).Max();
        Assert.InRange(maxOffset, 1000, 4 * 512 - 512);
    }

    [Fact]
    public void Fixed_g_mode_is_position_interpolation_at_g_times_the_window()
    {
        var o = new E2LlmRecipe(E2LlmRecipe.ParseMode("fixed-g"), 512, FixedScale: 4).TrainingOptions();
        Assert.Equal(new E2LlmTrainingOptions(2048, 512, 4, 4, UseOffset: false, FixedScale: 4), o);
        var sample = E2LlmPositions.SampleTraining(new Random(1), o);
        Assert.Equal(E2LlmPositions.Contiguous(0, 2048), sample.PositionIds);
        Assert.Equal(4, sample.Scale);
    }

    [Theory]
    [InlineData("fixed-g", null, null)]        // needs --fixed-scale
    [InlineData("no-scale", null, null)]
    [InlineData("e2llm", 4, null)]             // --fixed-scale makes no sense with scale augmentation
    [InlineData("fixed-g", 4, 512)]            // R must be g·L
    [InlineData("banana", null, null)]
    [InlineData("e2llm", null, 16 * 512 + 1)]  // R > g_max·L: no g holds the sample
    public void Inconsistent_requests_are_refused(string mode, int? fixedScale, int? seq) =>
        Assert.Throws<ArgumentException>(() =>
            new E2LlmRecipe(E2LlmRecipe.ParseMode(mode), 512, 16, fixedScale, seq).TrainingOptions());
}
