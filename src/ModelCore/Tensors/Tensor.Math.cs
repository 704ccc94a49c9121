namespace MemoryPlatform.ModelCore.Tensors;

// Elementwise math, comparisons, reductions, matmul, dtype/device conversion and in-place updates.
public sealed partial class Tensor
{
    private static readonly AtenOp AddOp = new("aten::add", "Tensor");
    private static readonly AtenOp AddScalarOp = new("aten::add", "Scalar");
    private static readonly AtenOp SubOp = new("aten::sub", "Tensor");
    private static readonly AtenOp MulOp = new("aten::mul", "Tensor");
    private static readonly AtenOp MulScalarOp = new("aten::mul", "Scalar");
    private static readonly AtenOp DivOp = new("aten::div", "Tensor");
    private static readonly AtenOp DivScalarOp = new("aten::div", "Scalar");
    private static readonly AtenOp NegOp = new("aten::neg");
    private static readonly AtenOp ExpOp = new("aten::exp");
    private static readonly AtenOp LogOp = new("aten::log");
    private static readonly AtenOp SqrtOp = new("aten::sqrt");
    private static readonly AtenOp RsqrtOp = new("aten::rsqrt");
    private static readonly AtenOp PowOp = new("aten::pow", "Tensor_Scalar");
    private static readonly AtenOp SinOp = new("aten::sin");
    private static readonly AtenOp CosOp = new("aten::cos");
    private static readonly AtenOp TanhOp = new("aten::tanh");
    private static readonly AtenOp SigmoidOp = new("aten::sigmoid");
    private static readonly AtenOp AbsOp = new("aten::abs");
    private static readonly AtenOp ClampOp = new("aten::clamp");
    private static readonly AtenOp WhereOp = new("aten::where", "self");
    private static readonly AtenOp MaximumOp = new("aten::maximum");
    private static readonly AtenOp MinimumOp = new("aten::minimum");
    private static readonly AtenOp EqOp = new("aten::eq", "Tensor");
    private static readonly AtenOp EqScalarOp = new("aten::eq", "Scalar");
    private static readonly AtenOp NeScalarOp = new("aten::ne", "Scalar");
    private static readonly AtenOp LtScalarOp = new("aten::lt", "Scalar");
    private static readonly AtenOp GtScalarOp = new("aten::gt", "Scalar");
    private static readonly AtenOp LtOp = new("aten::lt", "Tensor");
    private static readonly AtenOp LogicalNotOp = new("aten::logical_not");
    private static readonly AtenOp LogicalAndOp = new("aten::logical_and");
    private static readonly AtenOp SumOp = new("aten::sum");
    private static readonly AtenOp SumDimOp = new("aten::sum", "dim_IntList");
    private static readonly AtenOp MeanOp = new("aten::mean");
    private static readonly AtenOp MeanDimOp = new("aten::mean", "dim");
    private static readonly AtenOp MaxOp = new("aten::max");
    private static readonly AtenOp MaxDimOp = new("aten::max", "dim");
    private static readonly AtenOp MinOp = new("aten::min");
    private static readonly AtenOp ArgmaxOp = new("aten::argmax");
    private static readonly AtenOp NormOp = new("aten::norm", "Scalar");
    private static readonly AtenOp CumsumOp = new("aten::cumsum");
    private static readonly AtenOp TopkOp = new("aten::topk");
    private static readonly AtenOp SortOp = new("aten::sort");
    private static readonly AtenOp MultinomialOp = new("aten::multinomial");
    private static readonly AtenOp AllOp = new("aten::all");
    private static readonly AtenOp IsFiniteOp = new("aten::isfinite");
    private static readonly AtenOp MatmulOp = new("aten::matmul");
    private static readonly AtenOp LinearOp = new("aten::linear");
    private static readonly AtenOp ToDTypeOp = new("aten::to", "dtype");
    private static readonly AtenOp ToDeviceOp = new("aten::to", "device");
    private static readonly AtenOp CloneOp = new("aten::clone");
    private static readonly AtenOp DetachOp = new("aten::detach");
    private static readonly AtenOp AddInPlaceOp = new("aten::add_", "Tensor");
    private static readonly AtenOp MulInPlaceOp = new("aten::mul_", "Tensor");
    private static readonly AtenOp MulScalarInPlaceOp = new("aten::mul_", "Scalar");
    private static readonly AtenOp CopyInPlaceOp = new("aten::copy_");
    private static readonly AtenOp ZeroInPlaceOp = new("aten::zero_");
    private static readonly AtenOp FillInPlaceOp = new("aten::fill_", "Scalar");
    private static readonly AtenOp AddcmulInPlaceOp = new("aten::addcmul_");
    private static readonly AtenOp AddcdivInPlaceOp = new("aten::addcdiv_");
    private static readonly AtenOp LerpInPlaceOp = new("aten::lerp_", "Scalar");

