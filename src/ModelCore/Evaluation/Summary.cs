namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>Median and mean of a set of per-sample scores (the median of an even count is the mean of the middle two).</summary>
public sealed record Summary(double Median, double Mean, int Count)
{
    public static Summary Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) throw new ArgumentException("a summary needs at least one value");
        if (sorted.Any(double.IsNaN)) throw new ArgumentException("a summary of scores cannot contain NaN");
        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return new Summary(median, sorted.Average(), sorted.Length);
    }
}
