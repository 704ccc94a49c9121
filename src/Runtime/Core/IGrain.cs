namespace MemoryPlatform.Runtime.Core;

/// <summary>
/// Marker for grain interfaces. Methods return Task, Task&lt;T&gt;, ValueTask, ValueTask&lt;T&gt; or
/// IAsyncEnumerable&lt;T&gt;; arguments and results travel as JSON; a CancellationToken parameter
/// receives the call's cancellation (the caller cancelled, or its deadline passed).
/// </summary>
public interface IGrain
{
}

/// <summary>A grain addressed by type + string key.</summary>
public interface IGrainWithStringKey : IGrain
{
}
