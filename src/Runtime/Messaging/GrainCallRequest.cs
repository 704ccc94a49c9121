using System.Text.Json;
using System.Text.Json.Serialization;
using MemoryPlatform.Runtime.Core;

namespace MemoryPlatform.Runtime.Messaging;

/// <summary>One grain call as it travels: local calls use the same record (arguments are always
/// serialized, so caller and grain never share mutable objects, as Orleans deep-copies).</summary>
internal sealed record GrainCallRequest
{
    public required string GrainType { get; init; }
    public required string Key { get; init; }

    /// <summary><see cref="GrainMethod.Name"/>.</summary>
    public required string Method { get; init; }

    /// <summary>Arguments without the CancellationToken.</summary>
    public required JsonElement[] Arguments { get; init; }

    /// <summary>Time left to the caller's deadline when sent; the callee cancels after it. 0 = none (streams).</summary>
    public int TimeoutMs { get; init; }

    public int ForwardCount { get; init; }

    [JsonIgnore]
    public GrainId GrainId => new(GrainType, Key);
}
