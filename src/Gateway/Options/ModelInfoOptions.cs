namespace MemoryPlatform.Gateway.Options;

/// <summary>
/// Shape of the served model (section <c>Gateway:Model</c>), shown by <c>GET /v1/model</c> so that clients can
/// compare a document's memory with its raw text and with the KV cache the same tokens would need.
/// Set it to the deployed checkpoint's config.json; the defaults describe the project's default tiny model.
/// </summary>
public sealed class ModelInfoOptions
{
    public string Name { get; set; } = "memplat-tiny";
    public int SpanLength { get; set; } = 512;
    public int SlotsPerSpan { get; set; } = 128;
    public int HiddenSize { get; set; } = 256;
    public int Layers { get; set; } = 4;
    public int KvHeads { get; set; } = 2;
    public int HeadDim { get; set; } = 64;

    /// <summary>Bytes per stored slot value (fp16: 2, int8: 1 plus per-row scales).</summary>
    public int SlotBytesPerValue { get; set; } = 2;

    /// <summary>Bytes per KV-cache value of the decoder (bf16/fp16: 2).</summary>
    public int KvBytesPerValue { get; set; } = 2;

    /// <summary>Context positions the decoder reads at its largest E²-LLM scale.</summary>
    public int MaxDecoderPositions { get; set; } = 8192;
}
