namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>
/// A percentile bootstrap over paired samples (Efron &amp; Tibshirani 1993, ch. 13): how far a difference of medians
/// between two conditions scored on the same passages could move if other passages had been drawn. Each resample draws
/// n passage indices with replacement and takes both conditions' scores at those indices, so a passage's pair stays
/// together. Seeded: the same scores give the same interval.
/// </summary>
public static class PairedBootstrap
{
    /// <summary>The central <paramref name="confidence"/> interval of median(a) − median(b).</summary>
    public static (double Low, double High) MedianDifference(
        IReadOnlyList<double> a, IReadOnlyList<double> b, int resamples = 2000, double confidence = 0.95, int seed = 0)
    {
        if (a.Count != b.Count) throw new ArgumentException($"paired samples need equal counts, got {a.Count} and {b.Count}");
        if (a.Count == 0) throw new ArgumentException("a bootstrap needs at least one pair");
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        if (confidence is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "confidence lies in (0, 1)");
        var rng = new Random(seed);
        int n = a.Count;
        var (da, db) = (new double[n], new double[n]);
        var differences = new double[resamples];
        for (var r = 0; r < resamples; r++)
        {
            for (var i = 0; i < n; i++)
            {
                var pick = rng.Next(n);
                (da[i], db[i]) = (a[pick], b[pick]);
            }
            differences[r] = Summary.Of(da).Median - Summary.Of(db).Median;
        }
        Array.Sort(differences);
        var tail = (1 - confidence) / 2;
        return (Percentile(differences, tail), Percentile(differences, 1 - tail));
    }

    /// <summary>Linear interpolation between the closest ranks of sorted values.</summary>
    private static double Percentile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position), above = (int)Math.Ceiling(position);
        return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
    }
}
