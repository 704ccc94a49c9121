namespace MemoryPlatform.Runtime.Core;

// Turn-based by default: an activation runs one request at a time. These opt out, as in Orleans.

/// <summary>The method may run beside any other request of the activation (e.g. a status read, a
/// batching queue's enqueue). Grain code still never runs on two threads at once.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute
{
}

/// <summary>The method does not change state: read-only requests interleave with each other,
/// never with a normal (exclusive) request.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ReadOnlyAttribute : Attribute
{
}

/// <summary>Every method of the grain class interleaves (the class handles its own consistency).</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ReentrantAttribute : Attribute
{
}
