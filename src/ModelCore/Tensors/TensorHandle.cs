using System.Runtime.InteropServices;
using MemoryPlatform.ModelCore.Native;

namespace MemoryPlatform.ModelCore.Tensors;

/// <summary>Owns one native at::Tensor*; released exactly once, by Dispose or, as a last resort, the finalizer.</summary>
internal sealed class TensorHandle : SafeHandle
{
    public TensorHandle(nint raw) : base(0, ownsHandle: true) => SetHandle(raw);

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        TorchNative.mp_tensor_free(handle);
        return true;
    }
}
