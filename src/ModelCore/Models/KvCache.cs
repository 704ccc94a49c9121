using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Models;

/// <summary>
/// Keys and values of every layer for the positions seen so far, after RoPE, in preallocated
/// buffers [B, Hkv, capacity, D] so each decode step writes one slice instead of copying the
/// whole cache; float32 where the attention would cast half-precision keys to float32 anyway. Owns its buffers.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] keys;
    private readonly Tensor?[] values;

    public int Capacity { get; }

    /// <summary>Positions already stored (the same in every layer once a forward pass completes).</summary>
    public int Length { get; private set; }

    public KvCache(int layers, int capacity)
    {
        if (capacity <= 0) throw new ArgumentOutOfRangeException(nameof(capacity), "cache capacity must be positive");
        keys = new Tensor?[layers];
        values = new Tensor?[layers];
        Capacity = capacity;
    }

    /// <summary>Stores k, v [B, Hkv, T, D] of <paramref name="layer"/> after the cached ones; returns every key and value so far.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        var t = k.Size(2);
        if (Length + t > Capacity)
            throw new InvalidOperationException($"KV cache full: {Length} cached + {t} new > capacity {Capacity}");
        if (keys[layer] is null)
        {
            // The composed attention multiplies half-precision keys and values as float32: stored as float32, each new
            // position is converted once here rather than the whole cache at every decode step.
            var storage = Functional.ComposedAttentionCastsToFloat32(k.DType) ? DType.Float32 : k.DType;
            keys[layer] = TensorScope.Escape(Tensor.Zeros([k.Size(0), k.Size(1), Capacity, k.Size(3)], storage, k.Device));
            values[layer] = TensorScope.Escape(Tensor.Zeros([v.Size(0), v.Size(1), Capacity, v.Size(3)], storage, v.Device));
        }
        using (var slot = keys[layer]!.Narrow(2, Length, t)) slot.CopyFrom(k);
        using (var slot = values[layer]!.Narrow(2, Length, t)) slot.CopyFrom(v);
        if (layer == keys.Length - 1) Length += (int)t;
        var total = layer == keys.Length - 1 ? Length : Length + t;
        return (keys[layer]!.Narrow(2, 0, total), values[layer]!.Narrow(2, 0, total));
    }

    public void Dispose()
    {
        foreach (var t in keys) t?.Dispose();
        foreach (var t in values) t?.Dispose();
    }
}
