using System.Text.Json;

namespace MemoryPlatform.ModelCore.Models;

/// <summary>The RoPE variants of HF's <c>rope_scaling</c> (see shared/reference/rope.md).</summary>
public enum RopeType
{
    /// <summary>Plain RoPE (Su et al. 2021).</summary>
    Default,
    /// <summary>Position interpolation (Chen et al. 2023): inv_freq / factor. E²-LLM's g is this.</summary>
    Linear,
    /// <summary>Dynamic NTK: the base grows once the sequence passes max_position_embeddings.</summary>
    Dynamic,
    /// <summary>YaRN (Peng et al. 2023): per-frequency ramp between interpolation and extrapolation, plus attention scaling.</summary>
    Yarn,
    /// <summary>Llama 3.1: wavelength bands kept, divided, or smoothly blended.</summary>
    Llama3,
}

/// <summary>
/// HF <c>rope_scaling</c>. Older configs name the variant with <c>type</c>, newer ones with <c>rope_type</c>;
/// both are read, and both are written so old and new readers agree. Optional parameters stay null when the
/// config leaves them out; <see cref="RopeFrequencies"/> applies HF's defaults.
/// </summary>
public sealed record RopeScaling(
    RopeType Type,
    double? Factor = null,
    int? OriginalMaxPositionEmbeddings = null,
    double? LowFreqFactor = null,
    double? HighFreqFactor = null,
    double? BetaFast = null,
    double? BetaSlow = null,
    double? AttentionFactor = null)
{
    public static string TypeName(RopeType type) => type switch
    {
        RopeType.Default => "default",
        RopeType.Linear => "linear",
        RopeType.Dynamic => "dynamic",
        RopeType.Yarn => "yarn",
        RopeType.Llama3 => "llama3",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static bool TryParseType(string text, out RopeType type) => ConfigNames.TryParse(text, TypeName, out type);

    internal static RopeScaling Read(ConfigJson json)
    {
        var typeText = json.OptionalString("rope_type") ?? json.OptionalString("type")
            ?? throw json.Error("rope_type", "is required (or 'type' in older configs)");
        if (!TryParseType(typeText, out var type))
            throw json.Error(json.Has("rope_type") ? "rope_type" : "type",
                $"'{typeText}' is not a supported RoPE type (default, linear, dynamic, yarn, llama3)");
        var scaling = new RopeScaling(
            type,
            json.OptionalDouble("factor"),
            json.OptionalInt("original_max_position_embeddings"),
            json.OptionalDouble("low_freq_factor"),
            json.OptionalDouble("high_freq_factor"),
            json.OptionalDouble("beta_fast"),
            json.OptionalDouble("beta_slow"),
            json.OptionalDouble("attention_factor"));
        scaling.Validate(json.Source, "rope_scaling.");
        return scaling;
    }

    /// <summary>Throws <see cref="InvalidDataException"/> naming the field when a variant lacks what its formula needs.</summary>
    public void Validate(string source = "rope_scaling", string prefix = "rope_scaling.")
    {
        InvalidDataException Error(string field, string problem) => new($"{source}: field '{prefix}{field}' {problem}");

        if (!Enum.IsDefined(Type))
            throw Error("rope_type", $"{(int)Type} is not a supported RoPE type");
        if (Type != RopeType.Default)
        {
            if (Factor is null)
                throw Error("factor", $"is required for rope_type '{TypeName(Type)}'");
            if (Factor <= 0)
                throw Error("factor", $"must be positive, found {Factor}");
        }
        if (OriginalMaxPositionEmbeddings is <= 0)
            throw Error("original_max_position_embeddings", $"must be positive, found {OriginalMaxPositionEmbeddings}");
        if (AttentionFactor is <= 0)
            throw Error("attention_factor", $"must be positive, found {AttentionFactor}");
        if (BetaFast is <= 0)
            throw Error("beta_fast", $"must be positive, found {BetaFast}");
        if (BetaSlow is <= 0)
            throw Error("beta_slow", $"must be positive, found {BetaSlow}");
        if (Type == RopeType.Llama3)
        {
            if (LowFreqFactor is null)
                throw Error("low_freq_factor", "is required for rope_type 'llama3'");
            if (HighFreqFactor is null)
                throw Error("high_freq_factor", "is required for rope_type 'llama3'");
            if (OriginalMaxPositionEmbeddings is null)
                throw Error("original_max_position_embeddings", "is required for rope_type 'llama3'");
            if (LowFreqFactor <= 0)
                throw Error("low_freq_factor", $"must be positive, found {LowFreqFactor}");
            // The smoothing divides by (high − low).
            if (HighFreqFactor <= LowFreqFactor)
                throw Error("high_freq_factor", $"must exceed low_freq_factor ({HighFreqFactor} <= {LowFreqFactor})");
        }
    }

    internal void Write(Utf8JsonWriter json)
    {
        // Keys sorted, as HF's to_json_string(sort_keys=True) writes them.
        json.WriteStartObject();
        if (AttentionFactor is { } attention) json.WriteNumber("attention_factor", attention);
        if (BetaFast is { } betaFast) json.WriteNumber("beta_fast", betaFast);
        if (BetaSlow is { } betaSlow) json.WriteNumber("beta_slow", betaSlow);
        if (Factor is { } factor) json.WriteNumber("factor", factor);
        if (HighFreqFactor is { } high) json.WriteNumber("high_freq_factor", high);
        if (LowFreqFactor is { } low) json.WriteNumber("low_freq_factor", low);
        if (OriginalMaxPositionEmbeddings is { } original) json.WriteNumber("original_max_position_embeddings", original);
        json.WriteString("rope_type", TypeName(Type));
        json.WriteString("type", TypeName(Type));
        json.WriteEndObject();
    }
}
