using System.Diagnostics;
using System.Text.Json;
using MemoryPlatform.Cli.Platform;

namespace MemoryPlatform.Cli.Chaos;

/// <summary>
/// Injects the process faults on a schedule: SIGKILL of one silo at a time (round robin), then its restart once the
/// gateway's membership view no longer counts it; finally one Redis restart (SHUTDOWN, which flushes the AOF, then a
/// start on the same data). Each fault's window in the <see cref="FaultTimeline"/> closes when the platform shows it
/// noticed: the gateway's <c>/readyz</c> counts one silo fewer; or, for Redis, the gateway and every silo report ready
/// again (each reconnects on its own schedule). Probes are not counted as load.
/// </summary>
public sealed class FaultInjector(LocalPlatform platform, FaultTimeline timeline, ChaosOptions options, ChaosReport report,
    Action<string> log) : IDisposable
{
    private static readonly TimeSpan DetectionTimeout = TimeSpan.FromSeconds(90);
    private readonly HttpClient probe = new() { BaseAddress = new Uri(platform.Url + "/"), Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>How long the schedule takes (the load is paced over it).</summary>
    public static TimeSpan Duration(ChaosOptions options) => options.FaultInterval * (options.SiloKills + 1);

    public async Task RunAsync(CancellationToken ct)
    {
        for (var k = 0; k < options.SiloKills; k++)
        {
            await Task.Delay(options.FaultInterval, ct);
            var index = k % options.Silos;
            var name = platform.Silos[index].Name;
            var fault = timeline.Begin($"SIGKILL {name}");
            await platform.KillSiloAsync(index);
            var seen = await WaitForAsync(r => r.Silos == options.Silos - 1, ct);
            timeline.Detected(fault);
            log($"killed {name} (SIGKILL); the gateway noticed after {Seconds(fault):F1} s" + (seen ? "" : " (timed out)"));
            if (!seen) report.Fail($"the gateway still counted {options.Silos} silos {DetectionTimeout.TotalSeconds:F0} s after {name} was killed");

            await platform.RestartSiloAsync(index);
            var started = Stopwatch.GetTimestamp();
            if (await WaitForAsync(r => r.Silos == options.Silos, ct))
                log($"restarted {platform.Silos[index].Name}; active again after {Stopwatch.GetElapsedTime(started).TotalSeconds:F1} s");
            else report.Fail($"silo {index + 1} did not rejoin within {DetectionTimeout.TotalSeconds:F0} s of its restart");
        }

        await Task.Delay(options.FaultInterval, ct);
        var redis = timeline.Begin("redis restart");
        await platform.Redis.RestartAsync(ct);
        var back = await WaitForAsync(r => r.Ready && r.Silos == options.Silos, ct) && await SilosReadyAsync(ct);
        timeline.Detected(redis);
        log($"restarted redis-server (AOF); the gateway and every silo were ready again after {Seconds(redis):F1} s");
        if (!back) report.Fail($"the platform was not ready {DetectionTimeout.TotalSeconds:F0} s after the Redis restart");
    }

    private static double Seconds(FaultTimeline.Fault fault) =>
        Stopwatch.GetElapsedTime(fault.Injected, fault.Detected ?? Stopwatch.GetTimestamp()).TotalSeconds;

    private readonly record struct Readiness(bool Ready, int Silos);

    private async Task<bool> WaitForAsync(Func<Readiness, bool> condition, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < DetectionTimeout)
        {
            if (condition(await ReadAsync(ct))) return true;
            await Task.Delay(100, ct);
        }
        return false;
    }

    private async Task<bool> SilosReadyAsync(CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < options.Silos; i++)
        {
            while (!await IsOkAsync(platform.SiloReadyUrl(i), ct))
            {
                if (watch.Elapsed > DetectionTimeout) return false;
                await Task.Delay(100, ct);
            }
        }
        return true;
    }

    private async Task<bool> IsOkAsync(string url, CancellationToken ct)
    {
        try
        {
            using var response = await probe.GetAsync(url, ct);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private async Task<Readiness> ReadAsync(CancellationToken ct)
    {
        try
        {
            using var response = await probe.GetAsync("readyz", ct);
            if (!response.IsSuccessStatusCode) return new Readiness(false, 0);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            return new Readiness(true, json.RootElement.GetProperty("active_silos").GetInt32());
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return new Readiness(false, 0);
        }
    }

    public void Dispose() => probe.Dispose();
}
