namespace MemoryPlatform.ModelCore.Tensors;

// Creation: zeros, ones, full, arange, seeded random. Random draws follow Torch.ManualSeed.
public sealed partial class Tensor
{
    private static readonly AtenOp ZerosOp = new("aten::zeros");
    private static readonly AtenOp OnesOp = new("aten::ones");
    private static readonly AtenOp FullOp = new("aten::full");
    private static readonly AtenOp EmptyOp = new("aten::empty", "memory_format");
    private static readonly AtenOp ArangeOp = new("aten::arange", "start_step");
    private static readonly AtenOp RandOp = new("aten::rand");
    private static readonly AtenOp RandnOp = new("aten::randn");
    private static readonly AtenOp RandintOp = new("aten::randint", "low");
    private static readonly AtenOp ZerosLikeOp = new("aten::zeros_like");

    private static Arg DeviceArg(Device? device)
    {
        if (device is null) return Arg.None;
        device.Value.EnsureAvailable();
        return device.Value;
    }

    public static Tensor Zeros(long[] shape, DType dtype = DType.Float32, Device? device = null) =>
        ZerosOp.Call(shape, dtype, Arg.None, DeviceArg(device), Arg.None);

    public static Tensor Ones(long[] shape, DType dtype = DType.Float32, Device? device = null) =>
        OnesOp.Call(shape, dtype, Arg.None, DeviceArg(device), Arg.None);

    public static Tensor Full(long[] shape, double value, DType dtype = DType.Float32, Device? device = null) =>
        FullOp.Call(shape, value, dtype, Arg.None, DeviceArg(device), Arg.None);

    public static Tensor Empty(long[] shape, DType dtype = DType.Float32, Device? device = null) =>
        EmptyOp.Call(shape, dtype, Arg.None, DeviceArg(device), Arg.None, Arg.None);

    /// <summary>[start, end) with the given step, as int64 unless a dtype is given.</summary>
    public static Tensor Arange(long start, long end, long step = 1, DType dtype = DType.Int64, Device? device = null) =>
        ArangeOp.Call(start, end, step, dtype, Arg.None, DeviceArg(device), Arg.None);

    public static Tensor Arange(long end, DType dtype = DType.Int64, Device? device = null) => Arange(0, end, 1, dtype, device);

    /// <summary>Uniform on [0, 1).</summary>
    public static Tensor Rand(long[] shape, DType dtype = DType.Float32, Device? device = null) =>
        RandOp.Call(shape, dtype, Arg.None, DeviceArg(device), Arg.None);

    /// <summary>Standard normal.</summary>
    public static Tensor Randn(long[] shape, DType dtype = DType.Float32, Device? device = null) =>
        RandnOp.Call(shape, dtype, Arg.None, DeviceArg(device), Arg.None);

    /// <summary>Integers uniform on [low, high).</summary>
    public static Tensor RandInt(long low, long high, long[] shape, Device? device = null) =>
        RandintOp.Call(low, high, shape, DType.Int64, Arg.None, DeviceArg(device), Arg.None);

    public Tensor ZerosLike() => ZerosLikeOp.Call(this, Arg.None, Arg.None, Arg.None, Arg.None, Arg.None);

    public static Tensor Scalar(double value, DType dtype = DType.Float32) => Full([], value, dtype);
}
