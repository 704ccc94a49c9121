using MemoryPlatform.ModelCore.Generation;
using MemoryPlatform.ModelCore.Icae;

namespace MemoryPlatform.Grains.Models;

/// <summary>
/// One silo's model on one device, behind a bounded queue with dynamic batching. Key: "{siloId}/{device}".
/// </summary>
/// <remarks>
/// Why not a runtime grain: placement is a rendezvous hash over silo addresses with no local-placement hook,
/// so a grain keyed by silo would usually activate on another silo, and every call would carry slot matrices
/// (k × d floats per span) as JSON over HTTP/2 to reach a device that is not the caller's. A model grain is
/// therefore what Orleans calls a stateless worker with one activation per silo: a silo-local object, created
/// when the silo starts and gone when it stops, reached through <see cref="LocalModelGrains"/> by the silo's
/// own id. Work for other silos' devices travels as small span jobs over the encode stream, not as tensors.
/// </remarks>
public interface IModelGrain
{
    string Key { get; }
    string Device { get; }
    ModelFingerprint Fingerprint { get; }
    int SpanLength { get; }
    int SlotsPerSpan { get; }
    int HiddenSize { get; }
    int MaxDecoderPositions { get; }
    int RopeScaleFor(int positions);

    /// <summary>Items waiting (not yet running).</summary>
    int QueueLength { get; }

    Task<int[]> TokenizeAsync(string text, CancellationToken ct);
    Task<string> DetokenizeAsync(IReadOnlyList<int> ids, CancellationToken ct);

    /// <summary>Queues the spans (batched with other callers' spans); the slots of each, row-major [k × d].</summary>
    /// <exception cref="MemoryPlatform.Runtime.Core.OverloadedException">The queue cannot take them all; none was queued.</exception>
    Task<IReadOnlyList<float[]>> EncodeAsync(IReadOnlyList<int[]> spans, CancellationToken ct);

    /// <summary>Queues one prompt (batched with other prompts of equal options); streams its tokens (Request = 0).</summary>
    /// <exception cref="MemoryPlatform.Runtime.Core.OverloadedException">The queue is full (thrown by the first MoveNextAsync).</exception>
    IAsyncEnumerable<GeneratedToken> GenerateAsync(MemoryPrompt prompt, GenerationOptions options, CancellationToken ct);
}
