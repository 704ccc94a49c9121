using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Tests.Tensors;

public class TensorBasicsTests
{
    [Fact]
    public void Data_round_trips_through_every_dtype()
    {
        using var f = Tensor.From([1.5f, -2f, 3.25f, 0f], 2, 2);
        Assert.Equal([2L, 2L], f.Shape);
        Assert.Equal(DType.Float32, f.DType);
        Assert.Equal([1.5f, -2f, 3.25f, 0f], f.ToArray<float>());

        using var l = Tensor.From([1L, long.MaxValue, -7L]);
        Assert.Equal([1L, long.MaxValue, -7L], l.ToArray<long>());
        using var b = Tensor.From([true, false, true]);
        Assert.Equal(DType.Bool, b.DType);
        Assert.Equal([true, false, true], b.ToArray<bool>());
        using var i = Tensor.From([3, 4]);
        Assert.Equal(DType.Int32, i.DType);

        foreach (var dtype in new[] { DType.BFloat16, DType.Float16, DType.Float64 })
        {
            using var c = f.To(dtype);
            Assert.Equal(dtype, c.DType);
            Assert.Equal([1.5f, -2f, 3.25f, 0f], c.ToArray<float>());   // all exactly representable
        }
        foreach (var dtype in new[] { DType.Int64, DType.Int32, DType.Int16, DType.Int8 })
        {
            using var c = f.To(dtype);
            Assert.Equal(dtype, c.DType);
            Assert.Equal([1f, -2f, 3f, 0f], c.ToArray<float>());        // truncation toward zero
        }
    }

    [Fact]
    public void Bytes_round_trip_bit_exactly()
    {
        var bytes = new byte[] { 0x80, 0x3f, 0x00, 0xc0, 0x49, 0x40 };   // bf16 1, -2, 3.140625
        using var t = Tensor.FromBytes(bytes, DType.BFloat16, 3);
        Assert.Equal([1f, -2f, 3.140625f], t.ToArray<float>());
        Assert.Equal(bytes, t.ToBytes());
    }

    [Fact]
    public void Creation_functions_fill_as_documented()
    {
        using var scope = TensorScope.Begin();
        Assert.All(Tensor.Zeros([2, 3]).ToArray<float>(), x => Assert.Equal(0f, x));
        Assert.All(Tensor.Ones([4], DType.BFloat16).ToArray<float>(), x => Assert.Equal(1f, x));
        Assert.All(Tensor.Full([2], 7.5).ToArray<float>(), x => Assert.Equal(7.5f, x));
        Assert.Equal([2L, 4L, 6L], Tensor.Arange(2, 8, 2).ToArray<long>());
        var r = Tensor.Rand([1000]).ToArray<float>();
        Assert.All(r, x => Assert.InRange(x, 0f, 1f));
        var ints = Tensor.RandInt(3, 6, [500]).ToArray<long>();
        Assert.All(ints, x => Assert.InRange(x, 3L, 5L));
        Assert.Equal(3, ints.Distinct().Count());
    }