    // ---- elementwise ----
    public Tensor Add(Tensor other, double alpha = 1) => AddOp.Call(this, other, alpha);
    public Tensor Add(double other) => AddScalarOp.Call(this, other, 1);
    public Tensor Sub(Tensor other) => SubOp.Call(this, other, 1);
    public Tensor Mul(Tensor other) => MulOp.Call(this, other);
    public Tensor Mul(double other) => MulScalarOp.Call(this, other);
    public Tensor Div(Tensor other) => DivOp.Call(this, other);
    public Tensor Div(double other) => DivScalarOp.Call(this, other);
    public Tensor Neg() => NegOp.Call(this);
    public Tensor Exp() => ExpOp.Call(this);
    public Tensor Log() => LogOp.Call(this);
    public Tensor Sqrt() => SqrtOp.Call(this);
    public Tensor Rsqrt() => RsqrtOp.Call(this);
    public Tensor Pow(double exponent) => PowOp.Call(this, exponent);
    public Tensor Sin() => SinOp.Call(this);
    public Tensor Cos() => CosOp.Call(this);
    public Tensor Tanh() => TanhOp.Call(this);
    public Tensor Sigmoid() => SigmoidOp.Call(this);
    public Tensor Abs() => AbsOp.Call(this);
    public Tensor Clamp(double? min, double? max) => ClampOp.Call(this, Arg.Optional(min), Arg.Optional(max));
    public static Tensor Where(Tensor condition, Tensor ifTrue, Tensor ifFalse) => WhereOp.Call(condition, ifTrue, ifFalse);
    public Tensor Maximum(Tensor other) => MaximumOp.Call(this, other);
    public Tensor Minimum(Tensor other) => MinimumOp.Call(this, other);

    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    public static Tensor operator +(Tensor a, double b) => a.Add(b);
    public static Tensor operator -(Tensor a, double b) => a.Add(-b);
    public static Tensor operator *(Tensor a, double b) => a.Mul(b);
    public static Tensor operator *(double a, Tensor b) => b.Mul(a);
    public static Tensor operator /(Tensor a, double b) => a.Div(b);
    public static Tensor operator -(Tensor a) => a.Neg();

    // ---- comparisons (bool results) ----
    public Tensor Eq(Tensor other) => EqOp.Call(this, other);
    public Tensor Eq(double other) => EqScalarOp.Call(this, other);
    public Tensor Ne(double other) => NeScalarOp.Call(this, other);
    public Tensor Lt(double other) => LtScalarOp.Call(this, other);
    public Tensor Lt(Tensor other) => LtOp.Call(this, other);
    public Tensor Gt(double other) => GtScalarOp.Call(this, other);
    public Tensor LogicalNot() => LogicalNotOp.Call(this);
    public Tensor LogicalAnd(Tensor other) => LogicalAndOp.Call(this, other);
    public Tensor IsFinite() => IsFiniteOp.Call(this);
    public Tensor All() => AllOp.Call(this);

