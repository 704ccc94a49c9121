namespace MemoryPlatform.Runtime.Core;

public enum DeactivationReason
{
    /// <summary>No request for longer than the collection age.</summary>
    IdleTimeout,
    /// <summary>The grain asked for it (<see cref="Grain.DeactivateOnIdle"/>).</summary>
    DeactivateOnIdle,
    /// <summary>The silo is stopping gracefully.</summary>
    SiloShutdown,
    /// <summary>Another silo owns the grain's directory entry (after Redis lost control data).</summary>
    DirectoryConflict,
}
