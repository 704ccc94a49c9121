using System.Globalization;
using MemoryPlatform.ModelCore.Models;

namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>
/// How an evaluation picks E²-LLM's scale g for a request: <c>auto</c> (g = ceil(positions / L), bounded by the
/// max_scale the model's config records; unbounded for a model without one), <c>none</c> (g = 1, plain RoPE),
/// or a fixed number.
/// </summary>
public sealed record ScaleChoice(int? Fixed, bool Auto)
{
    public static readonly ScaleChoice None = new(1, false);
    public static readonly ScaleChoice Automatic = new(null, true);

    public static ScaleChoice Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => Automatic,
        "none" => None,
        var s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var g) && g >= 1 => new ScaleChoice(g, false),
        _ => throw new ArgumentException($"--scale must be auto, none or an integer g ≥ 1, found '{text}'"),
    };

    /// <summary>g for a request spanning <paramref name="positions"/> positions on a model with <paramref name="config"/>.</summary>
    public int Resolve(int positions, LlamaConfig config)
    {
        if (!Auto) return Fixed ?? 1;
        var window = config.E2Llm?.BaseWindow ?? config.MaxPositionEmbeddings;
        return E2LlmPositions.ChooseScale(positions, window, config.E2Llm?.MaxScale ?? int.MaxValue);
    }

    public override string ToString() => Auto ? "auto" : Fixed == 1 ? "none" : Fixed!.Value.ToString(CultureInfo.InvariantCulture);
}
