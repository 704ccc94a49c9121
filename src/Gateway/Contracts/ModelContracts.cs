namespace MemoryPlatform.Gateway.Contracts;

/// <summary>
/// GET /v1/model: what a client needs to put a document's memory in perspective. A span of
/// <c>span_length</c> tokens becomes <c>slots_per_span</c> slots of <c>hidden_size</c> values
/// (<c>slot_bytes_per_span</c> stored); the same tokens held as a decoder KV cache cost
/// <c>kv_bytes_per_token</c> each (2 × layers × kv_heads × head_dim × bytes per value).
/// </summary>
public sealed record ModelResponse(
    string Name, int SpanLength, int SlotsPerSpan, int HiddenSize, int Layers, int KvHeads, int HeadDim,
    int SlotBytesPerValue, long SlotBytesPerSpan, long KvBytesPerToken, int MaxDecoderPositions);
