namespace MemoryPlatform.ModelCore.Models;

/// <summary>
/// RoPE inverse frequencies for one rotary width, and the factor HF multiplies cos/sin by.
/// InvFreq[j] pairs head dimension j with j + dim/2 (rotate-half); the angle at position m is m · InvFreq[j].
/// </summary>
public readonly record struct RopeParameters(double[] InvFreq, double AttentionFactor);

/// <summary>
/// HF transformers' <c>modeling_rope_utils</c> in double precision, one method per variant
/// (formulas and golden values: shared/reference/rope.md). E²-LLM's scale g (arXiv 2401.06951, §3) is a linear
/// interpolation composed on top of any variant: every frequency divided by g, i.e. angle (m / g) · θ_j.
/// </summary>
public static class RopeFrequencies
{
    /// <summary>
    /// Frequencies for <paramref name="config"/>. <paramref name="seqLen"/> (largest position + 1) only matters for
    /// dynamic NTK; <paramref name="scale"/> is E²-LLM's g (1 = none), applied as the config's
    /// <see cref="E2LlmConfig.Interpolation"/> says: linear (the paper's) unless it names yarn.
    /// </summary>
    public static RopeParameters Compute(LlamaConfig config, int seqLen, double scale = 1.0)
    {
        if (config.E2Llm is { Interpolation: ScaleInterpolation.Yarn } e && scale != 1.0)
            return YarnScale((int)(config.HeadDim * config.PartialRotaryFactor), config.RopeTheta, scale, e.BaseWindow);
        return Compute(config.HeadDim, config.RopeTheta, config.RopeScaling, config.MaxPositionEmbeddings,
            config.PartialRotaryFactor, seqLen, scale);
    }

    /// <summary>
    /// E²-LLM's g applied the YaRN way: <see cref="Yarn"/> with factor g over the base window L; g = 1 is plain RoPE.
    /// It replaces the frequencies, so LlamaConfig validation keeps it off configs that already scale RoPE.
    /// </summary>
    public static RopeParameters YarnScale(int dim, double theta, double scale, int baseWindow)
    {
        if (!(scale >= 1) || !double.IsFinite(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "a YaRN-applied E²-LLM scale g must be at least 1");
        return Yarn(dim, theta, scale, baseWindow);
    }

    public static RopeParameters Compute(int headDim, double theta, RopeScaling? scaling, int maxPositionEmbeddings,
        double partialRotaryFactor, int seqLen, double scale = 1.0)
    {
        int dim = (int)(headDim * partialRotaryFactor);
        if (dim < 2 || dim % 2 != 0)
            throw new ArgumentException($"rotary width head_dim × partial_rotary_factor = {dim} must be even and at least 2");
        if (!(theta > 1))
            throw new ArgumentOutOfRangeException(nameof(theta), theta, "rope_theta must be greater than 1");
        if (maxPositionEmbeddings <= 0)
            throw new ArgumentOutOfRangeException(nameof(maxPositionEmbeddings), maxPositionEmbeddings, "must be positive");
        if (seqLen < 0)
            throw new ArgumentOutOfRangeException(nameof(seqLen), seqLen, "must be non-negative");
        if (!(scale > 0) || !double.IsFinite(scale))
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "E²-LLM scale g must be positive");
        scaling?.Validate();

        var rope = scaling is null ? Default(dim, theta) : scaling.Type switch
        {
            RopeType.Default => Default(dim, theta),
            RopeType.Linear => Linear(dim, theta, scaling.Factor!.Value),
            RopeType.Dynamic => DynamicNtk(dim, theta, scaling.Factor!.Value, maxPositionEmbeddings, seqLen),
            RopeType.Yarn => Yarn(dim, theta, scaling.Factor!.Value,
                scaling.OriginalMaxPositionEmbeddings ?? maxPositionEmbeddings,
                scaling.BetaFast ?? 32.0, scaling.BetaSlow ?? 1.0, scaling.AttentionFactor),
            RopeType.Llama3 => Llama3(dim, theta, scaling.Factor!.Value, scaling.LowFreqFactor!.Value,
                scaling.HighFreqFactor!.Value, scaling.OriginalMaxPositionEmbeddings!.Value),
            _ => throw new ArgumentOutOfRangeException(nameof(scaling), scaling.Type, "unknown RoPE type"),
        };
        if (scale != 1.0)
            for (int j = 0; j < rope.InvFreq.Length; j++)
                rope.InvFreq[j] /= scale;
        return rope;
    }

