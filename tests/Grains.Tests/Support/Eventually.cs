using System.Diagnostics;

namespace MemoryPlatform.Grains.Tests.Support;

/// <summary>Polling waits: tests assert outcomes, never timings. Generous limits for a loaded 2-core machine.</summary>
public static class Eventually
{
    public static async Task<T> MatchAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (condition(value)) return value;
            if (watch.Elapsed > limit) throw new TimeoutException($"not true after {limit}: {what} (last: {value})");
            await Task.Delay(50);
        }
    }
}
