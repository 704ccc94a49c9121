namespace MemoryPlatform.ModelCore.Models;

/// <summary>One training sample's positions: ids before division by g, the scale g, and the offset t.</summary>
public sealed record E2LlmSample(long[] PositionIds, int Scale, long Offset)
{
    /// <summary>The ids already divided by g, (m + t) / g: at RoPE scale 1 they give this sample's angles.</summary>
    public float[] ScaledPositions() => PositionIds.Select(p => (float)((double)p / Scale)).ToArray();
}

/// <summary>
/// Training-time options. Ablations of E²-LLM §4.4: <see cref="UseOffset"/> = false ("without t"),
/// <see cref="FixedScale"/> set ("without scale augmentation", e.g. g = 2). <see cref="DrawPerRow"/> draws (g, t)
/// for every row of a batch instead of once per optimizer step, so each step's gradient spans many scales.
/// <see cref="Interpolation"/> says how g reaches the RoPE frequencies (linear: the paper's).
/// </summary>
public sealed record E2LlmTrainingOptions(
    int TrainingLength,
    int BaseWindow,
    int MaxScale = 20,
    int SinkCount = 4,
    bool UseOffset = true,
    int? FixedScale = null,
    bool DrawPerRow = false,
    ScaleInterpolation Interpolation = ScaleInterpolation.Linear);

/// <summary>
/// E²-LLM position and scale augmentation (Liu et al., arXiv 2401.06951; shared/reference/e2llm.md).
/// The RoPE angle of token m is (m + t) / g: g divides every inverse frequency (<see cref="RopeFrequencies"/>'
/// scale), t shifts every token except the first <c>SinkCount</c> attention sinks. With t ≤ g·L − R, every
/// scaled position (R − 1 + t) / g stays below the base window L, so training never leaves the trained range.
/// </summary>
public static class E2LlmPositions
{
    /// <summary>
    /// Draws g uniformly from {MinScale..MaxScale} (or takes FixedScale), t uniformly from {0..g·L − R} (0 when that
    /// is negative or offsets are off), and returns [0, 1, .., sinks − 1, sinks + t, .., R − 1 + t].
    /// MinScale is ceil(R / L): the paper trains at R ≤ L, where it is 1; a sample longer than L (so that a copy
    /// spans more than L tokens at g > 1) is only drawn at the scales whose window holds it.
    /// A fixed g with R > g·L cannot fit the window; t is 0 and the last positions pass L/g (as the paper's
    /// fixed-g ablation with R = 8k, L = 4k, g = 1 would).
    /// </summary>
    public static E2LlmSample SampleTraining(Random random, E2LlmTrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(random);
        Validate(options);

        int g = options.FixedScale ?? random.Next(MinScale(options), options.MaxScale + 1);
        long maxOffset = (long)g * options.BaseWindow - options.TrainingLength;
        long t = options.UseOffset && maxOffset > 0 ? random.NextInt64(0, maxOffset + 1) : 0;

        var positions = new long[options.TrainingLength];
        for (int m = 0; m < positions.Length; m++)
            positions[m] = m < options.SinkCount ? m : m + t;
        return new E2LlmSample(positions, g, t);
    }

    /// <summary>The smallest g a drawn sample gets: ceil(R / L), so that every scaled position stays below L.</summary>
    public static int MinScale(E2LlmTrainingOptions options) =>
        (int)Math.Max(1, ((long)options.TrainingLength + options.BaseWindow - 1) / options.BaseWindow);

    /// <summary>The paper's default sampler: both augmentations on.</summary>
    public static E2LlmSample SampleTraining(Random random, int trainingLength, int baseWindow, int maxScale, int sinkCount = 4) =>
        SampleTraining(random, new E2LlmTrainingOptions(trainingLength, baseWindow, maxScale, sinkCount));

    /// <summary>
    /// Inference scale for a request of <paramref name="neededPositions"/> tokens: g = ceil(needed / L), bounded to
    /// [1, gMaxTrained]. Beyond gMaxTrained·L the result is clamped to gMaxTrained, so positions past that span
    /// extrapolate beyond the trained range (the paper saw untrained g of 30–50 hold to about 120k, then degrade);
    /// callers that must not extrapolate compare neededPositions with gMaxTrained·L themselves.
    /// </summary>
    public static int ChooseScale(int neededPositions, int baseWindow, int gMaxTrained)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(neededPositions);
        ArgumentOutOfRangeException.ThrowIfLessThan(baseWindow, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(gMaxTrained, 1);
        long g = ((long)neededPositions + baseWindow - 1) / baseWindow;
        return (int)Math.Clamp(g, 1, gMaxTrained);
    }

    /// <summary>Inference positions: contiguous, no offset (the paper's inference setting).</summary>
    public static long[] Contiguous(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var positions = new long[count];
        for (int i = 0; i < count; i++)
            positions[i] = (long)start + i;
        return positions;
    }

    private static void Validate(E2LlmTrainingOptions o)
    {
        if (o.TrainingLength < 1)
            throw new ArgumentOutOfRangeException(nameof(o.TrainingLength), o.TrainingLength, "training length R must be at least 1");
        if (o.BaseWindow < 1)
            throw new ArgumentOutOfRangeException(nameof(o.BaseWindow), o.BaseWindow, "base window L must be at least 1");
        if (o.MaxScale < 1)
            throw new ArgumentOutOfRangeException(nameof(o.MaxScale), o.MaxScale, "g_max must be at least 1");
        if (o.SinkCount < 0)
            throw new ArgumentOutOfRangeException(nameof(o.SinkCount), o.SinkCount, "sink count must be non-negative");
        if (o.FixedScale is < 1)
            throw new ArgumentOutOfRangeException(nameof(o.FixedScale), o.FixedScale, "a fixed g must be at least 1");
        if (o.FixedScale is null && MinScale(o) > o.MaxScale)
            throw new ArgumentOutOfRangeException(nameof(o.MaxScale), o.MaxScale,
                $"g_max must be at least ceil(R / L) = {MinScale(o)} for R = {o.TrainingLength}, L = {o.BaseWindow}");
    }
}
