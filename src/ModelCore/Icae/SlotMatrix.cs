using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Runtime.InteropServices;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Icae;

/// <summary>
/// Memory slots: <see cref="Rows"/> × <see cref="Dim"/> values, row-major. <see cref="DType"/> tells how they were
/// stored (and so how much precision was lost).
/// </summary>
/// <remarks>
/// A matrix read from a float16 blob keeps the blob's validated payload and converts it to float32 only when
/// <see cref="Values"/> is first read; <see cref="ToTensor"/> hands the float16 bytes to libtorch as they are, so a
/// query that only feeds slots to the decoder never builds float32 arrays (the decoder wants bf16 anyway).
/// </remarks>
public sealed class SlotMatrix
{
    private readonly ReadOnlyMemory<byte> float16Payload;
    private float[]? values;

    public int Rows { get; }
    public int Dim { get; }
    public SlotDType DType { get; }

    public SlotMatrix(float[] values, int rows, int dim, SlotDType dtype)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.LongLength != (long)rows * dim)
            throw new ArgumentException($"a {rows} × {dim} slot matrix needs {(long)rows * dim} values, got {values.Length}", nameof(values));
        this.values = values;
        Rows = rows;
        Dim = dim;
        DType = dtype;
    }

    /// <summary>Over a validated little-endian float16 payload (rows × dim binary16 values, all finite).</summary>
    internal SlotMatrix(ReadOnlyMemory<byte> float16Payload, int rows, int dim)
    {
        this.float16Payload = float16Payload;
        Rows = rows;
        Dim = dim;
        DType = SlotDType.Float16;
    }

    /// <summary>The values as float32, row-major (converted from the stored float16 on first use).</summary>
    public float[] Values => values ??= ToFloat32(float16Payload.Span);

    /// <summary>Row <paramref name="row"/> as a span over <see cref="Values"/>.</summary>
    public ReadOnlySpan<float> Row(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
        return Values.AsSpan(row * Dim, Dim);
    }

    /// <summary>A new CPU tensor [Rows, Dim]: float16 when the matrix still holds its stored payload, else float32.</summary>
    public Tensor ToTensor() => values is null
        ? Tensor.FromBytes(float16Payload.Span, Tensors.DType.Float16, Rows, Dim)
        : Tensor.From(values, Rows, Dim);

    private static float[] ToFloat32(ReadOnlySpan<byte> payload)
    {
        var result = new float[payload.Length / 2];
        if (BitConverter.IsLittleEndian) TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(payload), result);
        else
            for (var i = 0; i < result.Length; i++) result[i] = (float)System.Buffers.Binary.BinaryPrimitives.ReadHalfLittleEndian(payload[(2 * i)..]);
        return result;
    }
}
