namespace MemoryPlatform.ModelCore.Models;

/// <summary>
/// The <c>"e2llm"</c> object of a config.json: the scale range an E²-LLM fine-tune was trained for
/// (<c>{"max_scale": 16, "base_window": 512}</c>). Inference bounds g = ceil(needed / base_window) by
/// max_scale; HF ignores the unknown key, so the file stays loadable by transformers.
/// </summary>
public sealed record E2LlmConfig(int MaxScale, int BaseWindow)
{
    internal static E2LlmConfig Read(ConfigJson c) =>
        new(c.OptionalInt("max_scale") ?? throw c.Error("max_scale", "is required"),
            c.OptionalInt("base_window") ?? throw c.Error("base_window", "is required"));

    public void Validate(string source = "config")
    {
        if (MaxScale < 1) throw new InvalidDataException($"{source}: field 'e2llm.max_scale' must be at least 1, found {MaxScale}");
        if (BaseWindow < 1) throw new InvalidDataException($"{source}: field 'e2llm.base_window' must be at least 1, found {BaseWindow}");
    }
}
