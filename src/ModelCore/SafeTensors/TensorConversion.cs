using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.SafeTensors;

/// <summary>Bridges safetensors entries and libtorch tensors (dtype mapping, copy in, copy out).</summary>
public static class TensorConversion
{
    public static DType ToDType(this SafeDType t) => t switch
    {
        SafeDType.F64 => DType.Float64,
        SafeDType.F32 => DType.Float32,
        SafeDType.F16 => DType.Float16,
        SafeDType.BF16 => DType.BFloat16,
        SafeDType.I64 => DType.Int64,
        SafeDType.I32 => DType.Int32,
        SafeDType.I16 => DType.Int16,
        SafeDType.I8 => DType.Int8,
        SafeDType.U8 => DType.UInt8,
        SafeDType.BOOL => DType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "unknown safetensors dtype"),
    };

    public static SafeDType ToSafeDType(this DType t) => t switch
    {
        DType.Float64 => SafeDType.F64,
        DType.Float32 => SafeDType.F32,
        DType.Float16 => SafeDType.F16,
        DType.BFloat16 => SafeDType.BF16,
        DType.Int64 => SafeDType.I64,
        DType.Int32 => SafeDType.I32,
        DType.Int16 => SafeDType.I16,
        DType.Int8 => SafeDType.I8,
        DType.UInt8 => SafeDType.U8,
        DType.Bool => SafeDType.BOOL,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "no safetensors dtype"),
    };

    /// <summary>Copies one stored tensor into libtorch, optionally converting its dtype.</summary>
    public static Tensor ReadTensor(this SafeTensorsFile file, string name, DType? dtype = null) =>
        Read(file.GetSpan(name), file[name], dtype);

    public static Tensor ReadTensor(this ShardedCheckpoint checkpoint, string name, DType? dtype = null) =>
        Read(checkpoint.GetSpan(name), checkpoint[name], dtype);

    private static Tensor Read(ReadOnlySpan<byte> bytes, SafeTensorInfo info, DType? dtype)
    {
        var stored = Tensor.FromBytes(bytes, info.DType.ToDType(), info.Shape);
        if (dtype is null || dtype == stored.DType) return stored;
        using (stored) return stored.To(dtype.Value);
    }

    /// <summary>Adds a tensor's current values (copied now) to a writer.</summary>
    public static SafeTensorsWriter Add(this SafeTensorsWriter writer, string name, Tensor tensor) =>
        writer.Add(name, tensor.DType.ToSafeDType(), tensor.Shape, tensor.ToBytes());
}
