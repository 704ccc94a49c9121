namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>
/// One adapter against a baseline at one passage length and slot format, scored on the same passages: both medians,
/// the difference other − baseline with its 95 % paired-bootstrap interval (<see cref="PairedBootstrap"/>), and on how
/// many passages the other adapter scored higher and lower. An interval clear of 0 says the change is more than the
/// draw of passages; 100 passages' medians move by ±0.02–0.05 between adapters that learned the same.
/// </summary>
public sealed record BleuComparison(
    int Tokens, string Format, double BaselineMedian, double OtherMedian, double MedianDifference, double Low, double High, int Better, int Worse)
{
    public static BleuComparison Of(int tokens, string format, IReadOnlyList<double> baseline, IReadOnlyList<double> other)
    {
        if (baseline.Count != other.Count)
            throw new ArgumentException($"{tokens} tokens, {format}: {baseline.Count} passages against {other.Count}; a paired comparison needs the same passages");
        var (low, high) = PairedBootstrap.MedianDifference(other, baseline);
        var (b, o) = (Summary.Of(baseline).Median, Summary.Of(other).Median);
        var pairs = baseline.Zip(other).ToArray();
        return new BleuComparison(tokens, format, b, o, o - b, low, high, pairs.Count(p => p.Second > p.First), pairs.Count(p => p.Second < p.First));
    }
}
