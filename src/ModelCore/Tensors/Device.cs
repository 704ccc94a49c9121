namespace MemoryPlatform.ModelCore.Tensors;

public enum DeviceType { Cpu = 0, Cuda = 1 }

/// <summary>Where a tensor lives: <c>cpu</c> or <c>cuda:N</c>.</summary>
public readonly record struct Device(DeviceType Type, int Index = 0)
{
    public static readonly Device Cpu = new(DeviceType.Cpu);

    public static Device Cuda(int index = 0) => new(DeviceType.Cuda, index);

    public static Device Parse(string text)
    {
        var s = text.Trim().ToLowerInvariant();
        if (s == "cpu") return Cpu;
        if (s == "cuda") return Cuda();
        if (s.StartsWith("cuda:") && int.TryParse(s.AsSpan(5), out var i) && i >= 0) return Cuda(i);
        throw new ArgumentException($"unknown device '{text}' (expected cpu, cuda or cuda:N)");
    }

    /// <summary>Fails early, with a clear message, when a CUDA device is asked of a CPU-only libtorch.</summary>
    public void EnsureAvailable()
    {
        if (Type != DeviceType.Cuda) return;
        var count = Torch.CudaDeviceCount;
        if (count == 0)
            throw new TorchException($"device {this} requested, but the linked libtorch has no CUDA support or sees no GPU");
        if (Index >= count)
            throw new TorchException($"device {this} requested, but only {count} CUDA device(s) are visible");
    }

    public override string ToString() => Type == DeviceType.Cpu ? "cpu" : $"cuda:{Index}";
}
