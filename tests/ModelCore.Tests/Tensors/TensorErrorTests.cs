using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Tests.Tensors;

/// <summary>libtorch errors become managed exceptions with libtorch's message; the process survives.</summary>
public class TensorErrorTests
{
    [Fact]
    public void Shape_mismatch_is_a_managed_exception_with_libtorchs_message()
    {
        using var a = Tensor.Zeros([2, 3]);
        using var b = Tensor.Zeros([4, 5]);
        var e = Assert.Throws<TorchException>(() => a.MatMul(b));
        Assert.Contains("cannot be multiplied", e.Message);
        Assert.DoesNotContain("Exception raised from", e.Message);   // no C++ backtrace
        using var ok = a.MatMul(Tensor.Zeros([3, 1]));                // and the engine still works
        Assert.Equal([2L, 1L], ok.Shape);
    }

    [Fact]
    public void Out_of_range_index_and_bad_dtype_are_reported()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Zeros([3]);
        Assert.Contains("out of range", Assert.Throws<TorchException>(() => x.Select(0, 5)).Message);
        var table = Tensor.Zeros([4, 2]);
        Assert.Throws<TorchException>(() => Functional.Embedding(table, Tensor.From([9L])));
        Assert.Throws<TorchException>(() => Functional.Embedding(table, Tensor.From([0.5f])));
        Assert.Throws<TorchException>(() => x.Reshape(2, 2));
    }

    [Fact]
    public void Data_of_the_wrong_size_is_refused_before_reaching_native_code()
    {
        Assert.Throws<ArgumentException>(() => Tensor.From([1f, 2f, 3f], 2, 2));
        Assert.Throws<ArgumentException>(() => Tensor.FromBytes(new byte[3], DType.Float32, 1));
    }

    [Fact]
    public void A_disposed_tensor_cannot_be_used()
    {
        var t = Tensor.Zeros([2]);
        t.Dispose();
        Assert.Throws<ObjectDisposedException>(() => t.Add(1));
    }

    [Fact]
    public void Cuda_on_a_cpu_only_libtorch_is_a_clear_error()
    {
        if (Torch.CudaDeviceCount > 0) return;   // on a GPU silo this path is the normal one
        var e = Assert.Throws<TorchException>(() => Tensor.Zeros([2], device: Device.Cuda(0)));
        Assert.Contains("no CUDA", e.Message);
        Assert.Throws<ArgumentException>(() => Device.Parse("tpu:0"));
        Assert.Equal(Device.Cuda(1), Device.Parse("cuda:1"));
    }

    [Fact]
    public void Unknown_operator_names_fail_clearly()
    {
        Assert.False(AtenOp.Exists("aten::no_such_op"));
        var e = Assert.Throws<TorchException>(() => new AtenOp("aten::no_such_op").Call(Arg.None));
        Assert.Contains("aten::no_such_op", e.Message);
    }
}
