using System.Diagnostics;

namespace MemoryPlatform.Cli.Bench;

/// <summary>Timing helpers shared by the benchmarks: warm up, repeat, report median and spread.</summary>
public static class BenchStats
{
    public sealed record Sample(double Median, double Min, double Max);

    /// <summary>Runs <paramref name="action"/> <paramref name="warmup"/> times untimed, then <paramref name="repeats"/> times timed (seconds).</summary>
    public static Sample Time(Action action, int warmup, int repeats)
    {
        for (var i = 0; i < warmup; i++) action();
        var times = new double[repeats];
        for (var i = 0; i < repeats; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        Array.Sort(times);
        return new Sample(Median(times), times[0], times[^1]);
    }

    public static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;

    /// <summary>"model name" from /proc/cpuinfo, for the results pages.</summary>
    public static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "unknown"
            : "unknown";
}
