namespace MemoryPlatform.Runtime.Core;

/// <summary>
/// Overrides the default call timeout (30 s) for one interface method, e.g. a long generation.
/// For IAsyncEnumerable methods the timeout bounds the wait for each next item.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CallTimeoutAttribute(double seconds) : Attribute
{
    public TimeSpan Timeout { get; } = TimeSpan.FromSeconds(seconds);
}
