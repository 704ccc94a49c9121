namespace MemoryPlatform.Cli.Chaos;

/// <summary>
/// What `memplat chaos` runs: the platform (model, silos), the load under faults, and the sizes of the probes.
/// The defaults are the full run; the test suite passes smaller sizes (still real processes and a real redis-server).
/// </summary>
public sealed record ChaosOptions
{
    public required string ModelDir { get; init; }
    public required string AdapterDir { get; init; }

    /// <summary>Where the platforms keep Redis data and logs (emptied first; kept afterwards for inspection).</summary>
    public required string StateDir { get; init; }

    public int Silos { get; init; } = 2;

    /// <summary>Documents ingested while faults are injected; each one is verified at the end.</summary>
    public int Documents { get; init; } = 24;

    /// <summary>Characters per document (the default model's 384-token spans: about two spans).</summary>
    public int DocumentChars { get; init; } = 2000;

    /// <summary>Concurrent query/status clients beside the ingester during the fault phase.</summary>
    public int Workers { get; init; } = 3;

    /// <summary>SIGKILLs of a silo (round robin), each followed by a restart; then one Redis restart.</summary>
    public int SiloKills { get; init; } = 3;

    public TimeSpan FaultInterval { get; init; } = TimeSpan.FromSeconds(10);

    public int MalformedRequests { get; init; } = 10_000;

    /// <summary>Concurrent queries of the overload probe, against a model queue of <see cref="QueueLength"/>.</summary>
    public int OverloadQueries { get; init; } = 200;

    public int QueueLength { get; init; } = 16;

    public int QueryTokens { get; init; } = 8;

    /// <summary>Most RSS growth (gateway + silos, MB) the malformed-request flood may cause and still count as flat.</summary>
    public double MaxRssGrowthMb { get; init; } = 64;

    /// <summary>Most RSS growth (MB) while the overload probe runs.</summary>
    public double MaxOverloadRssGrowthMb { get; init; } = 256;

    /// <summary>How long acknowledged documents may take to become ready once the faults stop.</summary>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public int Seed { get; init; } = 1;
}