    [Fact]
    public void Views_slices_and_joins_follow_row_major_order()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.Arange(12).Reshape(3, 4);
        Assert.Equal([4L, 5L, 6L, 7L], x.Select(0, 1).ToArray<long>());
        Assert.Equal([1L, 5L, 9L], x.Select(1, 1).ToArray<long>());
        Assert.Equal([1L, 2L, 5L, 6L, 9L, 10L], x.Slice(1, 1, 3).ToArray<long>());
        Assert.Equal([8L, 9L, 10L, 11L], x.Slice(0, -1, 3).ToArray<long>());
        Assert.Equal([0L, 4L, 8L, 1L, 5L, 9L, 2L, 6L, 10L, 3L, 7L, 11L], x.Transpose(0, 1).Contiguous().ToArray<long>());
        Assert.Equal([4L, 3L], x.Permute(1, 0).Shape);
        Assert.Equal([3L, 1L, 4L], x.Unsqueeze(1).Shape);
        Assert.Equal([6L, 4L], Tensor.Cat([x, x.Slice(0, 0, 3)], 0).Shape);
        Assert.Equal([2L, 3L, 4L], Tensor.Stack([x, x]).Shape);
        Assert.Equal(3, x.Split(1, 0).Length);
        Assert.Equal(2, x.Chunk(2, 1).Length);
        Assert.Equal([8L, 9L, 0L, 1L], x.Index(Tensor.From([2L, 0L])).Slice(1, 0, 2).Flatten().ToArray<long>());
        Assert.Equal([3L, 2L], x.IndexSelect(1, Tensor.From([0L, 3L])).Shape);
        Assert.Equal([0L, 0L, 1L, 1L], Tensor.From([0L, 1L]).RepeatInterleave(2, 0).ToArray<long>());
        Assert.Equal([0L, 1L, 0L, 1L], Tensor.From([0L, 1L]).Repeat(2).ToArray<long>());
        Assert.Equal([1f, 1f, 0f, 1f], Tensor.Ones([2, 2]).Triu().ToArray<float>());
        Assert.Equal([3L, 4L], x.Expand(3, 4).Shape);
    }

    [Fact]
    public void Math_and_reductions_give_known_values()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.From([1f, 2f, 3f, 4f], 2, 2);
        var b = Tensor.From([1f, 0f, 0f, 1f], 2, 2);
        Assert.Equal([1f, 2f, 3f, 4f], a.MatMul(b).ToArray<float>());
        Assert.Equal([2f, 2f, 3f, 5f], (a + b).ToArray<float>());
        Assert.Equal([1f, 0f, 0f, 4f], (a * b).ToArray<float>());
        Assert.Equal([-1f, -2f, -3f, -4f], (-a).ToArray<float>());
        Assert.Equal(10f, a.Sum().Item<float>());
        Assert.Equal(2.5f, a.Mean().Item<float>());
        Assert.Equal([3f, 7f], a.Sum(1).ToArray<float>());
        var (values, indices) = a.Max(1);
        Assert.Equal([2f, 4f], values.ToArray<float>());
        Assert.Equal([1L, 1L], indices.ToArray<long>());
        Assert.Equal(MathF.Sqrt(30f), a.Norm().Item<float>(), 5);
        Assert.Equal([1f, 3f, 6f, 10f], a.Flatten().CumSum(0).ToArray<float>());
        Assert.Equal([4f, 3f], a.Flatten().TopK(2).Values.ToArray<float>());
        Assert.Equal([1L, 1L], a.ArgMax(1).ToArray<long>());
        Assert.Equal([false, true, true, true], a.Gt(1.5).ToArray<bool>());
        Assert.Equal([1f, 2f, 2f, 2f], a.Clamp(null, 2).ToArray<float>());
        Assert.Equal([2f, 3f, 4f, 5f], a.Linear(b, Tensor.From([1f, 1f])).ToArray<float>());
    }

    [Fact]
    public void Neural_network_functions_match_their_definitions()
    {
        using var scope = TensorScope.Begin();
        var x = Tensor.From([1f, 2f, 3f]);
        var p = Functional.Softmax(x, 0).ToArray<float>();
        var z = MathF.Exp(1) + MathF.Exp(2) + MathF.Exp(3);
        Assert.Equal(MathF.Exp(2) / z, p[1], 6);
        Assert.Equal(MathF.Log(MathF.Exp(3) / z), Functional.LogSoftmax(x, 0).ToArray<float>()[2], 5);
        Assert.Equal(2f / (1 + MathF.Exp(-2f)), Functional.Silu(x).ToArray<float>()[1], 5);

        var table = Tensor.From([0f, 0f, 1f, 1f, 2f, 2f], 3, 2);
        Assert.Equal([2f, 2f, 0f, 0f], Functional.Embedding(table, Tensor.From([2L, 0L])).ToArray<float>());
        Assert.Equal([9f, 2f, 9f], Functional.MaskedFill(x, Tensor.From([true, false, true]), 9).ToArray<float>());

        var logits = Tensor.From([2f, 0f, 0f, 2f], 2, 2);
        var ce = Functional.CrossEntropy(logits, Tensor.From([0L, -100L])).Item<float>();
        Assert.Equal(MathF.Log(1 + MathF.Exp(-2)), ce, 5);   // the ignored row is out of the mean

        var rms = Functional.RmsNorm(Tensor.From([3f, 4f], 1, 2), Tensor.From([1f, 2f]), 0).ToArray<float>();
        var scale = 1 / MathF.Sqrt(12.5f);
        Assert.Equal(3 * scale, rms[0], 5);
        Assert.Equal(8 * scale, rms[1], 5);
    }

    [Fact]
    public void Attention_with_padding_mask_matches_unpadded_rows()
    {
        using var scope = TensorScope.Begin();
        Torch.ManualSeed(7);
        var q = Tensor.Randn([1, 2, 4, 8]);
        var k = Tensor.Randn([1, 2, 4, 8]);
        var v = Tensor.Randn([1, 2, 4, 8]);
        var full = Functional.ScaledDotProductAttention(q, k, v, causal: true);
        // Left-pad by one position: the pad key is masked out, the pad query has no key at all.
        var pad = Tensor.Zeros([1, 2, 1, 8]);
        var keep = Tensor.From([false, true, true, true, true], 1, 1, 1, 5);
        var padded = Functional.ScaledDotProductAttention(
            Tensor.Cat([pad, q], 2), Tensor.Cat([pad, k], 2), Tensor.Cat([pad, v], 2), keep, causal: true);
        AssertClose(full.ToArray<float>(), padded.Slice(2, 1, 5).Contiguous().ToArray<float>(), 1e-5);
        Assert.All(padded.Slice(2, 0, 1).Contiguous().ToArray<float>(), x => Assert.Equal(0f, x));   // no NaN

        // Causal attention over a cache: the last query sees every key.
        var last = Functional.ScaledDotProductAttention(q.Slice(2, 3, 4), k, v, causal: true);
        AssertClose(full.Slice(2, 3, 4).Contiguous().ToArray<float>(), last.ToArray<float>(), 1e-5);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Grouped_query_attention_equals_attention_over_repeated_keys_and_values(bool float32Products)
    {
        using var scope = TensorScope.Begin();
        Torch.ManualSeed(8);
        var q = Tensor.Randn([2, 6, 5, 8]);                       // 6 query heads
        var k = Tensor.Randn([2, 2, 7, 8]);                       // share 2 key/value heads (3 each)
        var v = Tensor.Randn([2, 2, 7, 8]);
        var keep = Tensor.From([false, true, true, true, true, true, true, true, true, true, true, true, true, true], 2, 1, 1, 7);
        foreach (var mask in new[] { null, keep })
        {
            var grouped = Functional.ScaledDotProductAttention(q, k, v, mask, causal: true, float32Products: float32Products);
            var repeated = Functional.ScaledDotProductAttention(q, k.RepeatInterleave(3, 1), v.RepeatInterleave(3, 1), mask, causal: true,
                float32Products: float32Products);
            Assert.Equal([2L, 6, 5, 8], grouped.Shape);
            AssertClose(repeated.ToArray<float>(), grouped.ToArray<float>(), 1e-5);
        }
    }

    [Fact]
    public void Autocast_runs_matmul_in_bf16_and_restores_on_exit()
    {
        using var scope = TensorScope.Begin();
        var a = Tensor.Randn([8, 8]);
        using (Autocast.Enable(DType.BFloat16))
        {
            Assert.True(Autocast.IsEnabled());
            Assert.Equal(DType.BFloat16, a.MatMul(a).DType);
        }
        Assert.False(Autocast.IsEnabled());
        Assert.Equal(DType.Float32, a.MatMul(a).DType);
    }

    [Fact]
    public void Thread_count_and_version_are_reported()
    {
        var before = Torch.Threads;
        Torch.Threads = 1;
        Assert.Equal(1, Torch.Threads);
        Torch.Threads = before;
        Assert.True(Torch.Version.Major >= 1);
    }

    internal static void AssertClose(float[] expected, float[] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"index {i}: expected {expected[i]}, got {actual[i]}");
    }
}
