namespace MemoryPlatform.ModelCore.Plotting;

/// <summary>An axis range widened to round tick values, and the ticks in it.</summary>
public sealed record AxisTicks(double Min, double Max, double Step, IReadOnlyList<double> Values)
{
    /// <summary>
    /// About <paramref name="target"/> ticks at steps of 1, 2 or 5 × 10^k ("nice numbers", Heckbert, Graphics Gems 1990),
    /// with the range widened to whole steps so the data never touches the frame unlabelled.
    /// </summary>
    public static AxisTicks For(double min, double max, int target = 6)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) throw new ArgumentException("axis bounds must be finite");
        if (min > max) (min, max) = (max, min);
        if (min == max)
        {
            var pad = min == 0 ? 1 : Math.Abs(min) * 0.1;
            (min, max) = (min - pad, max + pad);
        }
        var raw = (max - min) / Math.Max(1, target);
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var fraction = raw / magnitude;
        var step = (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * magnitude;
        var lo = Math.Floor(min / step) * step;
        var hi = Math.Ceiling(max / step) * step;
        var values = new List<double>();
        for (var i = 0; lo + i * step <= hi + step * 1e-9; i++)
            values.Add(Math.Round(lo + i * step, 12));   // 0.30000000000000004 → 0.3 in labels
        return new AxisTicks(lo, hi, step, values);
    }
}
