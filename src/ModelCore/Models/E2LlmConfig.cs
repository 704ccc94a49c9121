namespace MemoryPlatform.ModelCore.Models;

/// <summary>
/// How E²-LLM's scale g turns into RoPE frequencies.
/// <list type="bullet">
/// <item><see cref="Linear"/>: the paper's (m + t)/g, every frequency divided by g (position interpolation).</item>
/// <item><see cref="Yarn"/>: g applied as YaRN(factor g, original window L): frequencies that turn many times within L
/// are kept, slow ones divided by g, a ramp between, plus YaRN's attention factor. The fast dimensions are the ones a
/// previous-token head reads; kept, neighbours stay one fixed angle apart at every g, so copying survives every scale
/// (docs/results-e2llm.md, "Why copying lives at one scale").</item>
/// </list>
/// </summary>
public enum ScaleInterpolation { Linear, Yarn }

/// <summary>
/// The <c>"e2llm"</c> object of a config.json: the scale range an E²-LLM fine-tune was trained for and how g is
/// applied (<c>{"max_scale": 16, "base_window": 512, "interpolation": "linear"}</c>). Inference bounds
/// g = ceil(needed / base_window) by max_scale; a config without "interpolation" is linear, the paper's. HF ignores
/// the unknown key, so the file stays loadable by transformers.
/// </summary>
public sealed record E2LlmConfig(int MaxScale, int BaseWindow, ScaleInterpolation Interpolation = ScaleInterpolation.Linear)
{
    public static string Name(ScaleInterpolation interpolation) => interpolation switch
    {
        ScaleInterpolation.Linear => "linear",
        ScaleInterpolation.Yarn => "yarn",
        _ => throw new ArgumentOutOfRangeException(nameof(interpolation), interpolation, null),
    };

    public static bool TryParse(string text, out ScaleInterpolation interpolation) => ConfigNames.TryParse(text, Name, out interpolation);

    internal static E2LlmConfig Read(ConfigJson c)
    {
        var interpolation = ScaleInterpolation.Linear;
        if (c.OptionalString("interpolation") is { } text && !TryParse(text, out interpolation))
            throw c.Error("interpolation", $"'{text}' is not a scale interpolation (linear, yarn)");
        return new(c.OptionalInt("max_scale") ?? throw c.Error("max_scale", "is required"),
                   c.OptionalInt("base_window") ?? throw c.Error("base_window", "is required"),
                   interpolation);
    }

    public void Validate(string source = "config")
    {
        if (MaxScale < 1) throw new InvalidDataException($"{source}: field 'e2llm.max_scale' must be at least 1, found {MaxScale}");
        if (BaseWindow < 1) throw new InvalidDataException($"{source}: field 'e2llm.base_window' must be at least 1, found {BaseWindow}");
        if (!Enum.IsDefined(Interpolation))
            throw new InvalidDataException($"{source}: field 'e2llm.interpolation' {(int)Interpolation} is not a scale interpolation");
    }
}
