namespace MemoryPlatform.Runtime.Activation;

/// <summary>The activation began deactivating before the request was admitted: re-resolve the grain
/// once it is gone. Internal to the silo; never reaches a caller.</summary>
internal sealed class ActivationClosedException() : Exception("activation is deactivating");
