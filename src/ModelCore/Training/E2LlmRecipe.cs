using MemoryPlatform.ModelCore.Models;

namespace MemoryPlatform.ModelCore.Training;

/// <summary>
/// The fine-tuning request of `memplat train e2llm` (a mode and its numbers) and its translation into the trainer's
/// <see cref="E2LlmTrainingOptions"/>. Kept out of the CLI so each mode's mapping is tested.
/// </summary>
public sealed record E2LlmRecipe(E2LlmMode Mode, int BaseWindow, int MaxScale = 16, int? FixedScale = null, int? TrainingLength = null,
                                 bool DrawPerRow = false, ScaleInterpolation Interpolation = ScaleInterpolation.Linear)
{
    /// <summary>R when the command does not set it (E²-LLM trains at R = L; our base models use L = 512).</summary>
    public const int DefaultTrainingLength = 512;

    /// <summary>The paper's attention-sink count: tokens 0..3 never get the offset.</summary>
    public const int SinkCount = 4;

    public static readonly IReadOnlyDictionary<string, E2LlmMode> ModeNames = new Dictionary<string, E2LlmMode>
    {
        ["e2llm"] = E2LlmMode.E2Llm, ["fixed-g"] = E2LlmMode.FixedScale, ["no-offset"] = E2LlmMode.NoOffset, ["no-scale"] = E2LlmMode.NoScale,
    };

    public static E2LlmMode ParseMode(string name) =>
        ModeNames.TryGetValue(name, out var mode)
            ? mode
            : throw new ArgumentException($"unknown mode '{name}' (one of {string.Join(", ", ModeNames.Keys)})");

    /// <summary>The trainer's options for this recipe; throws ArgumentException for inconsistent numbers.</summary>
    public E2LlmTrainingOptions TrainingOptions()
    {
        if (BaseWindow < 1) throw new ArgumentException($"the base window must be at least 1, found {BaseWindow}");
        if (MaxScale < 1) throw new ArgumentException($"--max-scale must be at least 1, found {MaxScale}");
        if (TrainingLength is < 1) throw new ArgumentException($"--seq must be at least 1, found {TrainingLength}");
        var fixedMode = Mode is E2LlmMode.FixedScale or E2LlmMode.NoScale;
        if (fixedMode && FixedScale is not int)
            throw new ArgumentException($"mode {ModeName} needs --fixed-scale G");
        if (!fixedMode && FixedScale is not null)
            throw new ArgumentException($"--fixed-scale applies to fixed-g and no-scale, not to {ModeName}");
        if (FixedScale is < 1) throw new ArgumentException($"--fixed-scale must be at least 1, found {FixedScale}");
        // Per-row draws divide each row's ids by its own g under one g = 1 table; that identity holds only for linear g.
        if (DrawPerRow && Interpolation != ScaleInterpolation.Linear)
            throw new ArgumentException($"--draw row needs linear interpolation; {E2LlmConfig.Name(Interpolation)} gives each g its own frequencies (use --draw step)");
        var r = TrainingLength ?? DefaultTrainingLength;
        var options = Mode switch
        {
            E2LlmMode.E2Llm => new E2LlmTrainingOptions(r, BaseWindow, MaxScale, SinkCount),
            E2LlmMode.NoOffset => new E2LlmTrainingOptions(r, BaseWindow, MaxScale, SinkCount, UseOffset: false),
            E2LlmMode.NoScale => new E2LlmTrainingOptions(r, BaseWindow, FixedScale!.Value, SinkCount, FixedScale: FixedScale),
            E2LlmMode.FixedScale => PositionInterpolation(FixedScale!.Value),
            _ => throw new ArgumentOutOfRangeException(nameof(Mode), Mode, null),
        };
        if (options.FixedScale is null && E2LlmPositions.MinScale(options) > MaxScale)
            throw new ArgumentException($"--seq {r} is drawn only at g ≥ ceil(R / L) = {E2LlmPositions.MinScale(options)}; --max-scale {MaxScale} leaves no such g");
        return options with { DrawPerRow = DrawPerRow, Interpolation = Interpolation };
    }

    /// <summary>
    /// PI trains on whole windows of the target length: R = g·L, positions 0..R−1 divided by g, no offset
    /// (t_max = g·L − R = 0). Each row costs g times the tokens and about g² times the attention of E²-LLM's.
    /// </summary>
    private E2LlmTrainingOptions PositionInterpolation(int g)
    {
        var r = checked(g * BaseWindow);
        if (TrainingLength is int given && given != r)
            throw new ArgumentException($"fixed-g trains at R = g·L = {r}; --seq {given} contradicts it (leave --seq out)");
        return new E2LlmTrainingOptions(r, BaseWindow, g, SinkCount, UseOffset: false, FixedScale: g);
    }

    private string ModeName => ModeNames.First(p => p.Value == Mode).Key;

    /// <summary>What a model trained with <paramref name="options"/> records in config.json: the largest g it saw, and how g applies.</summary>
    public static E2LlmConfig TrainedFor(E2LlmTrainingOptions options) =>
        new(options.FixedScale ?? options.MaxScale, options.BaseWindow, options.Interpolation);
}
