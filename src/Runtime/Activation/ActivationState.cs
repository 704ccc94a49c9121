namespace MemoryPlatform.Runtime.Activation;

internal enum ActivationState
{
    /// <summary>Registering in the directory and running OnActivateAsync; requests wait.</summary>
    Activating,
    Valid,
    /// <summary>Mailbox closed; draining, then OnDeactivateAsync, then unregistering.</summary>
    Deactivating,
    Deactivated,
}
