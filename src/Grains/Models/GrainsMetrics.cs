using System.Diagnostics.Metrics;

namespace MemoryPlatform.Grains.Models;

/// <summary>
/// The grains' instruments (meter <c>MemoryPlatform.Grains</c>), tagged with silo and device so that several
/// silos in one process (tests) stay apart. Tokens/s is recorded per batch; rates over time come from the
/// token counters.
/// </summary>
public static class GrainsMetrics
{
    public const string MeterName = "MemoryPlatform.Grains";
    private static readonly Meter Meter = new(MeterName);

    /// <summary>Items waiting in a model grain's queue (kind = encode | generate).</summary>
    public static readonly UpDownCounter<long> QueueLength =
        Meter.CreateUpDownCounter<long>("memplat_model_queue_length", "{item}", "items waiting in the model grain's queue");

    public static readonly Histogram<int> BatchSize =
        Meter.CreateHistogram<int>("memplat_model_batch_size", "{item}", "items per model call");

    /// <summary>Enqueue to result (encode) or to the last token (generate).</summary>
    public static readonly Histogram<double> Latency =
        Meter.CreateHistogram<double>("memplat_model_latency", "s", "time from enqueue to completion");

    public static readonly Counter<long> Tokens =
        Meter.CreateCounter<long>("memplat_model_tokens", "{token}", "tokens encoded or generated");

    public static readonly Histogram<double> TokensPerSecond =
        Meter.CreateHistogram<double>("memplat_model_tokens_per_second", "{token}/s", "throughput of one model call");

    public static readonly Counter<long> Overloaded =
        Meter.CreateCounter<long>("memplat_model_overloaded", "{request}", "requests refused because the queue was full");

    /// <summary>Span encodes finished by a consumer (outcome = encoded | copied | stale | failed).</summary>
    public static readonly Counter<long> Spans =
        Meter.CreateCounter<long>("memplat_encode_spans", "{span}", "span encode jobs finished");

    /// <summary>Pending spans whose stream entry was gone (a Redis crash, a trimmed stream), queued again by their document.</summary>
    public static readonly Counter<long> Requeued =
        Meter.CreateCounter<long>("memplat_encode_requeued", "{span}", "pending spans queued again because their job was lost");

    public static readonly Counter<long> Claimed =
        Meter.CreateCounter<long>("memplat_encode_claimed", "{entry}", "stream entries claimed from idle consumers");

    /// <summary>Stored spans found unusable on read (problem = missing | corrupt | foreignmodel) and queued again.</summary>
    public static readonly Counter<long> UnusableSpans =
        Meter.CreateCounter<long>("memplat_span_unusable", "{span}", "stored spans that had to be re-encoded");
}
