namespace MemoryPlatform.Runtime.Membership;

/// <summary>Life cycle of a silo row. Only Active silos receive new placements; Dead is final.</summary>
public enum SiloStatus
{
    Joining,
    Active,
    ShuttingDown,
    Dead,
}