    /// <summary>RoFormer (Su et al. 2021): θ_j = base^(−2j/dim), j = 0 .. dim/2 − 1.</summary>
    public static RopeParameters Default(int dim, double theta)
    {
        var invFreq = new double[dim / 2];
        for (int j = 0; j < invFreq.Length; j++)
            invFreq[j] = 1.0 / Math.Pow(theta, 2.0 * j / dim);
        return new RopeParameters(invFreq, 1.0);
    }

    /// <summary>Position interpolation (Chen et al. 2023): positions divided by factor, i.e. θ_j / factor.</summary>
    public static RopeParameters Linear(int dim, double theta, double factor)
    {
        var rope = Default(dim, theta);
        for (int j = 0; j < rope.InvFreq.Length; j++)
            rope.InvFreq[j] /= factor;
        return rope;
    }

    /// <summary>
    /// Dynamic NTK: past max_position_embeddings the base grows to
    /// base · ((factor · seqLen / maxPos) − (factor − 1))^(dim / (dim − 2)); at or below it the formula gives base back.
    /// </summary>
    public static RopeParameters DynamicNtk(int dim, double theta, double factor, int maxPositionEmbeddings, int seqLen)
    {
        double length = Math.Max(seqLen, maxPositionEmbeddings);
        double grownBase = theta * Math.Pow(factor * length / maxPositionEmbeddings - (factor - 1), (double)dim / (dim - 2));
        return Default(dim, grownBase);
    }

    /// <summary>
    /// YaRN (Peng et al. 2023, §3.2 "NTK-by-parts" + §3.4 attention scaling): dimensions that turn fewer than
    /// beta_slow times over the original window are interpolated (θ/factor), more than beta_fast times extrapolated
    /// (θ), linear ramp between. Default attention factor 0.1 · ln(factor) + 1. Uses factor as written in the config.
    /// </summary>
    public static RopeParameters Yarn(int dim, double theta, double factor, int originalMaxPositionEmbeddings,
        double betaFast = 32.0, double betaSlow = 1.0, double? attentionFactor = null)
    {
        // The dimension at which a frequency completes `rotations` turns over the original window.
        double CorrectionDim(double rotations) =>
            dim * Math.Log(originalMaxPositionEmbeddings / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));

        double low = Math.Max(Math.Floor(CorrectionDim(betaFast)), 0);
        double high = Math.Min(Math.Ceiling(CorrectionDim(betaSlow)), dim - 1);
        if (low == high)
            high += 0.001; // HF's guard against a zero-width ramp

        var rope = Default(dim, theta);
        for (int j = 0; j < rope.InvFreq.Length; j++)
        {
            double ramp = Math.Clamp((j - low) / (high - low), 0.0, 1.0);
            rope.InvFreq[j] *= ramp / factor + (1 - ramp);
        }
        double attention = attentionFactor ?? (factor <= 1 ? 1.0 : 0.1 * Math.Log(factor) + 1.0);
        return rope with { AttentionFactor = attention };
    }

    /// <summary>
    /// Llama 3.1: wavelengths shorter than orig/high_freq_factor are kept, longer than orig/low_freq_factor divided
    /// by factor, and in between blended with s = (orig/λ − low) / (high − low).
    /// </summary>
    public static RopeParameters Llama3(int dim, double theta, double factor, double lowFreqFactor, double highFreqFactor,
        int originalMaxPositionEmbeddings)
    {
        double lowFreqWavelength = originalMaxPositionEmbeddings / lowFreqFactor;
        double highFreqWavelength = originalMaxPositionEmbeddings / highFreqFactor;
        var rope = Default(dim, theta);
        for (int j = 0; j < rope.InvFreq.Length; j++)
        {
            double wavelength = 2 * Math.PI / rope.InvFreq[j];
            if (wavelength < highFreqWavelength)
                continue;
            if (wavelength > lowFreqWavelength)
            {
                rope.InvFreq[j] /= factor;
                continue;
            }
            double s = (originalMaxPositionEmbeddings / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
            rope.InvFreq[j] *= (1 - s) / factor + s;
        }
        return rope;
    }
}
