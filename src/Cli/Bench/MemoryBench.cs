using System.Text.Json.Nodes;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Models;

namespace MemoryPlatform.Cli.Bench;

/// <summary>
/// `memory` in `memplat bench all`: bytes of one stored span (the slot blob, fp16 and int8, header included) against
/// the KV cache the same span's tokens occupy in the decoder (keys and values of every layer, in the model's dtype).
/// Pure arithmetic on the model's shape: the blob size is what <see cref="SlotBlob"/> writes, byte for byte.
/// </summary>
public static class MemoryBench
{
    /// <summary>Keys and values of <paramref name="tokens"/> positions: tokens · layers · 2 · Hkv · head_dim · bytes.</summary>
    public static long KvCacheBytes(LlamaConfig m, int tokens, int bytesPerValue) =>
        (long)tokens * m.NumHiddenLayers * 2 * m.NumKeyValueHeads * m.HeadDim * bytesPerValue;

    public static BenchOutcome Run(LlamaConfig m, IcaeConfig icae, int kvBytesPerValue)
    {
        int span = icae.SpanLength, k = icae.MemoryTokens, d = m.HiddenSize;
        var fp16 = SlotBlob.SizeOf(k, d, SlotDType.Float16);
        var int8 = SlotBlob.SizeOf(k, d, SlotDType.Int8);
        var kv = KvCacheBytes(m, span, kvBytesPerValue);
        return new BenchOutcome("memory", $"bytes per stored {span}-token span (fp16, int8 slots) vs its KV cache",
            (double)kv / fp16, "KV cache bytes / fp16 slot blob bytes", Target: null,
            $"{span}-token span: fp16 blob {fp16:N0} B, int8 {int8:N0} B, KV cache {kv:N0} B; {(double)kv / fp16:F1}× (fp16), {(double)kv / int8:F1}× (int8)",
            new JsonObject
            {
                ["span_tokens"] = span, ["slots"] = k, ["dim"] = d,
                ["fp16_blob_bytes"] = fp16, ["int8_blob_bytes"] = int8,
                ["kv_cache_bytes"] = kv, ["kv_bytes_per_value"] = kvBytesPerValue,
                ["kv_over_fp16"] = (double)kv / fp16, ["kv_over_int8"] = (double)kv / int8,
            });
    }
}
