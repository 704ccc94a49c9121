using System.Text.Json.Nodes;
using System.Xml.Linq;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Plotting;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Tests.Models;
using MemoryPlatform.ModelCore.Tests.TestSupport;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.ModelCore.Tests.Training;

public class E2LlmFineTuneTests
{
    [Theory]
    [InlineData("e2llm", null, 4, false, ScaleInterpolation.Linear)]
    [InlineData("e2llm", null, 4, true, ScaleInterpolation.Linear)]
    [InlineData("e2llm", null, 4, false, ScaleInterpolation.Yarn)]
    [InlineData("fixed-g", 2, 2, false, ScaleInterpolation.Linear)]
    public void A_three_step_fine_tune_records_its_scale_range_and_draws_the_loss(string mode, int? fixedScale, int recordedScale, bool perRow,
                                                                                 ScaleInterpolation interpolation)
    {
        using var dir = new TempDirectory();
        var init = Path.Combine(dir.Path, "base");
        using (var m = TinyModels.Random(seed: 5)) m.Save(init);
        var recipe = new E2LlmRecipe(E2LlmRecipe.ParseMode(mode), BaseWindow: 16, MaxScale: 4, FixedScale: fixedScale,
                                     TrainingLength: fixedScale is null ? 16 : null, DrawPerRow: perRow, Interpolation: interpolation);
        var e2llm = recipe.TrainingOptions();
        var options = TrainingFixtures.Tiny(3) with { SequenceLength = e2llm.TrainingLength, E2Llm = e2llm };
        var run = Path.Combine(dir.Path, "run");

        using (var trainer = LmTrainer.Start(TinyModels.Config(), TrainingFixtures.RepeatedText(0.5), options, run, Llama.Load(init, DType.Float32)))
        {
            var steps = trainer.Run();
            Assert.Equal(3, steps.Count);
            Assert.All(steps, s => Assert.True(double.IsFinite(s.Loss)));
            // A per-row step has no single g to report.
            Assert.All(steps, s => Assert.Equal(perRow, s.Scale == 0));
            trainer.SaveModel(Path.Combine(run, "model"));
        }

        foreach (var modelDir in new[] { Path.Combine(run, "model"), LmTrainer.LatestCheckpoint(run)! })
        {
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(modelDir, "config.json")))!;
            Assert.Equal(recordedScale, json["e2llm"]!["max_scale"]!.GetValue<int>());
            Assert.Equal(16, json["e2llm"]!["base_window"]!.GetValue<int>());
            Assert.Equal(E2LlmConfig.Name(interpolation), json["e2llm"]!["interpolation"]!.GetValue<string>());
        }
        using (var reloaded = Llama.Load(Path.Combine(run, "model"), DType.Float32))
            Assert.Equal(new E2LlmConfig(recordedScale, 16, interpolation), reloaded.Config.E2Llm);
        var svg = XDocument.Load(Path.Combine(run, LossPlot.FileName));
        Assert.Equal(3, svg.Descendants(XName.Get("polyline", "http://www.w3.org/2000/svg")).Single()
                          .Attribute("points")!.Value.Split(' ').Length);
    }

    [Fact]
    public void A_yarn_fine_tune_of_a_base_that_already_scales_rope_is_refused_before_anything_is_written()
    {
        using var dir = new TempDirectory();
        var e2llm = new E2LlmRecipe(E2LlmMode.E2Llm, BaseWindow: 16, MaxScale: 4, TrainingLength: 16,
                                    Interpolation: ScaleInterpolation.Yarn).TrainingOptions();
        var options = TrainingFixtures.Tiny(3) with { SequenceLength = 16, E2Llm = e2llm };
        var scaled = TinyModels.Config() with { RopeScaling = new RopeScaling(RopeType.Linear, 2.0) };
        var run = Path.Combine(dir.Path, "run");

        var error = Assert.Throws<ArgumentException>(() => LmTrainer.Start(scaled, TrainingFixtures.RepeatedText(0.5), options, run));
        Assert.Contains("needs plain RoPE", error.Message);
        Assert.False(Directory.Exists(run));
    }
}
