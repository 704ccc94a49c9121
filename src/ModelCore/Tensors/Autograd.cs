using MemoryPlatform.ModelCore.Native;

namespace MemoryPlatform.ModelCore.Tensors;

// Autograd on the tensor: leaf flags, gradients, backward.
public sealed partial class Tensor
{
    /// <summary>Whether autograd records operations on this tensor (trainable parameters set it).</summary>
    public bool RequiresGrad
    {
        get
        {
            TorchNative.Check(TorchNative.mp_tensor_requires_grad(Raw, out var v));
            return v != 0;
        }
        set => TorchNative.Check(TorchNative.mp_tensor_set_requires_grad(Raw, value ? 1 : 0));
    }

    /// <summary>The accumulated gradient (a new handle to it), or null before any backward.</summary>
    public Tensor? Grad
    {
        get
        {
            TorchNative.Check(TorchNative.mp_tensor_grad(Raw, out var g));
            return g == 0 ? null : Wrap(g);
        }
        set => TorchNative.Check(TorchNative.mp_tensor_set_grad(Raw, value?.Raw ?? 0));
    }

    /// <summary>Back-propagates from this (scalar) tensor, accumulating into leaves' gradients.</summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) =>
        TorchNative.Check(TorchNative.mp_backward(Raw, gradient?.Raw ?? 0, retainGraph ? 1 : 0));
}

/// <summary>Thread-local autograd switch, as torch.no_grad().</summary>
public static class Autograd
{
    public static bool IsEnabled
    {
        get
        {
            TorchNative.Check(TorchNative.mp_grad_enabled(out var v));
            return v != 0;
        }
        set => TorchNative.Check(TorchNative.mp_set_grad_enabled(value ? 1 : 0));
    }

    /// <summary><c>using (Autograd.NoGrad()) { ... }</c>: inference without building a graph.</summary>
    public static ModeRestorer NoGrad() => Set(false);

    public static ModeRestorer EnableGrad() => Set(true);

    private static ModeRestorer Set(bool enabled)
    {
        var previous = IsEnabled;
        IsEnabled = enabled;
        return new ModeRestorer(() => IsEnabled = previous);
    }
}

/// <summary>Restores a thread-local mode when disposed.</summary>
public readonly struct ModeRestorer(Action restore) : IDisposable
{
    public void Dispose() => restore();
}
