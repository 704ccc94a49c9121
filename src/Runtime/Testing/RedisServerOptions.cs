namespace MemoryPlatform.Runtime.Testing;

public sealed record RedisServerOptions
{
    /// <summary>Append-only file with appendfsync everysec (control-data setting); restarts keep the data.</summary>
    public bool AppendOnly { get; init; }

    /// <summary>0 picks a free port.</summary>
    public int Port { get; init; }

    /// <summary>Null: a fresh temporary directory, deleted on dispose.</summary>
    public string? DataDirectory { get; init; }

    public string ExecutablePath { get; init; } = "redis-server";

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(20);
}
