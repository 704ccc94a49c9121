using System.Diagnostics;
using System.Text.Json.Nodes;
using MemoryPlatform.Grains.Models;

namespace MemoryPlatform.Cli.Bench;

/// <summary>Timing helpers shared by the benchmarks: warm up, repeat, report median and spread.</summary>
public static class BenchStats
{
    public sealed record Sample(double Median, double Min, double Max)
    {
        public JsonObject ToJson() => new() { ["median"] = Median, ["min"] = Min, ["max"] = Max };
    }

    /// <summary>Runs <paramref name="action"/> <paramref name="warmup"/> times untimed, then <paramref name="repeats"/> times timed (seconds).
    /// Cancellation is checked between runs.</summary>
    public static Sample Time(Action action, int warmup, int repeats, CancellationToken ct = default) =>
        TimeAsync(() => { action(); return Task.CompletedTask; }, warmup, repeats, ct).GetAwaiter().GetResult();

    /// <summary>The asynchronous form of <see cref="Time"/>, for work that awaits (Redis, HTTP, a model grain).</summary>
    public static async Task<Sample> TimeAsync(Func<Task> action, int warmup, int repeats, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        for (var i = 0; i < warmup; i++)
        {
            ct.ThrowIfCancellationRequested();
            await action();
        }
        var times = new double[repeats];
        for (var i = 0; i < repeats; i++)
        {
            ct.ThrowIfCancellationRequested();
            var start = Stopwatch.GetTimestamp();
            await action();
            times[i] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return Of(times);
    }

    /// <summary>
    /// Times two contenders side by side: after <paramref name="warmup"/> untimed rounds of each, <paramref name="repeats"/>
    /// timed rounds alternating in the order a b, b a, a b, ..., so that a change of machine load (a shared machine)
    /// falls on both alike. Each function runs its work once and returns its seconds (a reference process may time
    /// itself); <see cref="SecondsAsync"/> times work in this process.
    /// </summary>
    public static async Task<(Sample A, Sample B)> PairedAsync(Func<Task<double>> a, Func<Task<double>> b, int warmup, int repeats,
                                                               CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        for (var i = 0; i < warmup; i++)
        {
            ct.ThrowIfCancellationRequested();
            await a();
            await b();
        }
        var timesA = new double[repeats];
        var timesB = new double[repeats];
        for (var i = 0; i < repeats; i++)
        {
            ct.ThrowIfCancellationRequested();
            if (i % 2 == 0)
            {
                timesA[i] = await a();
                timesB[i] = await b();
            }
            else
            {
                timesB[i] = await b();
                timesA[i] = await a();
            }
        }
        return (Of(timesA), Of(timesB));
    }

    /// <summary>Seconds one run of <paramref name="action"/> takes here.</summary>
    public static async Task<double> SecondsAsync(Func<Task> action)
    {
        var start = Stopwatch.GetTimestamp();
        await action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>Seconds one run of a synchronous <paramref name="action"/> takes here.</summary>
    public static Task<double> Seconds(Action action) => Task.FromResult(SecondsOf(action));

    public static double SecondsOf(Action action)
    {
        var start = Stopwatch.GetTimestamp();
        action();
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>Seconds one run of model work takes on <paramref name="device"/> (the thread that does all of the bench's
    /// model work, as a silo's model grain does; see <see cref="DeviceThread"/>).</summary>
    public static Task<double> OnDevice(DeviceThread device, Action action) => device.RunAsync(() => SecondsOf(action));

    /// <summary>Seconds one run of async model work takes on <paramref name="device"/>.</summary>
    public static Task<double> OnDevice(DeviceThread device, Func<Task> action) => device.RunAsync(() => SecondsAsync(action));

    /// <summary>Median, min and max of measured seconds.</summary>
    public static Sample Of(IEnumerable<double> seconds)
    {
        var sorted = seconds.Order().ToArray();
        if (sorted.Length == 0) throw new ArgumentException("no measurements", nameof(seconds));
        return new Sample(Median(sorted), sorted[0], sorted[^1]);
    }

    public static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;

    /// <summary>"model name" from /proc/cpuinfo, for the results pages.</summary>
    public static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "unknown"
            : "unknown";
}
