using System.Globalization;

namespace MemoryPlatform.Cli.Chaos;

/// <summary>
/// How the chaos platform is configured beyond `memplat up`'s defaults, and why: faults must be noticed and repaired
/// within a run of minutes, not the production timeouts meant to ride out slow networks.
/// </summary>
public static class ChaosSettings
{
    /// <summary>The per-tenant rate limit would turn the flood into 429s before any request reached validation.</summary>
    public static IReadOnlyDictionary<string, string> UnlimitedRate { get; } = new Dictionary<string, string>
    {
        ["Gateway__RateLimit__TokenLimit"] = "1000000",
        ["Gateway__RateLimit__TokensPerPeriod"] = "1000000",
    };

    public static IReadOnlyDictionary<string, string> Silo(ChaosOptions options) => new Dictionary<string, string>
    {
        ["Silo__Membership__HeartbeatPeriod"] = "00:00:01",   // a SIGKILLed silo is declared dead after 3 s of silence
        ["Grains__EncodeQueue__ClaimIdleTime"] = "00:00:05",  // its pending encodes move to a live silo 5 s later
        ["Grains__EncodeQueue__ClaimPeriod"] = "00:00:01",
        ["Grains__EncodeQueue__StallTimeout"] = "00:00:20",   // jobs lost in a crash are queued again after 20 s
        ["Grains__Batching__MaxQueueLength"] = options.QueueLength.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>A 1 MB body limit keeps the oversized-body flood cheap (the limit is the same code path at any size).</summary>
    public static IReadOnlyDictionary<string, string> Gateway(ChaosOptions options) => new Dictionary<string, string>(UnlimitedRate)
    {
        ["Gateway__MaxRequestBodyBytes"] = MaxBodyBytes.ToString(CultureInfo.InvariantCulture),
    };

    public const int MaxBodyBytes = 1 << 20;
}
