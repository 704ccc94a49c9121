namespace MemoryPlatform.ModelCore;

/// <summary>An error raised by libtorch (bad shape, dtype, index, device...), carrying its message.</summary>
public sealed class TorchException(string message) : Exception(message);
