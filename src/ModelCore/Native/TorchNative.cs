using System.Runtime.InteropServices;

namespace MemoryPlatform.ModelCore.Native;

/// <summary>Argument/result cell of a boxed operator call; mirrors <c>mp_arg</c> in memplat_torch.h.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeArg
{
    public int Kind;
    public int Aux;
    public long I;
    public double D;
    public nint P;
}

/// <summary>The C ABI of libmemplat_torch.so (src/ModelCore/Native/memplat_torch.h). Every call returns 0 or -1.</summary>
internal static unsafe partial class TorchNative
{
    private const string Lib = "memplat_torch";

    static TorchNative() => HeapTuning.Apply();

    [LibraryImport(Lib)] internal static partial nint mp_last_error();
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mp_op_find(string name, string overload, out nint op);
    [LibraryImport(Lib)] internal static partial int mp_op_schema(nint op, byte* buf, long cap);
    [LibraryImport(Lib)] internal static partial int mp_op_call(nint op, NativeArg* args, int nargs, NativeArg* outs, int maxOuts, out int nOuts);

    [LibraryImport(Lib)] internal static partial void mp_tensor_free(nint t);
    [LibraryImport(Lib)] internal static partial int mp_tensor_from_data(void* data, int dtype, long* shape, int ndim, out nint t);
    [LibraryImport(Lib)] internal static partial int mp_tensor_copy_to(nint t, void* dst, long nbytes);
    [LibraryImport(Lib)] internal static partial int mp_tensor_ndim(nint t, out int ndim);
    [LibraryImport(Lib)] internal static partial int mp_tensor_sizes(nint t, long* sizes, int cap);
    [LibraryImport(Lib)] internal static partial int mp_tensor_dtype(nint t, out int dtype);
    [LibraryImport(Lib)] internal static partial int mp_tensor_device(nint t, out int type, out int index);
    [LibraryImport(Lib)] internal static partial int mp_tensor_alias(nint t, out nint alias);

    [LibraryImport(Lib)] internal static partial int mp_tensor_requires_grad(nint t, out int value);
    [LibraryImport(Lib)] internal static partial int mp_tensor_set_requires_grad(nint t, int value);
    [LibraryImport(Lib)] internal static partial int mp_tensor_grad(nint t, out nint grad);
    [LibraryImport(Lib)] internal static partial int mp_tensor_set_grad(nint t, nint grad);
    [LibraryImport(Lib)] internal static partial int mp_backward(nint t, nint grad, int retainGraph);
    [LibraryImport(Lib)] internal static partial int mp_grad_enabled(out int value);
    [LibraryImport(Lib)] internal static partial int mp_set_grad_enabled(int value);

    [LibraryImport(Lib)] internal static partial int mp_autocast_get(int deviceType, out int enabled, out int dtype);
    [LibraryImport(Lib)] internal static partial int mp_autocast_set(int deviceType, int enabled, int dtype);
    [LibraryImport(Lib)] internal static partial int mp_manual_seed(ulong seed);
    [LibraryImport(Lib)] internal static partial int mp_set_num_threads(int n);
    [LibraryImport(Lib)] internal static partial int mp_get_num_threads(out int n);
    [LibraryImport(Lib)] internal static partial int mp_cuda_device_count(out int n);
    [LibraryImport(Lib)] internal static partial int mp_version(out int major, out int minor, out int patch);

    /// <summary>Throws the native thread's last error as a managed exception when rc signals failure.</summary>
    internal static void Check(int rc)
    {
        if (rc != 0) throw new TorchException(Marshal.PtrToStringUTF8(mp_last_error()) ?? "unknown native error");
    }
}
