using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Evaluation;

/// <summary>
/// Slots as the platform serves them: each span's [k, d] block encoded into a <see cref="SlotBlob"/> of the given
/// format (what Redis holds) and decoded back, so an evaluation measures the stored precision, not the encoder's.
/// </summary>
public static class SlotRoundTrip
{
    /// <summary>Short names used in reports: fp16, int8.</summary>
    public static string Name(SlotDType format) => format switch
    {
        SlotDType.Float16 => "fp16",
        SlotDType.Int8 => "int8",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown slot format"),
    };

    public static SlotDType Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "fp16" or "float16" => SlotDType.Float16,
        "int8" => SlotDType.Int8,
        _ => throw new ArgumentException($"unknown slot format '{name}' (fp16 or int8)"),
    };

    /// <summary>
    /// Slots [spans, k, d] (any dtype) through blobs of <paramref name="format"/> and back: a new float32 CPU tensor of
    /// the same shape, and the bytes one span's blob takes.
    /// </summary>
    public static (Tensor Slots, long BlobBytes) Apply(Tensor slots, SlotDType format, ModelFingerprint fingerprint)
    {
        ArgumentNullException.ThrowIfNull(slots);
        if (slots.Dim != 3) throw new ArgumentException($"slots must be [spans, k, d], got {slots}");
        int spans = (int)slots.Size(0), k = (int)slots.Size(1), d = (int)slots.Size(2);
        var values = slots.ToArray<float>();
        var restored = new float[values.Length];
        long bytes = 0;
        for (var s = 0; s < spans; s++)
        {
            var block = values.AsSpan(s * k * d, k * d);
            var blob = SlotBlob.Encode(block, k, d, format, fingerprint);
            bytes = blob.Length;
            SlotBlob.Decode(blob, fingerprint).Values.CopyTo(restored, s * k * d);
        }
        return (Tensor.From(restored, spans, k, d), bytes);
    }
}
