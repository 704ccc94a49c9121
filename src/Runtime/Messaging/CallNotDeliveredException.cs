namespace MemoryPlatform.Runtime.Messaging;

/// <summary>
/// The request certainly did not reach a grain (connection refused, directory unreachable, activation
/// lost the directory race too often, silo shutting down). Only this failure is retried by the router,
/// so a retry never runs a grain method twice.
/// </summary>
internal sealed class CallNotDeliveredException(string message, Exception? inner = null) : Exception(message, inner);
