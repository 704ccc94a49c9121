using MemoryPlatform.ModelCore.Native;

namespace MemoryPlatform.ModelCore.Tensors;

/// <summary>
/// Mixed precision as torch.autocast: inside the region, matmuls and linear layers run in the
/// autocast dtype (bf16 by default) while numerically sensitive ops stay in float32. On this CPU,
/// bf16 matmul is many times faster than float32 (AMX through oneDNN).
/// </summary>
public static class Autocast
{
    public static ModeRestorer Enable(DType dtype = DType.BFloat16, DeviceType device = DeviceType.Cpu)
    {
        TorchNative.Check(TorchNative.mp_autocast_get((int)device, out var wasEnabled, out var wasDtype));
        TorchNative.Check(TorchNative.mp_autocast_set((int)device, 1, (int)dtype));
        return new ModeRestorer(() => TorchNative.Check(TorchNative.mp_autocast_set((int)device, wasEnabled, wasDtype)));
    }

    public static bool IsEnabled(DeviceType device = DeviceType.Cpu)
    {
        TorchNative.Check(TorchNative.mp_autocast_get((int)device, out var enabled, out _));
        return enabled != 0;
    }
}
