namespace MemoryPlatform.ModelCore.Tensors;

internal enum ArgKind
{
    None = 0, Tensor = 1, Int = 2, Double = 3, Bool = 4, IntList = 5, TensorList = 6,
    OptionalTensorList = 7, Device = 8, String = 9, DoubleList = 10,
}

/// <summary>
/// One argument of a boxed ATen call, in schema order. Implicit conversions keep the typed
/// wrappers readable: <c>Op.Call(x, dim, keepdim)</c>. Scalars of ATen schemas take numbers;
/// <c>ScalarType</c> takes a <see cref="DType"/>; optional arguments take <see cref="None"/>.
/// </summary>
public readonly struct Arg
{
    internal readonly ArgKind Kind;
    internal readonly long I;
    internal readonly double D;
    internal readonly object? Ref;

    private Arg(ArgKind kind, long i = 0, double d = 0, object? r = null)
    {
        Kind = kind;
        I = i;
        D = d;
        Ref = r;
    }

    public static readonly Arg None = default;

    public static implicit operator Arg(Tensor? t) => t is null ? None : new(ArgKind.Tensor, r: t);
    public static implicit operator Arg(long v) => new(ArgKind.Int, i: v);
    public static implicit operator Arg(int v) => new(ArgKind.Int, i: v);
    public static implicit operator Arg(double v) => new(ArgKind.Double, d: v);
    public static implicit operator Arg(bool v) => new(ArgKind.Bool, i: v ? 1 : 0);
    public static implicit operator Arg(long[] v) => new(ArgKind.IntList, r: v);
    public static implicit operator Arg(Tensor[] v) => new(ArgKind.TensorList, r: v);
    public static implicit operator Arg(Device v) => new(ArgKind.Device, i: v.Index, d: (int)v.Type);
    public static implicit operator Arg(string v) => new(ArgKind.String, r: v);
    public static implicit operator Arg(DType v) => new(ArgKind.Int, i: (int)v);

    /// <summary>A <c>Tensor?[]</c> argument (advanced indexing), where null entries mean "all".</summary>
    public static Arg OptionalTensors(Tensor?[] v) => new(ArgKind.OptionalTensorList, r: v);

    public static Arg Doubles(double[] v) => new(ArgKind.DoubleList, r: v);

    /// <summary>An optional <c>int[]?</c>/<c>ScalarType?</c>: None when null.</summary>
    public static Arg Optional(long[]? v) => v is null ? None : v;
    public static Arg Optional(DType? v) => v is null ? None : v.Value;
    public static Arg Optional(double? v) => v is null ? None : v.Value;
}
