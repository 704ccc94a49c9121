using System.Text.Json.Nodes;

namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// One row of `memplat bench all`: what was measured, the ratio that decides it (larger is better; <see cref="RatioIs"/>
/// says of what over what), its target (none for a reported-only ratio), a one-line summary of the numbers behind it,
/// and every measurement in <see cref="Details"/>.
/// </summary>
public sealed record BenchOutcome(string Name, string Measures, double Ratio, string RatioIs, BenchTarget? Target, string Summary, JsonObject Details)
{
    /// <summary>True or false against the target; null when the ratio is only reported.</summary>
    public bool? Met => Target?.IsMetBy(Ratio);

    public JsonObject ToJson() => new()
    {
        ["name"] = Name,
        ["measures"] = Measures,
        ["ratio"] = double.IsFinite(Ratio) ? Ratio : null,
        ["ratio_is"] = RatioIs,
        ["target"] = Target?.ToString(),
        ["target_min"] = Target?.Minimum,
        ["met"] = Met,
        ["summary"] = Summary,
        ["details"] = Details.DeepClone(),
    };
}
