namespace MemoryPlatform.Runtime.Directory;

/// <summary>Where a grain's single activation lives. Stored as JSON; Lua reads activationId and siloId.</summary>
public sealed record DirectoryEntry(string ActivationId, string SiloId, string Address);
