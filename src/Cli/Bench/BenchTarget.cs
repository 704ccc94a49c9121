using System.Globalization;

namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// A benchmark's pass line (issue 7): the measured ratio must be at least <see cref="Minimum"/>. Ratios are defined
/// so that larger is better, so one comparison serves every benchmark. A NaN ratio (nothing measured) never passes.
/// </summary>
public sealed record BenchTarget(double Minimum)
{
    public bool IsMetBy(double ratio) => !double.IsNaN(ratio) && ratio >= Minimum;

    public override string ToString() => "≥ " + Minimum.ToString("0.0#", CultureInfo.InvariantCulture);
}
