namespace MemoryPlatform.ModelCore.Tensors;

// Views, reshapes, indexing, slicing and joining. View operations share storage with their input.
public sealed partial class Tensor
{
    private static readonly AtenOp ReshapeOp = new("aten::reshape");
    private static readonly AtenOp ViewOp = new("aten::view");
    private static readonly AtenOp TransposeOp = new("aten::transpose", "int");
    private static readonly AtenOp PermuteOp = new("aten::permute");
    private static readonly AtenOp UnsqueezeOp = new("aten::unsqueeze");
    private static readonly AtenOp SqueezeOp = new("aten::squeeze", "dim");
    private static readonly AtenOp FlattenOp = new("aten::flatten", "using_ints");
    private static readonly AtenOp ContiguousOp = new("aten::contiguous");
    private static readonly AtenOp ExpandOp = new("aten::expand");
    private static readonly AtenOp SliceOp = new("aten::slice", "Tensor");
    private static readonly AtenOp NarrowOp = new("aten::narrow");
    private static readonly AtenOp SelectOp = new("aten::select", "int");
    private static readonly AtenOp IndexOp = new("aten::index", "Tensor");
    private static readonly AtenOp IndexSelectOp = new("aten::index_select");
    private static readonly AtenOp GatherOp = new("aten::gather");
    private static readonly AtenOp CatOp = new("aten::cat");
    private static readonly AtenOp StackOp = new("aten::stack");
    private static readonly AtenOp SplitOp = new("aten::split", "Tensor");
    private static readonly AtenOp ChunkOp = new("aten::chunk");
    private static readonly AtenOp RepeatOp = new("aten::repeat");
    private static readonly AtenOp RepeatInterleaveOp = new("aten::repeat_interleave", "self_int");
    private static readonly AtenOp TriuOp = new("aten::triu");
    private static readonly AtenOp TrilOp = new("aten::tril");

    public Tensor Reshape(params long[] shape) => ReshapeOp.Call(this, shape);

    /// <summary>A view with a new shape; fails on non-contiguous memory where <see cref="Reshape"/> would copy.</summary>
    public Tensor View(params long[] shape) => ViewOp.Call(this, shape);

    public Tensor Transpose(int dim0, int dim1) => TransposeOp.Call(this, dim0, dim1);

    public Tensor Permute(params long[] dims) => PermuteOp.Call(this, dims);

    public Tensor Unsqueeze(int dim) => UnsqueezeOp.Call(this, dim);

    public Tensor Squeeze(int dim) => SqueezeOp.Call(this, dim);

    public Tensor Flatten(int startDim = 0, int endDim = -1) => FlattenOp.Call(this, startDim, endDim);

    public Tensor Contiguous() => ContiguousOp.Call(this, 0);

    /// <summary>Broadcasts size-1 dimensions to <paramref name="shape"/> (-1 keeps a dimension) without copying.</summary>
    public Tensor Expand(params long[] shape) => ExpandOp.Call(this, shape, false);

    /// <summary>Elements [start, end) along <paramref name="dim"/>; negative bounds count from the end.</summary>
    public Tensor Slice(int dim, long start, long end, long step = 1) => SliceOp.Call(this, dim, start, end, step);

    public Tensor Narrow(int dim, long start, long length) => NarrowOp.Call(this, dim, start, length);

    /// <summary>Index <paramref name="index"/> of <paramref name="dim"/>, removing that dimension.</summary>
    public Tensor Select(int dim, long index) => SelectOp.Call(this, dim, index);

    /// <summary>Advanced indexing: one index tensor per leading dimension, null for "all".</summary>
    public Tensor Index(params Tensor?[] indices) => IndexOp.Call(this, Arg.OptionalTensors(indices));

    public Tensor IndexSelect(int dim, Tensor index) => IndexSelectOp.Call(this, dim, index);

    public Tensor Gather(int dim, Tensor index) => GatherOp.Call(this, dim, index, false);

    public static Tensor Cat(Tensor[] tensors, int dim = 0) => CatOp.Call(tensors, dim);

    public static Tensor Stack(Tensor[] tensors, int dim = 0) => StackOp.Call(tensors, dim);

    public Tensor[] Split(long splitSize, int dim = 0) =>
        SplitOp.CallList((int)((Size(dim) + splitSize - 1) / Math.Max(1, splitSize)) + 1, this, splitSize, dim);

    public Tensor[] Chunk(int chunks, int dim = 0) => ChunkOp.CallList(chunks, this, chunks, dim);

    public Tensor Repeat(params long[] repeats) => RepeatOp.Call(this, repeats);

    /// <summary>Repeats each element <paramref name="repeats"/> times along <paramref name="dim"/> (GQA head sharing).</summary>
    public Tensor RepeatInterleave(long repeats, int dim) => RepeatInterleaveOp.Call(this, repeats, dim, Arg.None);

    /// <summary>Upper triangle from <paramref name="diagonal"/>; the rest zeroed.</summary>
    public Tensor Triu(long diagonal = 0) => TriuOp.Call(this, diagonal);

    public Tensor Tril(long diagonal = 0) => TrilOp.Call(this, diagonal);
}
