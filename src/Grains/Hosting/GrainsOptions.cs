using MemoryPlatform.ModelCore.Icae;

namespace MemoryPlatform.Grains.Hosting;

/// <summary>
/// Everything the grains are configured with; bound from the "Grains" configuration section, e.g.
/// <c>Grains__ControlRedis=redis-ctl:6379 Grains__SlotRedis=redis-mem:6379 Grains__Model__Device=cuda:0
/// Grains__Batching__MaxEncodeBatch=16 Grains__Quotas__MaxDocuments=1000</c>.
/// </summary>
public sealed record GrainsOptions
{
    /// <summary>Control data (document metadata, tokens, tenants, the encode stream): noeviction + AOF.</summary>
    public string ControlRedis { get; init; } = "localhost:6379";

    /// <summary>Slot blobs; null or empty = the control instance. May use an eviction policy (evicted spans re-encode).</summary>
    public string? SlotRedis { get; init; }

    public ModelOptions Model { get; init; } = new();
    public BatchingOptions Batching { get; init; } = new();
    public EncodeQueueOptions EncodeQueue { get; init; } = new();
    public QuotaOptions Quotas { get; init; } = new();

    /// <summary>How slot blobs are stored (Float16 by default; Int8 halves the bytes at some precision).</summary>
    public SlotDType SlotDType { get; init; } = SlotDType.Float16;

    /// <summary>Most documents one query may read (this one plus request.Documents).</summary>
    public int MaxQueryDocuments { get; init; } = 16;

    /// <summary>Most tokens one query may generate.</summary>
    public int MaxQueryTokens { get; init; } = 1024;
}

/// <summary>The model a silo serves (the "Grains:Model" section).</summary>
public sealed record ModelOptions
{
    /// <summary>Directory of the base model (HF layout: config.json, model.safetensors, tokenizer.model).</summary>
    public string? Path { get; init; }

    /// <summary>Directory or file of the ICAE adapter (LoRA + memory token table).</summary>
    public string? AdapterPath { get; init; }

    /// <summary>Device the model grain runs on: "cpu", "cuda", "cuda:1".</summary>
    public string Device { get; init; } = "cpu";
}

/// <summary>The model grain's bounded queue and dynamic batching (the "Grains:Batching" section).</summary>
public sealed record BatchingOptions
{
    /// <summary>
    /// Most spans per encode call (B). Default 1: kernels block (and so round) differently at other batch shapes, so
    /// only a fixed shape gives byte-identical slots whichever silo encodes a span; on CPU one 512-token span per call
    /// is already as fast per token as a batch (docs/benchmarks.md). GPU silos raise it for throughput.
    /// </summary>
    public int MaxEncodeBatch { get; init; } = 1;

    /// <summary>
    /// Most prompts per generation call (B). A decode step costs about the same for 1 and for 8 prompts on CPU (it is
    /// bound by per-operation overhead, not arithmetic) and on GPU (bound by reading the weights), so 8 concurrent
    /// queries decode together rather than in two rounds (`memplat bench all`, decode).
    /// </summary>
    public int MaxGenerateBatch { get; init; } = 8;

    /// <summary>How long the first queued item waits for company before its batch runs anyway (T).</summary>
    public TimeSpan MaxBatchDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Waiting items (spans + prompts) beyond which the model grain refuses with OverloadedException.</summary>
    public int MaxQueueLength { get; init; } = 256;
}

/// <summary>The encode work queue: a Redis Stream with one consumer group (the "Grains:EncodeQueue" section).</summary>
public sealed record EncodeQueueOptions
{
    public string StreamKey { get; init; } = "memplat:encode";
    public string Group { get; init; } = "encoders";

    /// <summary>Entries read per XREADGROUP (one model batch's worth is a good value).</summary>
    public int ReadCount { get; init; } = 8;

    /// <summary>A pending entry idle this long belongs to a consumer presumed dead: XAUTOCLAIM takes it.</summary>
    public TimeSpan ClaimIdleTime { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a consumer looks for entries to claim.</summary>
    public TimeSpan ClaimPeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Polling back-off bounds (StackExchange.Redis 1.2.6 cannot block on XREADGROUP).</summary>
    public TimeSpan MinPollDelay { get; init; } = TimeSpan.FromMilliseconds(10);
    public TimeSpan MaxPollDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Encode attempts of one span on one silo before the document is marked failed.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>
    /// A document whose pending spans made no progress this long has the stream checked for jobs that were lost (and
    /// queues them again) when its status is read; a document also checks when it activates. Longer than
    /// <see cref="ClaimIdleTime"/>, so work held by a dead consumer is claimed before it looks stalled.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>Per-tenant limits (the "Grains:Quotas" section).</summary>
public sealed record QuotaOptions
{
    public int MaxDocuments { get; init; } = 1000;

    /// <summary>Slot bytes of all the tenant's documents (spans × blob size).</summary>
    public long MaxMemoryBytes { get; init; } = 4L << 30;

    /// <summary>Tokens of one document.</summary>
    public int MaxDocumentTokens { get; init; } = 1 << 20;

    /// <summary>UTF-8 bytes of one ingest or append request; larger is a bad request, not a quota.</summary>
    public int MaxTextBytes { get; init; } = 8 << 20;
}