    // ---- reductions ----
    public Tensor Sum(DType? dtype = null) => SumOp.Call(this, Arg.Optional(dtype));
    public Tensor Sum(long[] dims, bool keepDim = false, DType? dtype = null) => SumDimOp.Call(this, dims, keepDim, Arg.Optional(dtype));
    public Tensor Sum(int dim, bool keepDim = false) => Sum([dim], keepDim);
    public Tensor Mean(DType? dtype = null) => MeanOp.Call(this, Arg.Optional(dtype));
    public Tensor Mean(long[] dims, bool keepDim = false, DType? dtype = null) => MeanDimOp.Call(this, dims, keepDim, Arg.Optional(dtype));
    public Tensor Mean(int dim, bool keepDim = false) => Mean([dim], keepDim);
    public Tensor Max() => MaxOp.Call(this);
    public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false) => MaxDimOp.Call2(this, dim, keepDim);
    public Tensor Min() => MinOp.Call(this);
    public Tensor ArgMax(int dim, bool keepDim = false) => ArgmaxOp.Call(this, dim, keepDim);
    public Tensor Norm(double p = 2) => NormOp.Call(this, p);
    public Tensor CumSum(int dim) => CumsumOp.Call(this, dim, Arg.None);
    public (Tensor Values, Tensor Indices) TopK(long k, int dim = -1, bool largest = true) => TopkOp.Call2(this, k, dim, largest, true);
    public (Tensor Values, Tensor Indices) Sort(int dim = -1, bool descending = false) => SortOp.Call2(this, dim, descending);

    /// <summary>Draws <paramref name="samples"/> indices per row with probability proportional to the row's weights.</summary>
    public Tensor Multinomial(long samples, bool replacement = false) => MultinomialOp.Call(this, samples, replacement, Arg.None);

    // ---- linear algebra ----
    public Tensor MatMul(Tensor other) => MatmulOp.Call(this, other);

    /// <summary>x W^T (+ b): a linear layer with weight [out, in] as stored in HF checkpoints.</summary>
    public Tensor Linear(Tensor weight, Tensor? bias = null) => LinearOp.Call(this, weight, bias);

    // ---- conversion ----
    public Tensor To(DType dtype) => ToDTypeOp.Call(this, dtype, false, false, Arg.None);

    public Tensor To(Device device)
    {
        device.EnsureAvailable();
        return ToDeviceOp.Call(this, device, DType, false, false, Arg.None);
    }

    public Tensor Clone() => CloneOp.Call(this, Arg.None);

    /// <summary>The same data cut out of the autograd graph.</summary>
    public Tensor Detach() => DetachOp.Call(this);

    // ---- in-place updates (optimizers, caches); they return this for chaining ----
    public Tensor AddInPlace(Tensor other, double alpha = 1) { AddInPlaceOp.CallInPlace(this, other, alpha); return this; }
    public Tensor MulInPlace(Tensor other) { MulInPlaceOp.CallInPlace(this, other); return this; }
    public Tensor MulInPlace(double other) { MulScalarInPlaceOp.CallInPlace(this, other); return this; }
    public Tensor CopyFrom(Tensor source) { CopyInPlaceOp.CallInPlace(this, source, false); return this; }
    public Tensor ZeroInPlace() { ZeroInPlaceOp.CallInPlace(this); return this; }
    public Tensor FillInPlace(double value) { FillInPlaceOp.CallInPlace(this, value); return this; }
    /// <summary>this += value · a · b</summary>
    public Tensor AddCMulInPlace(Tensor a, Tensor b, double value) { AddcmulInPlaceOp.CallInPlace(this, a, b, value); return this; }
    /// <summary>this += value · a / b</summary>
    public Tensor AddCDivInPlace(Tensor a, Tensor b, double value) { AddcdivInPlaceOp.CallInPlace(this, a, b, value); return this; }
    /// <summary>this += weight · (end − this)</summary>
    public Tensor LerpInPlace(Tensor end, double weight) { LerpInPlaceOp.CallInPlace(this, end, weight); return this; }
}
