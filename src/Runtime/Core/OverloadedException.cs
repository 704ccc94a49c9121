namespace MemoryPlatform.Runtime.Core;

/// <summary>
/// The target refused the request because its queue is full (an activation's mailbox limit, or a
/// grain's own bounded queue). Nothing ran; the front end maps it to HTTP 429.
/// </summary>
public sealed class OverloadedException(string message) : Exception(message);
