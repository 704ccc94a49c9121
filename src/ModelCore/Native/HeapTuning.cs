using System.Runtime.InteropServices;

namespace MemoryPlatform.ModelCore.Native;

/// <summary>
/// glibc malloc settings for libtorch's CPU tensors, applied once before the first native call. By default glibc hands
/// every freed block above a dynamic mmap threshold back to the kernel and trims the heap eagerly, so a forward pass
/// that frees and re-allocates activations of the same sizes (a 2 MB attention score block per layer) page-faults them
/// in again on every call: about 15% of an ICAE encode's CPU time on the 2-core machine (docs/benchmarks.md). Blocks up
/// to 32 MB (glibc's ceiling for M_MMAP_THRESHOLD) are kept in the heap, which is trimmed only past 256 MB of free top.
/// Skipped where the person running the process set glibc's own MALLOC_* variables, and where there is no glibc.
/// </summary>
internal static partial class HeapTuning
{
    private const int MTrimThreshold = -1, MMmapThreshold = -3;   // malloc.h
    private const int MmapThreshold = 32 << 20, TrimThreshold = 256 << 20;

    internal static void Apply()
    {
        if (!OperatingSystem.IsLinux()) return;
        if (Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is not null
            || Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is not null) return;
        try
        {
            mallopt(MMmapThreshold, MmapThreshold);
            mallopt(MTrimThreshold, TrimThreshold);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc (musl has no such knobs): its allocator keeps its own policy.
        }
    }

    [LibraryImport("libc")]
    private static partial int mallopt(int param, int value);
}
