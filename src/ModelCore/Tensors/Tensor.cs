using System.Runtime.InteropServices;
using MemoryPlatform.ModelCore.Native;

namespace MemoryPlatform.ModelCore.Tensors;

/// <summary>
/// A libtorch tensor. Owns its native handle: dispose it, or create it inside a
/// <see cref="TensorScope"/> that frees it. Operations live in the partial files beside this one
/// (creation, shape, math, neural-network functions, autograd).
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly TensorHandle handle;
    private long[]? shape;

    /// <summary>The scope that will free this tensor, if any.</summary>
    internal TensorScope? Scope { get; set; }

    private Tensor(nint raw)
    {
        handle = new TensorHandle(raw);
        TensorScope.Track(this);
    }

    internal static Tensor Wrap(nint raw) =>
        raw == 0 ? throw new TorchException("libtorch returned an undefined tensor") : new Tensor(raw);

    internal nint Raw =>
        handle.IsClosed ? throw new ObjectDisposedException(nameof(Tensor), "tensor used after it was disposed") : handle.DangerousGetHandle();

    public bool IsDisposed => handle.IsClosed;

    public void Dispose() => handle.Dispose();

    // ---- metadata ----

    public unsafe long[] Shape
    {
        get
        {
            if (shape is not null) return shape;
            TorchNative.Check(TorchNative.mp_tensor_ndim(Raw, out var nd));
            var s = new long[nd];
            fixed (long* p = s) TorchNative.Check(TorchNative.mp_tensor_sizes(Raw, p, nd));
            return shape = s;
        }
    }

    public int Dim => Shape.Length;

    public long Size(int dim) => Shape[dim < 0 ? dim + Dim : dim];

    public long NumElements
    {
        get
        {
            long n = 1;
            foreach (var d in Shape) n *= d;
            return n;
        }
    }

    public DType DType
    {
        get
        {
            TorchNative.Check(TorchNative.mp_tensor_dtype(Raw, out var t));
            return (DType)t;
        }
    }

    public Device Device
    {
        get
        {
            TorchNative.Check(TorchNative.mp_tensor_device(Raw, out var type, out var index));
            return new Device((DeviceType)type, index);
        }
    }

    public override string ToString() => $"Tensor[{string.Join(", ", Shape)}] {DType} {Device}";

    // ---- data in and out ----

    /// <summary>Copies <paramref name="data"/> into a new CPU tensor; no shape means 1-D.</summary>
    public static Tensor From<T>(T[] data, params long[] shape) where T : unmanaged =>
        FromSpan((ReadOnlySpan<T>)data, shape.Length == 0 ? [data.Length] : shape);

    /// <summary>Copies <paramref name="data"/> into a new CPU tensor of exactly <paramref name="shape"/> ([] is a scalar).</summary>
    public static unsafe Tensor FromSpan<T>(ReadOnlySpan<T> data, long[] shape) where T : unmanaged
    {
        var count = ShapeSize(shape);
        if (count != data.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {count} elements, data has {data.Length}");
        fixed (T* d = data)
        fixed (long* s = shape)
        {
            TorchNative.Check(TorchNative.mp_tensor_from_data(d, (int)DTypeExtensions.Of<T>(), s, shape.Length, out var raw));
            return Wrap(raw);
        }
    }

    /// <summary>A tensor over raw little-endian bytes of <paramref name="dtype"/> (e.g. a safetensors entry).</summary>
    public static unsafe Tensor FromBytes(ReadOnlySpan<byte> bytes, DType dtype, params long[] shape)
    {
        var count = ShapeSize(shape);
        if (count * dtype.ElementSize() != bytes.Length)
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] of {dtype} needs {count * dtype.ElementSize()} bytes, got {bytes.Length}");
        fixed (byte* d = bytes)
        fixed (long* s = shape)
        {
            TorchNative.Check(TorchNative.mp_tensor_from_data(d, (int)dtype, s, shape.Length, out var raw));
            return Wrap(raw);
        }
    }

    /// <summary>Copies the elements out (converting dtype and device as needed), in row-major order.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var want = DTypeExtensions.Of<T>();
        if (DType == want) return CopyOut<T>(this);
        using var converted = To(want);
        return CopyOut<T>(converted);
    }

    /// <summary>The raw bytes of this tensor in its own dtype, row-major.</summary>
    public unsafe byte[] ToBytes()
    {
        var bytes = new byte[NumElements * DType.ElementSize()];
        fixed (byte* p = bytes) TorchNative.Check(TorchNative.mp_tensor_copy_to(Raw, p, bytes.Length));
        return bytes;
    }

    private static unsafe T[] CopyOut<T>(Tensor t) where T : unmanaged
    {
        var result = new T[t.NumElements];
        fixed (T* p = result) TorchNative.Check(TorchNative.mp_tensor_copy_to(t.Raw, p, (long)result.Length * sizeof(T)));
        return result;
    }

    /// <summary>The single value of a one-element tensor.</summary>
    public T Item<T>() where T : unmanaged
    {
        if (NumElements != 1) throw new InvalidOperationException($"Item() needs a one-element tensor, got {this}");
        return ToArray<T>()[0];
    }

    /// <summary>A second, independently disposable handle to this same tensor.</summary>
    public Tensor Alias()
    {
        TorchNative.Check(TorchNative.mp_tensor_alias(Raw, out var raw));
        return Wrap(raw);
    }

    internal static long ShapeSize(ReadOnlySpan<long> shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"negative dimension {d} in shape");
            n *= d;
        }
        return n;
    }
}
