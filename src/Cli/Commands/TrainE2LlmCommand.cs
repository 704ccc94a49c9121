using System.CommandLine;
using MemoryPlatform.ModelCore.Models;
using MemoryPlatform.ModelCore.Tensors;
using MemoryPlatform.ModelCore.Training;

namespace MemoryPlatform.Cli.Commands;

/// <summary>
/// `memplat train e2llm`: fine-tunes a base model with E²-LLM's scale and offset augmentation, or one of its
/// ablations (shared/reference/e2llm.md). The saved config.json records the scale range trained
/// (<c>"e2llm": {"max_scale", "base_window"}</c>) so inference can bound g.
/// </summary>
public static class TrainE2LlmCommand
{
    /// <summary>Fine-tuning defaults: a lower rate and a short warmup, as the weights start trained.</summary>
    private static readonly LmTrainerOptions Defaults = new()
    {
        Steps = 500, LearningRate = 3e-4, WarmupSteps = 20, EvalEvery = 100, SaveEvery = 100,
    };

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Base model directory (HF layout); required unless --resume" };
        var seq = new Option<int?>("--seq") { Description = $"Training length R (default {E2LlmRecipe.DefaultTrainingLength}; fixed-g: g·L)" };
        var baseWindow = new Option<int?>("--base-window") { Description = "Base window L (default: the model's max_position_embeddings)" };
        var maxScale = new Option<int>("--max-scale") { Description = "g_max: g is drawn from {1..g_max} each step (or row, with --draw row)", DefaultValueFactory = _ => 16 };
        var mode = new Option<string>("--mode") { Description = "e2llm | fixed-g (PI at R = g·L) | no-offset | no-scale", DefaultValueFactory = _ => "e2llm" };
        var fixedScale = new Option<int?>("--fixed-scale") { Description = "g for fixed-g and no-scale" };
        var draw = new Option<string>("--draw")
        {
            Description = "step: one (g, t) per optimizer step (the paper's) | row: one per batch row, so every step spans many scales",
            DefaultValueFactory = _ => "step",
        };
        draw.AcceptOnlyFromAmong("step", "row");
        var interpolation = new Option<string>("--interpolation")
        {
            Description = "linear: g divides every RoPE frequency (the paper's) | yarn: g applied as YaRN over L, fast frequencies kept, so copying holds at every g",
            DefaultValueFactory = _ => "linear",
        };
        interpolation.AcceptOnlyFromAmong(Enum.GetValues<ScaleInterpolation>().Select(E2LlmConfig.Name).ToArray());
        var shared = new TrainerCli(Defaults);
        var command = new Command("e2llm", "Fine-tune a base model for long contexts with E²-LLM (per-step scale g, 4 sinks, offset t)");
        command.Options.Add(model);
        shared.AddTo(command);
        foreach (var o in new Option[] { seq, baseWindow, maxScale, mode, fixedScale, draw, interpolation }) command.Options.Add(o);
        command.SetAction(parse => CommandErrors.Run("train e2llm", () => shared.Execute("train e2llm", parse,
            () =>
            {
                var dir = parse.GetValue(model) ?? throw new ArgumentException("--model is required for a new run");
                var config = LlamaConfig.Load(Path.Combine(dir, "config.json"));
                var recipe = new E2LlmRecipe(E2LlmRecipe.ParseMode(parse.GetValue(mode)!), parse.GetValue(baseWindow) ?? config.MaxPositionEmbeddings,
                                             parse.GetValue(maxScale), parse.GetValue(fixedScale), parse.GetValue(seq),
                                             DrawPerRow: parse.GetValue(draw) == "row",
                                             Interpolation: E2LlmConfig.TryParse(parse.GetValue(interpolation)!, out var how) ? how : throw new ArgumentException("unknown --interpolation"));
                var e2llm = recipe.TrainingOptions();
                Console.Error.WriteLine(Describe(recipe, e2llm));
                return shared.Read(parse) with { SequenceLength = e2llm.TrainingLength, E2Llm = e2llm };
            },
            (options, data) => LmTrainer.Start(LlamaConfig.Load(Path.Combine(parse.GetValue(model)!, "config.json")), data, options,
                                               parse.GetValue(shared.Output)!, Llama.Load(parse.GetValue(model)!, DType.Float32)))));
        return command;
    }

    private static string Describe(E2LlmRecipe recipe, E2LlmTrainingOptions o)
    {
        var scales = o.FixedScale is int g ? $"g = {g}" : $"g uniform in {{{E2LlmPositions.MinScale(o)}..{o.MaxScale}}} {(o.DrawPerRow ? "per row" : "per step")}";
        var applied = $"g applied {E2LlmConfig.Name(o.Interpolation)}";
        var offsets = o.UseOffset ? $"offset t in {{0..g·{o.BaseWindow} − {o.TrainingLength}}} after {o.SinkCount} sinks" : "no offset";
        var cost = recipe.Mode == E2LlmMode.FixedScale
            ? $"; PI cost: rows of {o.TrainingLength} tokens, {o.FixedScale}× the tokens and ~{o.FixedScale * o.FixedScale}× the attention of R = L"
            : "";
        return $"memplat train e2llm: R = {o.TrainingLength}, L = {o.BaseWindow}, {scales}, {applied}, {offsets}{cost}";
    }
}
