using MemoryPlatform.ModelCore.Native;

namespace MemoryPlatform.ModelCore.Tensors;

/// <summary>Process-wide libtorch settings and facts.</summary>
public static class Torch
{
    /// <summary>Seeds libtorch's default generators (CPU and CUDA) so random draws repeat.</summary>
    public static void ManualSeed(ulong seed) => TorchNative.Check(TorchNative.mp_manual_seed(seed));

    /// <summary>Intra-op threads used by libtorch kernels.</summary>
    public static int Threads
    {
        get
        {
            TorchNative.Check(TorchNative.mp_get_num_threads(out var n));
            return n;
        }
        set => TorchNative.Check(TorchNative.mp_set_num_threads(value));
    }

    public static int CudaDeviceCount
    {
        get
        {
            TorchNative.Check(TorchNative.mp_cuda_device_count(out var n));
            return n;
        }
    }

    /// <summary>The libtorch version the shim was compiled against, e.g. 1.13.0.</summary>
    public static Version Version
    {
        get
        {
            TorchNative.Check(TorchNative.mp_version(out var major, out var minor, out var patch));
            return new Version(major, minor, patch);
        }
    }
}
