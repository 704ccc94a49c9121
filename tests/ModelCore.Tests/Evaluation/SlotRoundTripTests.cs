using MemoryPlatform.ModelCore.Evaluation;
using MemoryPlatform.ModelCore.Icae;
using MemoryPlatform.ModelCore.Tensors;

namespace MemoryPlatform.ModelCore.Tests.Evaluation;

public class SlotRoundTripTests
{
    private static readonly ModelFingerprint Fingerprint = ModelFingerprint.Of("base", "adapter");

    [Fact]
    public void Slots_come_back_in_shape_within_the_precision_of_each_format()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 2 * 4 * 16).Select(_ => (float)(random.NextDouble() * 8 - 4)).ToArray();
        using var slots = Tensor.From(values, 2, 4, 16);                                           // [spans, k, d]

        var (fp16, fp16Bytes) = SlotRoundTrip.Apply(slots, SlotDType.Float16, Fingerprint);
        var (int8, int8Bytes) = SlotRoundTrip.Apply(slots, SlotDType.Int8, Fingerprint);
        using (fp16)
        using (int8)
        {
            Assert.Equal([2L, 4, 16], fp16.Shape);
            Assert.Equal([2L, 4, 16], int8.Shape);
            Assert.Equal(SlotBlob.SizeOf(4, 16, SlotDType.Float16), fp16Bytes);
            Assert.Equal(SlotBlob.SizeOf(4, 16, SlotDType.Int8), int8Bytes);
            var half = fp16.ToArray<float>();
            var quant = int8.ToArray<float>();
            for (var i = 0; i < values.Length; i++)
            {
                Assert.Equal(values[i], half[i], 4e-3);                                            // binary16: 11 significant bits, |x| < 4
                Assert.Equal(values[i], quant[i], 4.0 / 127 / 2 + 1e-6);                           // per-row scale ≤ 4/127, rounding ≤ half a step
            }
            Assert.NotEqual(half, quant);
        }
    }

    [Fact]
    public void Only_span_blocks_are_accepted_and_format_names_round_trip()
    {
        using var flat = Tensor.Zeros([4, 16]);
        Assert.Throws<ArgumentException>(() => SlotRoundTrip.Apply(flat, SlotDType.Float16, Fingerprint));
        Assert.Equal(SlotDType.Int8, SlotRoundTrip.Parse(SlotRoundTrip.Name(SlotDType.Int8)));
        Assert.Equal(SlotDType.Float16, SlotRoundTrip.Parse("FP16"));
        Assert.Throws<ArgumentException>(() => SlotRoundTrip.Parse("fp8"));
    }
}
